"""The audit app's home-page box and learner-page section."""

from .models import AuditEvent, Investigation, RetentionHold


def home(request):
    user = request.user
    if not user.has_perm("audit.view_investigation"):
        return None
    open_qs = Investigation.objects.exclude(state=Investigation.State.CLOSED)
    last_check = AuditEvent.objects.filter(action="audit.trail.verified").order_by("-at", "-id").only("at", "data").first()
    return {
        "open": open_qs.count(),
        "awaiting_acknowledgement": open_qs.filter(
            state=Investigation.State.REPORTED_TO_SENIOR_LEADERS, acknowledged_at__isnull=True
        ).count(),
        "last_check": last_check,
        "can_see_integrity": user.has_perm("audit.view_integrity"),
    }


def learner_detail(request, learner):
    if not request.user.has_perm("registrations.view_registration"):
        return None
    holds = []
    if request.user.has_perm("audit.view_retentionhold"):
        holds = list(RetentionHold.objects.filter(learner=learner, released_on__isnull=True))
    investigations = []
    if request.user.has_perm("audit.view_investigation"):
        investigations = list(Investigation.objects.filter(learner=learner).only("pk", "reference", "kind", "state"))
    return {"learner": learner, "holds": holds, "investigations": investigations}
