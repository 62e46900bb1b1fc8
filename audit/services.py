"""Writing to the audit trail."""

from django.db import models

from .models import AuditEvent


def record(actor, action: str, obj: models.Model | None = None, data: dict | None = None, *, request=None) -> AuditEvent:
    """Record an event that changes no domain row but matters (a login, an export, a download)."""
    ip = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR")
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        action=action,
        actor=user,
        actor_username=getattr(user, "username", "") or (data or {}).get("username", ""),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
        ip_address=ip,
    )
