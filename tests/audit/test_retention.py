"""The retention purge: both sides of every boundary date, holds, dry run, idempotence, verification."""

from datetime import date

import pytest
from django.core.management import call_command

from audit import integrity, retention
from audit.models import AuditEvent, PurgeRun, RetentionHold, RetentionPolicy, TrailTombstone
from audit.services import record
from learners.models import Learner
from registrations.models import PearsonNotification, Registration
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

CERTIFICATED = date(2027, 7, 20)
LAST_KEPT_DAY = date(2030, 7, 20)  # three years on: still kept
FIRST_PURGE_DAY = date(2030, 7, 21)


def certificated(programme, on=CERTIFICATED, **kwargs):
    return RegistrationFactory(
        programme=programme, learner__centre=programme.centre,
        state=Registration.State.CERTIFICATED, certificated_on=on, **kwargs,
    )


def due_ids(as_of):
    return {c.learner_id for c in retention.assess(as_of)[0]}


def test_certificated_learner_is_kept_through_three_years_and_purged_the_day_after(programme_a):
    reg = certificated(programme_a)
    assert reg.learner_id not in due_ids(LAST_KEPT_DAY)
    assert reg.learner_id in due_ids(FIRST_PURGE_DAY)


@pytest.mark.parametrize("state,field", [
    (Registration.State.WITHDRAWN, "withdrawn_on"),
    (Registration.State.DELETED, "deleted_on"),
    (Registration.State.TRANSFERRED_OUT, "transferred_on"),
])
def test_never_certificated_clock_starts_when_the_last_registration_ended(programme_a, state, field):
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, state=state, **{field: date(2027, 1, 10)})
    assert reg.learner_id not in due_ids(date(2030, 1, 10))
    assert reg.learner_id in due_ids(date(2030, 1, 11))


def test_the_latest_end_restarts_the_clock(programme_a, programme_b):
    reg = certificated(programme_a)
    RegistrationFactory(learner=reg.learner, programme=programme_b, state=Registration.State.WITHDRAWN, withdrawn_on=date(2028, 3, 1))
    assert reg.learner_id not in due_ids(FIRST_PURGE_DAY)
    assert reg.learner_id in due_ids(date(2031, 3, 2))


def test_live_registration_undated_end_and_no_registration_keep_the_learner(programme_a, programme_b):
    live = certificated(programme_a)
    RegistrationFactory(learner=live.learner, programme=programme_b, state=Registration.State.REGISTERED)
    undated = RegistrationFactory(programme=programme_b, learner__centre=programme_b.centre, state=Registration.State.WITHDRAWN)
    assert due_ids(date(2040, 1, 1)).isdisjoint({live.learner_id, undated.learner_id})


def test_period_is_a_data_row(programme_a):
    reg = certificated(programme_a)
    RetentionPolicy.objects.update(years=5)
    assert reg.learner_id not in due_ids(FIRST_PURGE_DAY)
    assert reg.learner_id in due_ids(date(2032, 7, 21))


def test_leap_day_boundary(programme_a):
    reg = certificated(programme_a, on=date(2028, 2, 29))
    assert reg.learner_id not in due_ids(date(2031, 2, 28))
    assert reg.learner_id in due_ids(date(2031, 3, 1))


def test_hold_keeps_the_learner_until_released(programme_a, exams_officer):
    reg = certificated(programme_a)
    hold = RetentionHold.objects.create(learner=reg.learner, reason="Appeal outstanding", placed_by=exams_officer)
    due, held = retention.assess(FIRST_PURGE_DAY)
    assert reg.learner_id not in {c.learner_id for c in due}
    assert reg.learner_id in {c.learner_id for c in held}
    retention.purge(FIRST_PURGE_DAY)
    assert Learner.objects.filter(pk=reg.learner_id).exists()
    hold.released_on = date(2030, 8, 1)
    hold.save()
    assert reg.learner_id in due_ids(FIRST_PURGE_DAY)


