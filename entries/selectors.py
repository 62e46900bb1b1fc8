"""Reads about external assessment: series, entry grids, learners' attempts, and the terminal rule."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from registrations.models import Programme, Registration, Unit

from .models import AssessmentSeries, Entry, Result, grade_rank


def series_list(*, user) -> QuerySet[AssessmentSeries]:
    return AssessmentSeries.objects.all()


def series_counts(*, user, series_ids) -> dict[int, dict[str, int]]:
    """{series id: {entries, late, withdrawn, results}} counted over what the user may see (two queries)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"entries": 0, "late": 0, "withdrawn": 0, "results": 0})
    rows = (
        Entry.objects.visible_to(user).filter(series_id__in=series_ids).values("series_id")
        .annotate(
            entries=Count("pk", filter=Q(state=Entry.State.ENTERED)),
            late=Count("pk", filter=Q(state=Entry.State.ENTERED, is_late=True)),
            withdrawn=Count("pk", filter=Q(state=Entry.State.WITHDRAWN)),
        )
    )
    for row in rows:
        counts[row["series_id"]].update(entries=row["entries"], late=row["late"], withdrawn=row["withdrawn"])
    for row in Result.objects.visible_to(user).filter(series_id__in=series_ids).values("series_id").annotate(n=Count("pk")):
        counts[row["series_id"]]["results"] = row["n"]
    return counts


def get_series(pk) -> AssessmentSeries:
    return get_object_or_404(AssessmentSeries, pk=pk)


def series_programme_counts(*, user, series: AssessmentSeries) -> list[dict]:
    """Entries by programme for a series: entered, late, withdrawn/swapped, results received, fees."""
    from django.db.models import Sum

    programmes: dict[int, dict] = {}
    rows = (
        Entry.objects.visible_to(user).filter(series=series)
        .values("registration__programme_id", "registration__programme__name")
        .annotate(
            entries=Count("pk", filter=Q(state=Entry.State.ENTERED)),
            late=Count("pk", filter=Q(state=Entry.State.ENTERED, is_late=True)),
            changed=Count("pk", filter=~Q(state=Entry.State.ENTERED)),
            fees=Sum("fee", filter=Q(state=Entry.State.ENTERED)),
            learners=Count("registration_id", filter=Q(state=Entry.State.ENTERED), distinct=True),
        )
        .order_by("registration__programme__name")
    )
    for row in rows:
        programmes[row["registration__programme_id"]] = {
            "id": row["registration__programme_id"], "name": row["registration__programme__name"],
            "entries": row["entries"], "late": row["late"], "changed": row["changed"], "fees": row["fees"] or 0,
            "learners": row["learners"], "results": 0,
        }
    for row in (
        Result.objects.visible_to(user).filter(series=series)
        .values("registration__programme_id", "registration__programme__name").annotate(n=Count("pk"))
    ):
        item = programmes.setdefault(row["registration__programme_id"], {
            "id": row["registration__programme_id"], "name": row["registration__programme__name"], "entries": 0,
            "late": 0, "changed": 0, "fees": 0, "learners": 0, "results": 0,
        })
        item["results"] = row["n"]
    return sorted(programmes.values(), key=lambda p: p["name"])


def programmes_with_external_units(*, user) -> QuerySet[Programme]:
    return (
        Programme.objects.visible_to(user).filter(is_active=True, qualification__units__assessment=Unit.Assessment.EXTERNAL)
        .distinct().select_related("qualification").order_by("name")
    )


def late_entries(*, user, series: AssessmentSeries) -> QuerySet[Entry]:
    return (
        Entry.objects.visible_to(user).current().filter(series=series, is_late=True)
        .select_related("registration__learner", "registration__programme", "unit", "entered_by")
        .order_by("registration__programme__name", "registration__learner__legal_last_name")
    )


def get_entry_for_user(user, pk) -> Entry:
    return get_object_or_404(
        Entry.objects.visible_to(user).select_related(
            "series", "unit", "registration__learner", "registration__programme__qualification__suite", "entered_by",
            "swapped_to__unit",
        ),
        pk=pk,
    )


@dataclass
class GridCell:
    unit: Unit
    entry: Entry | None = None  # the current entry in this series
    attempts: list[tuple[str, str]] = field(default_factory=list)  # (series name, grade or "entered")
    best: str = ""


@dataclass
class GridRow:
    registration: Registration
    cells: list[GridCell]


def programme_grid(*, programme: Programme, series: AssessmentSeries, registrations) -> tuple[list[Unit], list[GridRow]]:
    """Every registration given × every external unit: earlier attempts, best grade, and this series' entry.

    A fixed number of queries whatever the size of the page.
    """
    units = list(programme.qualification.units.filter(assessment=Unit.Assessment.EXTERNAL).order_by("number"))
    regs = list(registrations)
    reg_ids = [r.pk for r in regs]
    attempts: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    current: dict[tuple[int, int], Entry] = {}
    for entry in (
        Entry.objects.filter(registration_id__in=reg_ids, state=Entry.State.ENTERED)
        .select_related("series").order_by("series__results_date")
    ):
        if entry.series_id == series.pk:
            current[(entry.registration_id, entry.unit_id)] = entry
        else:
            attempts[(entry.registration_id, entry.unit_id)][entry.series.name] = "entered"
    for result in Result.objects.filter(registration_id__in=reg_ids).select_related("series").order_by("series__results_date"):
        attempts[(result.registration_id, result.unit_id)][result.series.name] = result.grade
    rows = []
    for reg in regs:
        cells = []
        for unit in units:
            tried = attempts.get((reg.pk, unit.pk), {})
            graded = [g for g in tried.values() if g != "entered"]
            cells.append(GridCell(
                unit=unit, entry=current.get((reg.pk, unit.pk)), attempts=list(tried.items()),
                best=max(graded, key=grade_rank) if graded else "",
            ))
        rows.append(GridRow(reg, cells))
    return units, rows


