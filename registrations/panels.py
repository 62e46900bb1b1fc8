from datetime import timedelta

from django.utils import timezone

from core.roles import sees_whole_centre

from .deadlines import due_before_q, due_between_q, registration_due_date
from .models import DeadlineRule, PearsonNotification, Programme, Registration
from .selectors import registration_state_counts, registration_state_history

HOME_LIST_SIZE = 10


def home(request):
    user = request.user
    if not user.has_perm("registrations.view_registration"):
        return None
    today = timezone.localdate()
    registrations = Registration.objects.visible_to(user)
    counts = registration_state_counts(registrations)
    rules = {(r.academic_year, r.registration_mode): r for r in DeadlineRule.objects.all()}  # no fee bands needed here
    drafts = registrations.filter(state=Registration.State.DRAFT)
    overdue_qs = drafts.filter(due_before_q(today, rules.values()))
    soon_qs = drafts.filter(due_between_q(today, today + timedelta(days=14), rules.values()))

    def first(qs):
        """Up to HOME_LIST_SIZE rows with their due dates, and the total (counted only when there are more)."""
        rows = list(qs.select_related("learner", "programme").order_by("enrolment_date", "learner__legal_last_name", "pk")[:HOME_LIST_SIZE + 1])
        total = len(rows) if len(rows) <= HOME_LIST_SIZE else qs.count()
        for r in rows:
            r.due_date = registration_due_date(r, rules)
        return rows[:HOME_LIST_SIZE], total

    overdue_list, overdue = first(overdue_qs)
    due_soon_list, due_soon = first(soon_qs)
    return {
        "programmes": Programme.objects.visible_to(user).filter(is_active=True).count(),
        "state_counts": [(Registration.State(s).label, s, n) for s, n in counts.items()],
        "overdue": overdue,
        "overdue_list": overdue_list,
        "due_soon": due_soon,
        "due_soon_list": due_soon_list,
        "notifications_owed": PearsonNotification.objects.filter(sent_at__isnull=True).count()
        if user.has_perm("registrations.view_pearsonnotification") else None,
    }


def learner_detail(request, learner):
    registrations = list(
        Registration.objects.visible_to(request.user).filter(learner=learner)
        .select_related("programme__qualification", "transfer_in").order_by("-created_at")
    )
    history = registration_state_history(registrations)
    notifications = learner.pearson_notifications.select_related("registration__programme", "raised_by", "sent_by").order_by("-raised_at")
    if not sees_whole_centre(request.user):
        notifications = notifications.filter(registration__in=[r.pk for r in registrations])
    notifications = list(notifications)
    for r in registrations:
        r.state_history = history.get(r.pk, [])
        r.notifications = [n for n in notifications if n.registration_id == r.pk]
    return {
        "learner": learner,
        "registrations": registrations,
        "notifications": notifications,
        "can_register": request.user.has_perm("registrations.add_registration"),
    }
