"""The insert-only triggers and the tamper-evident ledger, on whichever database runs the suite."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit import integrity
from audit.models import AuditEvent, TrailEntry
from audit.services import record
from registrations.models import Registration

pytestmark = pytest.mark.django_db


def _raw(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _without_triggers(sql, params=None):
    """What a database superuser could do: switch the triggers off and change history."""
    if connection.vendor == "postgresql":
        _raw("SET LOCAL session_replication_role = replica")  # superuser: triggers do not fire
        _raw(sql, params)
        _raw("SET LOCAL session_replication_role = origin")
    else:
        with integrity.permit_history_purge():
            _raw(sql, params)


def test_every_history_table_has_its_trigger():
    expected = set(integrity.protected_tables())
    assert "registrations_historicalregistration" in expected
    assert "audit_historicaluser_groups" in expected
    assert "audit_auditevent" in expected
    assert expected <= integrity.tables_with_triggers()


def test_history_rows_cannot_be_updated_or_deleted(registration_a):
    table = Registration.history.model._meta.db_table
    for sql in (f"UPDATE {table} SET history_change_reason = 'forged'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            _raw(sql)
    assert Registration.history.count() >= 1


def test_audit_events_cannot_be_changed_through_the_orm(exams_officer):
    event = record(exams_officer, "test.thing.done")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="other")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk)._raw_delete("default")


def test_intact_trail_verifies_and_every_row_has_an_entry(registration_a, exams_officer):
    record(exams_officer, "test.export", registration_a, {"rows": 3})
    result = integrity.verify()
    assert result.intact, result.problems
    assert result.rows_checked == TrailEntry.objects.count()
    assert integrity.seal() is not None
    assert integrity.verify().intact


def _history_table_and_row(registration):
    model = Registration.history.model
    return model._meta.db_table, registration.history.order_by("history_id").first().history_id


def test_a_changed_row_is_detected_and_named(registration_a):
    integrity.seal()
    table, row = _history_table_and_row(registration_a)
    _without_triggers(f"UPDATE {table} SET history_change_reason = 'forged reason' WHERE history_id = %s", [row])
    problems = integrity.verify().problems
    assert [(p.table, p.row) for p in problems] == [(table, str(row))]
    assert "changed" in problems[0].what


def test_a_deleted_row_is_detected_and_named(registration_a):
    integrity.seal()
    table, row = _history_table_and_row(registration_a)
    _without_triggers(f"DELETE FROM {table} WHERE history_id = %s", [row])
    problems = integrity.verify().problems
    assert any(p.table == table and p.row == str(row) and "deleted" in p.what for p in problems)


def test_a_row_inserted_behind_the_apps_back_is_detected(registration_a):
    model = Registration.history.model
    table = model._meta.db_table
    original = registration_a.history.first()
    fake = model(**{f.attname: getattr(original, f.attname) for f in model._meta.concrete_fields if not f.primary_key})
    fake.history_change_reason = "slipped in"
    # A raw insert: no ledger entry is written.
    from django.db.models.signals import post_save

    from audit.signals import ledger_saved_row

    post_save.disconnect(ledger_saved_row, dispatch_uid="audit_ledger_on_save")
    try:
        fake.save()
    finally:
        post_save.connect(ledger_saved_row, dispatch_uid="audit_ledger_on_save")
    problems = integrity.verify().problems
    assert [(p.table, p.row) for p in problems] == [(table, str(fake.pk))]
    assert "inserted" in problems[0].what


def test_removing_a_row_and_its_entry_together_breaks_the_seal(registration_a):
    integrity.seal()
    table, row = _history_table_and_row(registration_a)
    label = Registration.history.model._meta.label_lower
    _without_triggers(f"DELETE FROM {table} WHERE history_id = %s", [row])
    _without_triggers(f"DELETE FROM {TrailEntry._meta.db_table} WHERE \"table\" = %s AND row_id = %s", [label, row])
    problems = integrity.verify().problems
    assert problems and "sealed" in problems[0].what


def test_verify_command_exit_codes(registration_a, capsys):
    call_command("verify_audit_trail")
    out = capsys.readouterr().out
    assert "intact" in out
    from audit.models import TrailSeal

    newest = TrailSeal.objects.order_by("-pk").first()
    assert f"Newest seal: {newest.pk} covering entries up to {newest.last_entry_id}, MAC {newest.mac}." in out
    table, row = _history_table_and_row(registration_a)
    _without_triggers(f"UPDATE {table} SET history_change_reason = 'rewritten' WHERE history_id = %s", [row])
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit_trail")
    assert exit_info.value.code == 1
    assert f"{table} row {row}" in capsys.readouterr().out


def test_changed_deleted_and_inserted_audit_events_are_detected(exams_officer):
    kept = record(exams_officer, "test.export", None, {"rows": 1})
    gone = record(exams_officer, "test.export", None, {"rows": 2})
    integrity.seal()
    table = AuditEvent._meta.db_table
    _without_triggers(f"UPDATE {table} SET data = %s WHERE id = %s", ['{"rows": 99}', kept.pk])
    _without_triggers(f"DELETE FROM {table} WHERE id = %s", [gone.pk])
    _raw(f"INSERT INTO {table} (action, actor_username, at, object_type, object_id, object_repr, data) "
         "VALUES ('auth.login', 'ghost', %s, '', '', '', '{}')", [kept.at])
    slipped = AuditEvent.objects.get(actor_username="ghost").pk
    found = {(p.row, p.what.split(" ")[0]) for p in integrity.verify().problems if p.table == table}
    assert found == {(str(kept.pk), "changed"), (str(gone.pk), "deleted"), (str(slipped), "inserted")}


def test_the_admin_offers_no_way_to_add_change_or_delete_the_trail(client, django_user_model, exams_officer):
    from django.contrib import admin

    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin_user)
    # No history table has an admin page of its own; the trail tables that do are read-only ...
    registered = admin.site._registry
    assert not set(registered) & set(integrity.historical_models())
    request = type("Request", (), {"user": admin_user})()
    shown = [m for m in integrity.trail_models() if m in registered]
    assert AuditEvent in shown
    for model in shown:
        model_admin = registered[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
    # ... and audit events are read-only, even for a superuser.
    event = record(exams_officer, "test.thing.done")
    base = "/admin/audit/auditevent/"
    assert "Save" not in client.get(f"{base}{event.pk}/change/").content.decode()
    assert client.post(f"{base}{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    response = client.post(base, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


def test_integrity_page_names_what_is_broken(client, registration_a, exams_officer):
    table, row = _history_table_and_row(registration_a)
    _without_triggers(f"UPDATE {table} SET history_change_reason = 'rewritten' WHERE history_id = %s", [row])
    with pytest.raises(SystemExit):
        call_command("verify_audit_trail")
    client.force_login(exams_officer)
    body = client.get("/audit/integrity/").content.decode()
    assert "NOT intact: 1 problem(s)" in body
    assert f"{table} row {row}: changed since it was written" in body
