from django.db.models import Exists, F, Func, OuterRef, Subquery
from django.utils import timezone

from .models import AssessmentSeries, Entry, Result
from .selectors import learner_history


def _count(queryset):
    """A COUNT(*) subquery (Func, not Count, so that no GROUP BY is added)."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def home(request):
    """One query: the series in play (the earliest whose results are not yet out), annotated with its
    entry counts and the number of entries anywhere still waiting for a result after their results date."""
    user = request.user
    if not user.has_perm("entries.view_entry"):
        return None
    today = timezone.localdate()
    entries = Entry.objects.visible_to(user).current()
    has_result = Result.objects.filter(series=OuterRef("series"), registration=OuterRef("registration"), unit=OuterRef("unit"))
    awaited = entries.filter(series__results_date__lt=today).filter(~Exists(has_result))
    next_series = (
        AssessmentSeries.objects.filter(results_date__gte=today).order_by("entry_deadline")
        .annotate(
            n_entries=_count(entries.filter(series=OuterRef("pk"))),
            n_late=_count(entries.filter(series=OuterRef("pk"), is_late=True)),
            n_awaited=_count(awaited),
        ).first()
    )
    if next_series is None:
        return {"next_series": None, "can_add": user.has_perm("entries.add_assessmentseries")}
    return {
        "next_series": next_series,
        "late_period": next_series.entry_deadline < today <= next_series.late_entry_end,
        "closed": today > next_series.late_entry_end,
        "can_add": user.has_perm("entries.add_assessmentseries"),
        "entries": next_series.n_entries or 0,
        "late": next_series.n_late or 0,
        "results_awaited": next_series.n_awaited or 0,
    }


def learner_detail(request, learner):
    if not request.user.has_perm("entries.view_entry"):
        return None
    history = learner_history(user=request.user, learner=learner)
    registrations = {h.registration.pk: h.registration for h in history}
    return {"history": history, "statement_registrations": list(registrations.values())}
