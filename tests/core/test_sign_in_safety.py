"""Sign-in safety: lockout, audit events for logins, CSP, idle sessions, accounts deactivated not deleted."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
User = get_user_model()


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failed_logins_lock_the_account_out(client, exams_officer):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(4):
        response = _login(client, "eo", "wrong password")
        assert response.status_code == 200, attempt
        assert "did not match" in response.content.decode()
    response = _login(client, "eo", "wrong password")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # Even the right password is refused while locked out, and nobody is signed in.
    response = _login(client, "eo", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(client, exams_officer):
    for _ in range(3):
        _login(client, "eo", "wrong password")
    assert _login(client, "eo", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(3):
        assert _login(client, "eo", "wrong password").status_code == 200


def test_logins_and_failed_logins_are_audit_events_without_history_rows(client, exams_officer):
    history_before = User.history.count()
    _login(client, "eo", "wrong password")
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.actor is None and failed.data == {"username": "eo"} and failed.ip_address == "127.0.0.1"

    assert _login(client, "eo", PASSWORD).status_code == 302
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor == exams_officer and login.actor_username == "eo"
    exams_officer.refresh_from_db()
    assert exams_officer.last_login is not None
    assert User.history.count() == history_before  # last_login is not a change worth a history row

    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=exams_officer).exists()


@pytest.mark.parametrize("url_name", ["login", "core:home"])
def test_pages_carry_a_strict_content_security_policy(client, exams_officer, url_name):
    if url_name != "login":
        client.force_login(exams_officer)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_sessions_expire_after_inactivity(client, exams_officer):
    idle = settings.SESSION_COOKIE_AGE
    assert idle <= 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(exams_officer)
        assert client.get(reverse("core:home")).status_code == 200
    # Activity renews the session...
    with time_machine.travel(start + timedelta(seconds=idle - 60), tick=False):
        assert client.get(reverse("core:home")).status_code == 200
    with time_machine.travel(start + timedelta(seconds=2 * idle - 120), tick=False):
        assert client.get(reverse("core:home")).status_code == 200
    # ...and a session left idle for longer than the limit is over.
    with time_machine.travel(start + timedelta(seconds=3 * idle), tick=False):
        response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# ---- staff accounts are deactivated, never deleted ----

@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_user_admin_offers_no_deletion(client, admin_user, exams_officer):
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:auth_user_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "Deactivate selected accounts" in html and "delete_selected" not in html
    change = client.get(reverse("admin:auth_user_change", args=[exams_officer.pk])).content.decode()
    assert reverse("admin:auth_user_delete", args=[exams_officer.pk]) not in change
    assert client.get(reverse("admin:auth_user_delete", args=[exams_officer.pk])).status_code == 403
    assert client.post(reverse("admin:auth_user_delete", args=[exams_officer.pk]), {"post": "yes"}).status_code == 403
    refused = client.post(
        reverse("admin:auth_user_changelist"), {"action": "delete_selected", "_selected_action": [exams_officer.pk]}
    )
    assert refused.status_code in (200, 302)
    assert User.objects.filter(pk=exams_officer.pk).exists()


def test_deactivate_action_keeps_the_account_and_records_why(client, admin_user, exams_officer, lead_a):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [exams_officer.pk, admin_user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 account(s) deactivated" in html and "cannot deactivate your own account" in html
    exams_officer.refresh_from_db()
    admin_user.refresh_from_db()
    lead_a.refresh_from_db()
    assert not exams_officer.is_active and admin_user.is_active and lead_a.is_active
    latest = exams_officer.history.latest()
    assert latest.history_user == admin_user and "deactivated" in latest.history_change_reason
    # A deactivated account cannot sign in.
    client.logout()
    response = _login(client, "eo", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_user_history_is_visible_in_the_admin(client, admin_user, exams_officer):
    client.force_login(admin_user)
    response = client.get(reverse("admin:auth_user_history", args=[exams_officer.pk]))
    assert response.status_code == 200
