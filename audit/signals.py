"""Logins, logouts and failed logins are audit events; a login writes no user-history row."""

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.models import update_last_login
from django.dispatch import receiver
from django.utils import timezone

from .services import record

# Django's own handler saves last_login; replace it by one that skips history for that save.
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


@receiver(user_logged_in, dispatch_uid="audit_update_last_login")
def update_last_login_without_history(sender, user, **kwargs):
    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record(user, "auth.login", user, request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, "auth.logout", user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    record(None, "auth.login_failed", None, {"username": credentials.get("username", "")[:150]}, request=request)


# --- The tamper-evident ledger: every history row and audit event gets its entry at once. --------

from django.db.backends.signals import connection_created  # noqa: E402
from django.db.models.signals import post_migrate, post_save  # noqa: E402
from simple_history.signals import post_create_historical_m2m_records  # noqa: E402

from core.history import history_rows_created  # noqa: E402

from . import integrity  # noqa: E402

connection_created.connect(integrity.register_sqlite_function, dispatch_uid="audit_sqlite_purge_switch")

_LEDGERED: set | None = None


def _ledgered() -> set:
    global _LEDGERED
    if _LEDGERED is None:
        _LEDGERED = set(integrity.ledgered_models())
    return _LEDGERED


@receiver(post_save, dispatch_uid="audit_ledger_on_save")
def ledger_saved_row(sender, instance, created, raw=False, using="default", **kwargs):
    if created and not raw and sender in _ledgered():
        integrity.ledger_instances([instance], using)


@receiver(history_rows_created, dispatch_uid="audit_ledger_bulk_tracked")
def ledger_bulk_tracked_rows(sender, rows, using="default", **kwargs):
    integrity.ledger_rows(sender, rows, using)


@receiver(post_create_historical_m2m_records, dispatch_uid="audit_ledger_m2m_history")
def ledger_m2m_history(sender, created_rows, **kwargs):
    integrity.ledger_instances(created_rows)


def _patch_bulk_history_create() -> None:
    """simple-history's bulk_history_create writes rows with bulk_create (no signal): ledger them too.
    The project's services write history in bulk through core.history (ledgered by `history_rows_created`);
    this keeps any use of simple-history's own bulk helpers from leaving rows with no ledger entry."""
    from simple_history.manager import HistoryManager

    original = HistoryManager.bulk_history_create
    if getattr(original, "_audit_ledgered", False):
        return

    def bulk_history_create(self, objs, *args, **kwargs):
        created = original(self, objs, *args, **kwargs)
        if created:
            integrity.ledger_instances(created)
        return created

    bulk_history_create._audit_ledgered = True
    HistoryManager.bulk_history_create = bulk_history_create


_patch_bulk_history_create()


@receiver(post_migrate, dispatch_uid="audit_install_triggers")
def install_triggers_after_migrate(sender, using="default", **kwargs):
    """After the last local app migrates: triggers on every history table, entries for migration-made rows."""
    from django.conf import settings

    if sender.label != settings.LOCAL_APPS[-1]:
        return
    integrity.install_triggers(using)
    adopted = integrity.adopt_unledgered(using)
    if adopted:
        from .models import AuditEvent

        AuditEvent.objects.using(using).create(
            action="audit.trail.adopted", data={"rows": adopted, "why": "rows written by migrations"}
        )
