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