def grid_registrations(*, programme: Programme) -> QuerySet[Registration]:
    """Learners shown on an entry grid: every registration still live on the programme."""
    return (
        Registration.objects.live().filter(programme=programme).exclude(state=Registration.State.DRAFT)
        .select_related("learner").order_by("learner__legal_last_name", "learner__legal_first_name", "pk")
    )


@dataclass
class UnitHistory:
    registration: Registration
    unit: Unit
    attempts: list[dict]  # {"series", "entry", "result", "counts"}
    best: Result | None


def learner_history(*, user, learner) -> list[UnitHistory]:
    """Every external unit a learner has been entered for or graded in, with all attempts and the one that counts."""
    entries = (
        Entry.objects.visible_to(user).filter(registration__learner=learner)
        .select_related("series", "unit", "registration__programme", "entered_by")
    )
    results = (
        Result.objects.visible_to(user).filter(registration__learner=learner)
        .select_related("series", "unit", "registration__programme")
    )
    grouped: dict[tuple[int, int], dict] = {}
    for e in entries:
        g = grouped.setdefault((e.registration_id, e.unit_id), {"registration": e.registration, "unit": e.unit, "by_series": {}})
        g["by_series"].setdefault(e.series_id, {"series": e.series, "entries": [], "result": None})["entries"].append(e)
    for r in results:
        g = grouped.setdefault((r.registration_id, r.unit_id), {"registration": r.registration, "unit": r.unit, "by_series": {}})
        g["by_series"].setdefault(r.series_id, {"series": r.series, "entries": [], "result": None})["result"] = r
    history = []
    for g in grouped.values():
        attempts = sorted(g["by_series"].values(), key=lambda a: a["series"].results_date)
        graded = [a["result"] for a in attempts if a["result"]]
        best = None
        for r in graded:
            if best is None or (grade_rank(r.grade), r.series.results_date) > (grade_rank(best.grade), best.series.results_date):
                best = r
        for a in attempts:
            a["counts"] = best is not None and a["result"] is best
        history.append(UnitHistory(g["registration"], g["unit"], attempts, best))
    history.sort(key=lambda h: (h.registration.programme.name, h.unit.number))
    return history


def export_rows(*, series: AssessmentSeries):
    """The current entries of a series, in the order of Pearson's entry file."""
    return (
        Entry.objects.current().filter(series=series)
        .select_related("registration__learner__centre", "registration__programme__qualification", "unit")
        .order_by("registration__programme__name", "registration__learner__legal_last_name", "registration_id", "unit__number")
    )


# --- the terminal rule (claims' gate 7) ---------------------------------------------------------


def certification_series(registration: Registration, on=None) -> AssessmentSeries | None:
    """The series in which the learner certificates, for a claim made `on` (default today).

    The latest series whose results are out on or before the claim date; when none has reported yet,
    the first series whose results come on or after the learner's planned completion date.
    """
    on = on or timezone.localdate()
    latest = AssessmentSeries.objects.filter(results_date__lte=on).order_by("-results_date").first()
    if latest is not None:
        return latest
    return (
        AssessmentSeries.objects.filter(results_date__gte=registration.planned_completion_date)
        .order_by("results_date").first()
    )


def terminal_rule_problem(registration: Registration) -> str | None:
    """Why the Tech Award terminal rule is not met for a claim now, or None when it holds (or does
    not apply). Claims call it as gate 7.

    The rule: the external component is taken in the series in which the learner certificates. Every
    externally assessed unit of the qualification must have a current entry in that series (see
    `certification_series`), and, once that series' results are out, a result from it. It fails
    closed: with no series recorded the rule cannot be shown to hold.
    """
    qualification = registration.programme.qualification
    suite = qualification.suite
    if not suite.terminal_rule:
        return None
    units = list(qualification.units.filter(assessment=Unit.Assessment.EXTERNAL).order_by("number"))
    if not units:
        return None
    series = certification_series(registration)
    if series is None:
        return "The terminal rule cannot be checked: no assessment series is set up for the learner's certification."
    entered = set(Entry.objects.current().filter(registration=registration, series=series).values_list("unit_id", flat=True))
    graded = set(Result.objects.filter(registration=registration, series=series).values_list("unit_id", flat=True))
    missing = [u for u in units if u.pk not in entered and u.pk not in graded]
    if missing:
        names = ", ".join(f"Unit {u.number}" for u in missing)
        return (
            f"Terminal rule ({suite}): the external component must be taken in the series in which the learner "
            f"certificates ({series}), but there is no entry for {names} in it."
        )
    if series.results_date <= timezone.localdate():
        waiting = [u for u in units if u.pk not in graded]
        if waiting:
            names = ", ".join(f"Unit {u.number}" for u in waiting)
            return f"Terminal rule ({suite}): no {series} result is recorded for {names} yet."
    return None
