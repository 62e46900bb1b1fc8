"""The entries and results steps of a registration's trace, and broken links across the office."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from audit.trace import BrokenLink, TraceItem

from .models import Entry, Result


def trace_items(registration) -> list[TraceItem]:
    items: list[TraceItem] = []
    for e in Entry.objects.filter(registration=registration).select_related("series", "unit", "entered_by"):
        who = e.entered_by.get_full_name() or e.entered_by.username
        label = f"Unit {e.unit.number} entered for {e.series} by {who}" + (" (late)" if e.is_late else "")
        if e.state != Entry.State.ENTERED:
            label += f", {e.get_state_display().lower()} on {e.ended_on:%d/%m/%Y}" if e.ended_on else ""
        items.append(TraceItem(stage="entry", label=label, on=e.entered_on, url=e.get_absolute_url(),
                               status="ok" if e.state == Entry.State.ENTERED else "pending"))
    for r in Result.objects.filter(registration=registration).select_related("series", "unit", "entry"):
        item = TraceItem(stage="result", label=f"Unit {r.unit.number} graded {r.grade} in {r.series}", on=r.received_on,
                         url=r.entry.get_absolute_url() if r.entry else "")
        if r.entry is None:
            item.status, item.problem = "broken", f"No entry for Unit {r.unit.number} in {r.series} is recorded."
        items.append(item)
    return items


def broken_links(user) -> list[BrokenLink]:
    """Results for learners never entered for that unit in that series."""
    entered = Entry.objects.filter(series=OuterRef("series"), registration=OuterRef("registration"), unit=OuterRef("unit"))
    orphans = (
        Result.objects.visible_to(user).filter(~Exists(entered))
        .select_related("registration__learner", "registration__programme", "unit", "series")[:500]
    )
    return [
        BrokenLink(
            registration_id=r.registration_id,
            learner_name=r.registration.learner.full_legal_name,
            programme_name=r.registration.programme.name,
            stage="result",
            problem=f"A {r.series} result for Unit {r.unit.number} but no entry was recorded.",
            url=reverse("registrations:registration_detail", args=[r.registration_id]),
        )
        for r in orphans
    ]