def test_purge_removes_everything_of_the_learner_and_only_theirs(programme_a, exams_officer):
    gone = certificated(programme_a)
    kept = certificated(programme_a, on=date(2029, 7, 20))
    note = PearsonNotification.objects.create(
        kind="other", learner=gone.learner, registration=gone, summary="x", reason="y", raised_by=exams_officer
    )
    gone.late_reason = "changed"
    gone.save()
    record(exams_officer, "registrations.statement.downloaded", gone)
    record(exams_officer, "registrations.statement.downloaded", kept)
    integrity.seal()
    gone_learner = gone.learner_id

    run = retention.purge(FIRST_PURGE_DAY)

    assert run.learners_purged == 1 and run.status == PurgeRun.Status.FINISHED
    assert not Learner.objects.filter(pk=gone_learner).exists()
    assert not Registration.objects.filter(pk=gone.pk).exists()
    assert not PearsonNotification.objects.filter(pk=note.pk).exists()
    assert not Learner.history.filter(id=gone_learner).exists()
    assert not Registration.history.filter(id=gone.pk).exists()
    assert not PearsonNotification.history.filter(id=note.pk).exists()
    assert not AuditEvent.objects.filter(object_type="registrations.registration", object_id=str(gone.pk)).exists()
    # The other learner, their history and their events are untouched.
    assert Registration.history.filter(id=kept.pk).exists()
    assert AuditEvent.objects.filter(object_type="registrations.registration", object_id=str(kept.pk)).exists()
    # The log keeps counts only; the sealed chain still verifies thanks to the tombstone.
    assert run.counts["learners_learner"] == 1 and run.counts["registrations_historicalregistration"] == 2
    assert gone.learner.legal_last_name not in str(run.counts)
    assert TrailTombstone.objects.count() == 1
    result = integrity.verify()
    assert result.intact, result.problems


def test_dry_run_removes_nothing_and_second_run_removes_nothing_more(programme_a, capsys):
    reg = certificated(programme_a)
    call_command("purge_expired_records", "--dry-run", "--as-of", FIRST_PURGE_DAY.isoformat())
    out = capsys.readouterr().out
    assert "1 learner(s) would be removed" in out and "learners_learner: 1 row(s)" in out
    assert Learner.objects.filter(pk=reg.learner_id).exists()
    assert not PurgeRun.objects.exists()

    call_command("purge_expired_records", "--as-of", FIRST_PURGE_DAY.isoformat())
    assert "1 learner(s) removed" in capsys.readouterr().out
    call_command("purge_expired_records", "--as-of", FIRST_PURGE_DAY.isoformat())
    assert "0 learner(s) removed" in capsys.readouterr().out
    assert integrity.verify().intact


def test_bad_as_of_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_expired_records", "--as-of", "31/12/2030")


def test_an_investigation_not_yet_closed_keeps_the_learner(programme_a, exams_officer):
    from audit.models import Investigation
    from tests.factories import UserFactory

    reg = certificated(programme_a)
    inv = Investigation.objects.create(
        reference="INV-T-1", kind=Investigation.Kind.LATE_REGISTRATION, summary="x", learner=reg.learner,
        investigator=UserFactory(), opened_by=exams_officer, opened_on=CERTIFICATED,
    )
    due, held = retention.assess(FIRST_PURGE_DAY)
    assert reg.learner_id not in {c.learner_id for c in due}
    assert [(c.learner_id, c.reason_kept) for c in held] == [(reg.learner_id, "under investigation")]
    retention.purge(FIRST_PURGE_DAY)
    assert Learner.objects.filter(pk=reg.learner_id).exists()
    Investigation.objects.filter(pk=inv.pk).update(state=Investigation.State.CLOSED)
    assert reg.learner_id in due_ids(FIRST_PURGE_DAY)
    retention.purge(FIRST_PURGE_DAY)
    assert not Learner.objects.filter(pk=reg.learner_id).exists()
    assert not Investigation.objects.filter(pk=inv.pk).exists()
    assert integrity.verify().intact


def test_an_interrupted_purge_leaves_a_verifiable_trail_and_the_next_run_finishes(programme_a, monkeypatch):
    regs = [certificated(programme_a) for _ in range(3)]
    integrity.seal()
    monkeypatch.setattr(retention, "BATCH_LEARNERS", 1)
    real_batch = retention._purge_batch
    calls = {"n": 0}

    def interrupted(learner_ids, reference, using="default"):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C (or a killed process) in the middle of the run
        return real_batch(learner_ids, reference, using)

    monkeypatch.setattr(retention, "_purge_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        retention.purge(FIRST_PURGE_DAY)
    left = Learner.objects.filter(pk__in=[r.learner_id for r in regs]).count()
    assert left == 2  # the first batch is gone for good, the interrupted one is untouched
    assert integrity.verify().intact
    monkeypatch.setattr(retention, "_purge_batch", real_batch)
    stopped = PurgeRun.objects.get(status=PurgeRun.Status.RUNNING)
    run = retention.purge(FIRST_PURGE_DAY)
    assert run.learners_purged == 2
    stopped.refresh_from_db()
    assert stopped.status == PurgeRun.Status.INTERRUPTED and run.status == PurgeRun.Status.FINISHED
    assert not Learner.objects.filter(pk__in=[r.learner_id for r in regs]).exists()
    result = integrity.verify()
    assert result.intact, result.problems
