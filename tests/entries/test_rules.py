"""The rules engine, case by case, through the service that enters learners."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import DomainError
from entries import services
from entries.models import Entry
from registrations.models import PearsonNotification, Registration
from tests.entries.factories import EntryFactory, ResultFactory, SeriesFactory
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def enter(actor, series, *pairs, late_reason=""):
    return services.entries_create(
        actor=actor, series=series, picks=[(r.pk, u.pk) for r, u in pairs], late_reason=late_reason
    )


def only_refusal(outcome) -> str:
    assert not outcome.created
    assert len(outcome.refused) == 1
    return outcome.refused[0].reason


def test_valid_entry_is_saved_with_fee_and_history(exams_officer, series, registration_a, ext_a):
    outcome = enter(exams_officer, series, (registration_a, ext_a))
    assert outcome.refused == []
    entry = Entry.objects.get()
    assert (entry.registration, entry.unit, entry.fee, entry.is_late) == (registration_a, ext_a, Decimal("45.00"), False)
    record = entry.history.get()
    assert record.history_user == exams_officer
    assert record.history_change_reason == "Entered for external assessment"
    assert outcome.fee_total == Decimal("45.00")


@pytest.mark.parametrize("state, words", [
    (Registration.State.WITHDRAWN, "is withdrawn"),
    (Registration.State.DELETED, "deleted"),
    (Registration.State.TRANSFERRED_OUT, "transferred out"),
    (Registration.State.SUBMITTED, "not yet registered"),
    (Registration.State.CERTIFICATED, "must be declined"),
])
def test_learner_not_registered_is_refused(exams_officer, series, programme_a, ext_a, state, words):
    registration = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, state=state)
    assert words in only_refusal(enter(exams_officer, series, (registration, ext_a)))


def test_draft_learner_is_refused(exams_officer, series, programme_a, ext_a):
    registration = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    assert "not yet registered" in only_refusal(enter(exams_officer, series, (registration, ext_a)))


def test_internal_unit_is_refused(exams_officer, series, registration_a, int_a):
    assert "internally assessed" in only_refusal(enter(exams_officer, series, (registration_a, int_a)))


def test_unit_of_another_qualification_is_refused(exams_officer, series, registration_a, ext_b):
    assert "not on" in only_refusal(enter(exams_officer, series, (registration_a, ext_b)))


def test_already_entered_in_the_series_is_refused(exams_officer, series, registration_a, ext_a):
    enter(exams_officer, series, (registration_a, ext_a))
    assert "already entered for Unit 3" in only_refusal(enter(exams_officer, series, (registration_a, ext_a)))


def test_default_one_resit_allows_two_attempts(exams_officer, january, series, registration_a, ext_a):
    ResultFactory(series=january, registration=registration_a, unit=ext_a, grade="U")
    outcome = enter(exams_officer, series, (registration_a, ext_a))
    assert outcome.created, outcome.refused  # the one resit

    registration_a.refresh_from_db()
    other = SeriesFactory(name="January 2028", entry_deadline=date(2027, 10, 21), late_entry_end=date(2027, 11, 30),
                          results_date=date(2028, 3, 2))
    reason = only_refusal(enter(exams_officer, other, (registration_a, ext_a)))
    assert "Resit limit reached" in reason and "January 2026" in reason and "May/June 2027" in reason
    assert "allows 1 resit (2 attempts)" in reason


def test_resit_limit_is_data_per_suite(exams_officer, january, june_2026, series, registration_a, ext_a):
    suite = registration_a.programme.qualification.suite
    ResultFactory(series=january, registration=registration_a, unit=ext_a, grade="U")
    ResultFactory(series=june_2026, registration=registration_a, unit=ext_a, grade="N")
    assert "Resit limit reached" in only_refusal(enter(exams_officer, series, (registration_a, ext_a)))

    suite.external_resit_limit = 2
    suite.save()
    assert enter(exams_officer, series, (registration_a, ext_a)).created

    suite.external_resit_limit = 0
    suite.save()
    other = SeriesFactory(name="Fresh", entry_deadline=date(2027, 2, 1), late_entry_end=date(2027, 3, 1), results_date=date(2027, 4, 1))
    reason = only_refusal(enter(exams_officer, other, (registration_a, ext_a)))
    assert "allows 0 resits (1 attempt)" in reason


def test_withdrawn_entries_do_not_count_as_attempts(exams_officer, january, series, registration_a, ext_a):
    EntryFactory(series=january, registration=registration_a, unit=ext_a, state=Entry.State.WITHDRAWN)
    ResultFactory(series=SeriesFactory(name="Old"), registration=registration_a, unit=ext_a)
    assert enter(exams_officer, series, (registration_a, ext_a)).created


def test_resit_after_full_claim_needs_the_grade_declined(exams_officer, january, series, programme_a, ext_a, monkeypatch):
    registration = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    ResultFactory(series=january, registration=registration, unit=ext_a, grade="P")
    monkeypatch.setattr("certification.selectors.full_claim_made", lambda reg: True)
    assert "declined before they resit" in only_refusal(enter(exams_officer, series, (registration, ext_a)))

    # The grade declined: the resit is allowed.
    Registration.objects.filter(pk=registration.pk).update(state=Registration.State.GRADE_DECLINED)
    assert enter(exams_officer, series, (registration, ext_a)).created


def test_first_attempt_does_not_ask_about_claims(exams_officer, series, registration_a, ext_a, monkeypatch):
    monkeypatch.setattr("certification.selectors.full_claim_made", lambda reg: True)
    assert enter(exams_officer, series, (registration_a, ext_a)).created


def test_terminal_rule_refuses_a_series_after_certificate_end(exams_officer, programme_a, ext_a):
    suite = programme_a.qualification.suite
    suite.terminal_rule = True
    suite.save()
    registration = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    beyond = SeriesFactory(name="May/June 2030", entry_deadline=date(2027, 2, 1), late_entry_end=date(2027, 3, 1),
                           results_date=date(2030, 8, 15))
    assert "Terminal rule" in only_refusal(enter(exams_officer, beyond, (registration, ext_a)))
    suite.terminal_rule = False
    suite.save()
    assert enter(exams_officer, beyond, (registration, ext_a)).created


def test_late_entry_needs_a_reason_and_costs_the_late_fee(exams_officer, late_series, registration_a, ext_a):
    with pytest.raises(DomainError) as exc:
        enter(exams_officer, late_series, (registration_a, ext_a))
    assert exc.value.field == "late_reason"
    assert not Entry.objects.exists()
    outcome = enter(exams_officer, late_series, (registration_a, ext_a), late_reason="Joined the course late")
    entry = outcome.created[0]
    assert entry.is_late and entry.fee == Decimal("90.00") and entry.late_reason == "Joined the course late"


def test_entries_after_the_late_period_are_refused(exams_officer, june_2026, registration_a, ext_a):
    with pytest.raises(DomainError, match="closed on 31/03/2026"):
        enter(exams_officer, june_2026, (registration_a, ext_a), late_reason="x")


def test_bulk_saves_valid_and_lists_refused(exams_officer, series, programme_a, ext_a, ext_a2, int_a):
    good = [RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre) for _ in range(3)]
    withdrawn = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, state=Registration.State.WITHDRAWN)
    pairs = [(r, u) for r in good for u in (ext_a, ext_a2)] + [(withdrawn, ext_a), (good[0], int_a)]
    outcome = enter(exams_officer, series, *pairs)
    assert len(outcome.created) == 6
    assert len(outcome.refused) == 2
    assert Entry.objects.count() == 6


def test_the_database_refuses_duplicate_current_entries(series, registration_a, ext_a, exams_officer):
    EntryFactory(series=series, registration=registration_a, unit=ext_a, entered_by=exams_officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryFactory(series=series, registration=registration_a, unit=ext_a, entered_by=exams_officer)


def test_concurrent_duplicate_is_refused_cleanly(exams_officer, series, registration_a, ext_a, monkeypatch):
    """Another request inserts the same entry between our check and our insert: the constraint wins,
    the officer sees a plain message and nothing of this request is saved."""
    real = services.attempts_by_registration_unit

    def racing(*args, **kwargs):
        EntryFactory(series=series, registration=registration_a, unit=ext_a, entered_by=exams_officer)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "attempts_by_registration_unit", racing)
    with pytest.raises(DomainError, match="at the same moment"):
        enter(exams_officer, series, (registration_a, ext_a))
    # The whole request rolled back (here the racing insert too, as the test runs it in the same transaction).
    assert Entry.objects.count() == 0


def test_withdraw_raises_a_notification(exams_officer, series, registration_a, ext_a):
    entry = enter(exams_officer, series, (registration_a, ext_a)).created[0]
    services.entry_withdraw(actor=exams_officer, entry=entry, reason="Learner ill")
    entry.refresh_from_db()
    assert entry.state == Entry.State.WITHDRAWN
    note = PearsonNotification.objects.get()
    assert note.kind == PearsonNotification.Kind.ENTRY_WITHDRAWAL and note.registration == registration_a
    assert entry.history.first().history_change_reason == "Learner ill"
    # withdrawn: may be entered again
    assert enter(exams_officer, series, (registration_a, ext_a)).created


def test_withdraw_after_cut_off_is_refused(exams_officer, june_2026, registration_a, ext_a):
    entry = EntryFactory(series=june_2026, registration=registration_a, unit=ext_a, entered_by=exams_officer)
    with pytest.raises(DomainError, match="cut-off"):
        services.entry_withdraw(actor=exams_officer, entry=entry, reason="too late")


def test_withdraw_needs_a_reason(exams_officer, series, registration_a, ext_a):
    entry = EntryFactory(series=series, registration=registration_a, unit=ext_a, entered_by=exams_officer)
    with pytest.raises(DomainError):
        services.entry_withdraw(actor=exams_officer, entry=entry, reason=" ")


def test_swap_moves_the_entry_and_raises_a_notification(exams_officer, series, registration_a, ext_a, ext_a2):
    entry = enter(exams_officer, series, (registration_a, ext_a)).created[0]
    new = services.entry_swap(actor=exams_officer, entry=entry, unit=ext_a2, reason="Wrong unit chosen")
    entry.refresh_from_db()
    assert entry.state == Entry.State.SWAPPED and entry.swapped_to == new and new.unit == ext_a2
    assert PearsonNotification.objects.get().kind == PearsonNotification.Kind.ENTRY_SWAP


def test_swap_to_a_unit_breaking_a_rule_is_refused(exams_officer, january, june_2026, series, registration_a, ext_a, ext_a2):
    ResultFactory(series=january, registration=registration_a, unit=ext_a2)
    ResultFactory(series=june_2026, registration=registration_a, unit=ext_a2)
    entry = enter(exams_officer, series, (registration_a, ext_a)).created[0]
    with pytest.raises(DomainError, match="Resit limit"):
        services.entry_swap(actor=exams_officer, entry=entry, unit=ext_a2, reason="x")
    entry.refresh_from_db()
    assert entry.state == Entry.State.ENTERED
    assert not PearsonNotification.objects.exists()
