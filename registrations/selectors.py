"""Reads of programmes and registrations, already scoped to the user."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import PearsonNotification, Programme, Registration


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


def registration_list(*, user, search: str = "", state: str = "", programme_id: int | None = None, due: str = "",
                      today=None) -> QuerySet[Registration]:
    """Every registration the user may see, filtered; a fixed number of queries whatever the size."""
    from datetime import timedelta

    from django.utils import timezone

    from .deadlines import due_before_q, due_between_q

    today = today or timezone.localdate()
    qs = Registration.objects.visible_to(user).select_related("learner", "programme__qualification")
    if state:
        qs = qs.filter(state=state)
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    if due == "overdue":
        qs = qs.filter(state=Registration.State.DRAFT).filter(due_before_q(today))
    elif due == "due_soon":
        qs = qs.filter(state=Registration.State.DRAFT).filter(due_between_q(today, today + timedelta(days=14)))
    search = search.strip()
    if search:
        terms = Q(learner__mis_id__iexact=search) | Q(pearson_registration_number__iexact=search) | Q(centre_reference__iexact=search)
        for word in search.split():
            terms |= Q(learner__legal_last_name__icontains=word) | Q(learner__legal_first_name__icontains=word)
        qs = qs.filter(terms)
    return qs.order_by("learner__legal_last_name", "learner__legal_first_name", "pk")


def drafts_for_programme(programme) -> QuerySet[Registration]:
    return programme.registrations.filter(state=Registration.State.DRAFT).select_related("learner").order_by(
        "learner__legal_last_name", "learner__legal_first_name", "pk")


def registration_state_history(registrations) -> dict[int, list]:
    """For each registration id, its state changes [(when, state label, who, why)], oldest first, in one query."""
    by_id: dict[int, list] = {}
    last_state: dict[int, str] = {}
    labels = dict(Registration.State.choices)
    rows = (Registration.history.filter(id__in=[r.pk for r in registrations])
            .select_related("history_user").order_by("id", "history_date", "history_id"))
    for h in rows:
        if last_state.get(h.id) == h.state:
            continue
        last_state[h.id] = h.state
        who = (h.history_user.get_full_name() or h.history_user.username) if h.history_user else "system"
        by_id.setdefault(h.id, []).append((h.history_date, labels.get(h.state, h.state), who, h.history_change_reason or ""))
    return by_id


def batch_list(*, user):
    from .models import RegistrationBatch

    return RegistrationBatch.objects.visible_to(user).select_related("programme", "created_by").defer("file_data")


def get_batch_for_user(user, pk):
    from .models import RegistrationBatch

    return get_object_or_404(RegistrationBatch.objects.visible_to(user).select_related("programme__qualification", "centre", "created_by"), pk=pk)


def notification_queue(*, kind: str = "", show: str = "owed"):
    qs = PearsonNotification.objects.select_related("learner", "registration__programme", "raised_by", "sent_by")
    if show == "owed":
        qs = qs.filter(sent_at__isnull=True).order_by("raised_at", "pk")
    elif show == "sent":
        qs = qs.filter(sent_at__isnull=False).order_by("-sent_at", "-pk")
    else:
        qs = qs.order_by("-raised_at", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    return qs
