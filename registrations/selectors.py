"""Reads of programmes and registrations, already scoped to the user."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Programme, Registration


def programme_list(*, user, academic_year: str = "", active: bool | None = True) -> QuerySet[Programme]:
    qs = Programme.objects.visible_to(user).select_related("qualification", "centre")
    if academic_year:
        qs = qs.filter(academic_year=academic_year)
    if active is not None:
        qs = qs.filter(is_active=active)
    live = ~Q(registrations__state__in=Registration.CLOSED_STATES)
    return qs.annotate(
        learner_count=Count("registrations", filter=live),
        registered_count=Count("registrations", filter=Q(registrations__state=Registration.State.REGISTERED)),
    ).order_by("-academic_year", "name")


def get_programme_for_user(user, pk) -> Programme:
    return get_object_or_404(
        Programme.objects.visible_to(user).select_related("qualification__suite", "centre").prefetch_related("subject_leads"),
        pk=pk,
    )


def programme_registrations(*, programme: Programme, state: str = "", search: str = "") -> QuerySet[Registration]:
    qs = programme.registrations.select_related("learner").order_by("learner__legal_last_name", "learner__legal_first_name", "id")
    if state:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(
            Q(learner__legal_last_name__icontains=search) | Q(learner__legal_first_name__icontains=search)
            | Q(learner__mis_id__iexact=search) | Q(pearson_registration_number__iexact=search)
        )
    return qs


def registration_state_counts(queryset) -> dict[str, int]:
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("id")))
    return {state: counts.get(state, 0) for state in Registration.State.values}


def get_registration_for_user(user, pk) -> Registration:
    return get_object_or_404(
        Registration.objects.visible_to(user).select_related(
            "learner__centre", "programme__qualification", "transferred_to__programme"
        ),
        pk=pk,
    )
