"""Reads for the audit pages. Audit events and investigations are whole-centre records: only
roles that read the whole centre have the permissions (subject leads have none)."""

from datetime import datetime, time

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from core.roles import sees_whole_centre

from .models import AuditEvent, Investigation


def event_list(*, user, action="", actor="", date_from=None, date_to=None):
    if not sees_whole_centre(user):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.all()
    if action:
        qs = qs.filter(action__startswith=action.strip())
    if actor:
        qs = qs.filter(actor_username__iexact=actor.strip())
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return qs.order_by("-at", "-id")


def investigation_list(*, user, state="", kind=""):
    if not sees_whole_centre(user):
        return Investigation.objects.none()
    qs = Investigation.objects.select_related("investigator", "learner", "programme", "acknowledged_by")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def get_investigation_for_user(user, pk) -> Investigation:
    investigation = investigation_list(user=user).filter(pk=pk).first()
    if investigation is None:
        raise Http404("No such investigation")
    return investigation


def offered_breaches():
    """Breaches found by the system and not yet investigated."""
    from .breaches import all_detected_breaches

    taken = set(Investigation.objects.exclude(breach_key="").values_list("breach_key", flat=True))
    return [b for b in all_detected_breaches() if b.key not in taken]


def open_filters():
    return ~Q(state=Investigation.State.CLOSED)
