from datetime import timedelta

from django.utils import timezone

from .deadlines import due_between_q, overdue_registrations
from .models import PearsonNotification, Programme, Registration
from .selectors import registration_state_counts


def home(request):
    user = request.user
    if not user.has_perm("registrations.view_registration"):
        return None
    today = timezone.localdate()
    registrations = Registration.objects.visible_to(user)
    counts = registration_state_counts(registrations)
    return {
        "programmes": Programme.objects.visible_to(user).filter(is_active=True).count(),
        "state_counts": [(Registration.State(s).label, s, n) for s, n in counts.items()],
        "overdue": overdue_registrations(registrations, today).count(),
        "due_soon": registrations.filter(state=Registration.State.DRAFT)
        .filter(due_between_q(today, today + timedelta(days=14))).count(),
        "notifications_owed": PearsonNotification.objects.filter(sent_at__isnull=True).count()
        if user.has_perm("registrations.change_pearsonnotification") else None,
    }


def learner_detail(request, learner):
    registrations = (
        Registration.objects.visible_to(request.user).filter(learner=learner)
        .select_related("programme__qualification").order_by("-created_at")
    )
    return {
        "registrations": registrations,
        "notifications": learner.pearson_notifications.select_related("registration__programme").order_by("-raised_at"),
    }
