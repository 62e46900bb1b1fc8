"""Reads for check lists, discrepancies and statements, already scoped to the user."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from registrations.models import Registration

from .models import CheckLine, CheckRound, Discrepancy, ProgrammeCheck, Statement


def annotate_progress(qs: QuerySet[ProgrammeCheck]) -> QuerySet[ProgrammeCheck]:
    lines = CheckLine.objects.filter(check_list=OuterRef("pk")).order_by().values("check_list")
    total = lines.annotate(n=Count("pk")).values("n")
    decided = lines.filter(verdict__isnull=False).annotate(n=Count("pk")).values("n")
    flagged = lines.filter(verdict__verdict__in=["incorrect", "not_on_programme"]).annotate(n=Count("pk")).values("n")
    return qs.annotate(
        line_count=Subquery(total), decided_count=Subquery(decided), flagged_count=Subquery(flagged),
    )


def with_state(check_lists, today=None) -> list[ProgrammeCheck]:
    today = today or timezone.localdate()
    for c in check_lists:
        c.line_count = c.line_count or 0
        c.decided_count = c.decided_count or 0
        c.flagged_count = getattr(c, "flagged_count", 0) or 0
        c.state = c.state_for(decided=c.decided_count, total=c.line_count, today=today)
        c.state_label = ProgrammeCheck.State(c.state).label
    return check_lists


def round_list() -> QuerySet[CheckRound]:
    return CheckRound.objects.select_related("opened_by").annotate(
        list_count=Count("checks", distinct=True),
        signed_off_count=Count("checks", filter=Q(checks__signed_off_at__isnull=False), distinct=True),
    )


def get_round(pk) -> CheckRound:
    return get_object_or_404(CheckRound.objects.select_related("opened_by"), pk=pk)


def round_check_lists(*, check_round: CheckRound, state: str = "") -> QuerySet[ProgrammeCheck]:
    qs = (
        annotate_progress(ProgrammeCheck.objects.filter(round=check_round))
        .select_related("programme", "signed_off_by", "round")
        .prefetch_related("programme__subject_leads")
        .order_by("programme__name")
    )
    today = timezone.localdate()
    if state == ProgrammeCheck.State.SIGNED_OFF:
        qs = qs.filter(signed_off_at__isnull=False)
    elif state in (ProgrammeCheck.State.NOT_STARTED, ProgrammeCheck.State.IN_PROGRESS, ProgrammeCheck.State.OVERDUE):
        qs = qs.filter(signed_off_at__isnull=True)
        if state == ProgrammeCheck.State.OVERDUE:
            qs = qs.filter(round__due_date__lt=today)
        else:
            has_verdict = CheckLine.objects.filter(check_list=OuterRef("pk"), verdict__isnull=False)
            qs = qs.filter(round__due_date__gte=today)
            qs = qs.filter(Exists(has_verdict)) if state == ProgrammeCheck.State.IN_PROGRESS else qs.exclude(Exists(has_verdict))
    return qs


def round_state_counts(check_round: CheckRound) -> dict[str, int]:
    counts = dict.fromkeys(ProgrammeCheck.State.values, 0)
    for c in with_state(list(annotate_progress(ProgrammeCheck.objects.filter(round=check_round)).select_related("round").only(
        "pk", "signed_off_at", "round__due_date"
    ))):
        counts[c.state] += 1
    return counts


def my_check_lists(user) -> QuerySet[ProgrammeCheck]:
    return (
        annotate_progress(ProgrammeCheck.objects.visible_to(user))
        .select_related("programme", "round", "signed_off_by")
        .order_by("-round__opened_at", "programme__name")
    )


def get_check_list_for_user(user, pk) -> ProgrammeCheck:
    return get_object_or_404(
        ProgrammeCheck.objects.visible_to(user).select_related("round", "programme__qualification", "signed_off_by"),
        pk=pk,
    )


def get_line_for_user(user, pk) -> CheckLine:
    return get_object_or_404(
        CheckLine.objects.filter(check_list__in=ProgrammeCheck.objects.visible_to(user))
        .select_related("check_list__round", "check_list__programme", "check_list__signed_off_by", "verdict__decided_by"),
        pk=pk,
    )


def check_list_lines(check_list: ProgrammeCheck) -> QuerySet[CheckLine]:
    return check_list.lines.select_related("verdict__decided_by", "discrepancy__resolved_by").order_by(
        "legal_last_name", "legal_first_name", "id"
    )


def check_list_additions(check_list: ProgrammeCheck) -> QuerySet[Discrepancy]:
    return check_list.discrepancies.filter(kind=Discrepancy.Kind.MISSING_LEARNER).exclude(
        state=Discrepancy.State.WITHDRAWN
    ).select_related("resolved_by", "raised_by").order_by("last_name", "first_name")


def discrepancy_list(*, user, state: str = "", round_id=None, kind: str = "") -> QuerySet[Discrepancy]:
    qs = (
        Discrepancy.objects.visible_to(user)
        .exclude(state__in=[Discrepancy.State.DRAFT, Discrepancy.State.WITHDRAWN])
        .select_related("programme", "registration__learner", "raised_by", "resolved_by", "check_list__round")
    )
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if round_id:
        qs = qs.filter(check_list__round_id=round_id)
    return qs


def get_discrepancy_for_user(user, pk) -> Discrepancy:
    return get_object_or_404(
        Discrepancy.objects.visible_to(user).select_related(
            "programme__centre", "registration__learner", "registration__programme__qualification",
            "raised_by", "resolved_by", "check_list__round", "line__verdict", "resulting_registration__programme",
        ),
        pk=pk,
    )


def programme_statement_rows(programme) -> QuerySet[Registration]:
    """The programme's registrations known to Pearson, each with its newest statement."""
    latest = Statement.objects.filter(registration=OuterRef("pk")).order_by("-issued_at", "-id")
    return (
        programme.registrations.filter(state__in=[Registration.State.REGISTERED, Registration.State.SUBMITTED])
        .select_related("learner")
        .prefetch_related(Prefetch("statements", queryset=Statement.objects.order_by("-issued_at", "-id")))
        .annotate(
            told_at=Subquery(latest.values("issued_at")[:1]),
            confirmed=Exists(Statement.objects.filter(registration=OuterRef("pk"), response=Statement.Response.CONFIRMED)),
        )
        .order_by("learner__legal_last_name", "learner__legal_first_name", "id")
    )


def registered_not_told(user) -> QuerySet[Registration]:
    return Registration.objects.visible_to(user).filter(state=Registration.State.REGISTERED).exclude(
        Exists(Statement.objects.filter(registration=OuterRef("pk")))
    )
