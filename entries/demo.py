"""Demo data for external assessment: three series, some entries and some results. Idempotent."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from core.exceptions import DomainError
from core.history import bulk_create_tracked
from core.roles import EXAMS_OFFICER

from .models import AssessmentSeries, Entry, Result
from .services import entries_create, series_create, series_window

SERIES = [
    ("May/June 2026", date(2026, 2, 21), date(2026, 3, 31), date(2026, 8, 13)),
    ("January 2027", date(2026, 10, 21), date(2026, 12, 15), date(2027, 3, 4)),
    ("May/June 2027", date(2027, 2, 21), date(2027, 3, 31), date(2027, 8, 12)),
]


def _officer(users):
    candidates = list(users.values()) if isinstance(users, dict) else list(users or [])
    for user in candidates:
        if user.is_superuser or user.groups.filter(name=EXAMS_OFFICER).exists():
            return user
    return candidates[0] if candidates else None


def seed_demo_data(*, centre, users, stdout) -> None:
    from registrations.models import Registration, Unit

    actor = _officer(users)
    if actor is None:
        stdout.write("entries: no exams officer to act as; skipped")
        return
    series = {}
    for name, deadline, late_end, results in SERIES:
        existing = AssessmentSeries.objects.filter(name=name).first()
        series[name] = existing or series_create(
            actor=actor, reason="Demo data", name=name, entry_deadline=deadline, late_entry_end=late_end,
            standard_fee=Decimal("45.00"), late_fee=Decimal("90.00"), results_date=results,
        )
    if Entry.objects.filter(registration__programme__centre=centre).exists():
        stdout.write("entries: demo entries already present")
        return
    registrations = list(
        Registration.objects.filter(programme__centre=centre, state=Registration.State.REGISTERED)
        .filter(programme__qualification__units__assessment=Unit.Assessment.EXTERNAL).distinct()
        .select_related("programme__qualification")[:60]
    )
    if not registrations:
        stdout.write("entries: no registered learner on a qualification with external units; series only")
        return
    units = {}
    for unit in Unit.objects.filter(qualification__in={r.programme.qualification_id for r in registrations},
                                    assessment=Unit.Assessment.EXTERNAL):
        units.setdefault(unit.qualification_id, []).append(unit)
    # Results from a past series for the first third (a few ungraded, so there are resits to show).
    past = series["May/June 2026"]
    past_entries = [
        Entry(series=past, registration=reg, unit=units[reg.programme.qualification_id][0], fee=past.standard_fee,
              entered_on=past.entry_deadline, entered_by=actor)
        for reg in registrations[: len(registrations) // 3]
    ]
    past_entries = bulk_create_tracked(Entry, past_entries, actor=actor, reason="Demo data: past entries")
    results = [
        Result(series=past, registration=e.registration, unit=e.unit, entry=e, grade="U" if i % 4 == 0 else "P",
               received_on=past.results_date)
        for i, e in enumerate(past_entries)
    ]
    bulk_create_tracked(Result, results, actor=actor, reason="Demo data: past results")
    today = timezone.localdate()
    target = next((s for s in series.values() if series_window(s, today) != "closed"), None)
    if target is None:
        stdout.write(f"entries: {len(results)} past results; every demo series is closed for entries today")
        return
    picks = [(r.pk, u.pk) for r in registrations for u in units[r.programme.qualification_id]]
    # Enter them as a diligent office would: two weeks before the entry deadline (not late), unless
    # that day is still ahead of us.
    from core.management.commands.seed_demo import at

    entered_on = min(today, target.entry_deadline - timedelta(days=14))
    try:
        with at(entered_on):
            outcome = entries_create(actor=actor, series=target, picks=picks, reason="Demo data",
                                     late_reason="Demo data: entered in the late period")
    except DomainError as exc:
        stdout.write(f"entries: {exc.message}")
        return
    stdout.write(f"entries: {len(results)} past results; {len(outcome.created)} entries in {target}, {len(outcome.refused)} refused")
