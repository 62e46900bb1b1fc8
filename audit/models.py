"""The audit trail: field-level history (django-simple-history on every domain model) plus
events for actions that change no row but matter (logins, imports, exports, downloads, purges)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from simple_history import register


class AuditEvent(models.Model):
    """One thing that happened, with a dotted action code (`registrations.batch.exported`)."""

    action = models.CharField(max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True, help_text="Kept if the account goes")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_repr}"


# Staff accounts and their role (group) membership are audited too. The password hash and the
# last-login stamp are left out: history must not hold secrets, nor a row per login.
register(
    get_user_model(),
    app="audit",
    excluded_fields=["password", "last_login"],
    m2m_fields=["groups"],
)
