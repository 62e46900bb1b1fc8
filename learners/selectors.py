"""Reads of learners, already scoped to the user."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Learner


def learner_list(*, user, search: str = "", status: str = "", programme_id: int | None = None) -> QuerySet[Learner]:
    qs = Learner.objects.visible_to(user).select_related("centre")
    search = search.strip()
    if search:
        terms = Q(mis_id__iexact=search) | Q(uln=search) | Q(candidate_number=search) | Q(uci__iexact=search)
        for word in search.split():
            terms |= Q(legal_last_name__icontains=word) | Q(legal_first_name__icontains=word) | Q(
                preferred_name__icontains=word
            )
        if len(search.split()) > 1:  # "Amy Jones" matches first and last name together
            first, *_, last = search.split()
            terms = (Q(legal_first_name__icontains=first) & Q(legal_last_name__icontains=last)) | Q(mis_id__iexact=search)
        qs = qs.filter(terms)
    if status:
        qs = qs.filter(status=status)
    if programme_id:
        qs = qs.filter(registrations__programme_id=programme_id).distinct()
    return qs.order_by("legal_last_name", "legal_first_name", "id")


def get_learner_for_user(user, pk) -> Learner:
    """The learner if the user may see them, else 404 (existence is not revealed)."""
    return get_object_or_404(Learner.objects.visible_to(user).select_related("centre"), pk=pk)
