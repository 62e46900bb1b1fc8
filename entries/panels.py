from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import AssessmentSeries, Entry, Result
from .selectors import learner_history


def home(request):
    user = request.user
    if not user.has_perm("entries.view_entry"):
        return None
    today = timezone.localdate()
    next_series = AssessmentSeries.objects.filter(late_entry_end__gte=today).order_by("entry_deadline").first()
    entries = Entry.objects.visible_to(user).current()
    context = {"next_series": next_series, "can_add": user.has_perm("entries.add_assessmentseries")}
    if next_series is not None:
        context["late_period"] = next_series.entry_deadline < today
        here = entries.filter(series=next_series)
        context["entries"] = here.count()
        context["late"] = here.filter(is_late=True).count()
    has_result = Result.objects.filter(series=OuterRef("series"), registration=OuterRef("registration"), unit=OuterRef("unit"))
    context["results_awaited"] = entries.filter(series__results_date__lt=today).filter(~Exists(has_result)).count()
    return context


def learner_detail(request, learner):
    if not request.user.has_perm("entries.view_entry"):
        return None
    history = learner_history(user=request.user, learner=learner)
    registrations = {h.registration.pk: h.registration for h in history}
    return {"history": history, "statement_registrations": list(registrations.values())}
