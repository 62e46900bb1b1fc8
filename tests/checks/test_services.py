"""Rules of check rounds, verdicts, sign-off, reopening and resolution."""

from datetime import date

import pytest

from checks.models import CheckVerdict, Discrepancy, ProgrammeCheck
from checks.services import (
    VerdictConflict,
    checklist_reopen,
    checklist_sign_off,
    discrepancy_resolve,
    missing_learner_add,
    round_open,
    verdict_record,
)
from core.exceptions import DomainError
from registrations.models import PearsonNotification, Registration
from tests.factories import ProgrammeFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db
V = CheckVerdict.Verdict


def _all_correct(lead, check_list):
    for line in check_list.lines.all():
        verdict_record(actor=lead, line=line, verdict=V.CORRECT, expected_version=0)


def test_round_snapshots_registered_and_submitted_learners_only(list_a, list_b, registration_a):
    assert list_a.lines.count() == 2  # the draft registration is not at Pearson
    line = list_a.lines.get(registration=registration_a)
    learner = registration_a.learner
    assert (line.legal_first_name, line.date_of_birth, line.sex, line.uln) == (
        learner.legal_first_name, learner.date_of_birth, learner.sex, learner.uln)
    assert line.pearson_registration_number == registration_a.pearson_registration_number
    assert registration_a.programme.qualification.qan in line.qualification
    assert list_b.lines.count() == 1
    assert list_a.history.count() == 1  # the list itself has a history row


def test_round_defaults_to_active_programmes_and_refuses_past_due(frozen, exams_officer, programme_a, centre):
    inactive = ProgrammeFactory(centre=centre, is_active=False)
    r = round_open(actor=exams_officer, name="R", due_date=date(2026, 12, 1))
    assert set(r.checks.values_list("programme_id", flat=True)) == {programme_a.pk}
    assert not r.checks.filter(programme=inactive).exists()
    with pytest.raises(DomainError, match="past"):
        round_open(actor=exams_officer, name="R", due_date=date(2026, 1, 1))


def test_a_lead_cannot_give_verdicts_on_another_programme(list_b, lead_a):
    with pytest.raises(DomainError, match="subject lead"):
        verdict_record(actor=lead_a, line=list_b.lines.first(), verdict=V.CORRECT, expected_version=0)


def test_incorrect_names_the_field_and_a_valid_different_value(list_a, lead_a, registration_a):
    line = list_a.lines.get(registration=registration_a)
    with pytest.raises(DomainError, match="which detail"):
        verdict_record(actor=lead_a, line=line, verdict=V.INCORRECT, expected_version=0)
    with pytest.raises(DomainError, match="dd/mm/yyyy"):
        verdict_record(actor=lead_a, line=line, verdict=V.INCORRECT, field="date_of_birth", correct_value="2009-03-07", expected_version=0)
    with pytest.raises(DomainError, match="already holds"):
        verdict_record(actor=lead_a, line=line, verdict=V.INCORRECT, field="legal_last_name",
                       correct_value=line.legal_last_name, expected_version=0)
    with pytest.raises(DomainError, match="ULN"):
        verdict_record(actor=lead_a, line=line, verdict=V.INCORRECT, field="uln", correct_value="9276308687", expected_version=0)
    v = verdict_record(actor=lead_a, line=line, verdict=V.INCORRECT, field="legal_last_name", correct_value="SMYTHE",
                       note="Changed name by deed poll", expected_version=0)
    assert v.version == 1 and v.history.first().history_user == lead_a
    assert "Incorrect" in v.history.first().history_change_reason


def test_two_leads_cannot_overwrite_each_other(list_a, lead_a, centre, programme_a):
    co_lead = UserFactory(username="co_lead", roles=["Subject Lead"])
    programme_a.subject_leads.add(co_lead)
    line = list_a.lines.first()
    verdict_record(actor=lead_a, line=line, verdict=V.CORRECT, expected_version=0)
    # the co-lead loaded the page before lead_a saved (version 0) and now saves
    with pytest.raises(VerdictConflict, match="Alex Ahmed changed the verdict"):
        verdict_record(actor=co_lead, line=line, verdict=V.NOT_ON_PROGRAMME, expected_version=0)
    line.verdict.refresh_from_db()
    assert line.verdict.verdict == V.CORRECT and line.verdict.version == 1
    # having seen version 1, the change goes through
    verdict_record(actor=co_lead, line=line, verdict=V.NOT_ON_PROGRAMME, expected_version=1)
    assert CheckVerdict.objects.get(line=line).version == 2


def test_sign_off_needs_every_verdict_then_is_read_only(list_a, lead_a):
    first, second = list(list_a.lines.all())
    verdict_record(actor=lead_a, line=first, verdict=V.CORRECT, expected_version=0)
    with pytest.raises(DomainError, match="1 learner still needs a verdict"):
        checklist_sign_off(actor=lead_a, check_list=list_a)
    verdict_record(actor=lead_a, line=second, verdict=V.CORRECT, expected_version=0)
    signed = checklist_sign_off(actor=lead_a, check_list=list_a)
    assert signed.signed_off_by == lead_a and signed.signed_off_at
    with pytest.raises(DomainError, match="read-only"):
        verdict_record(actor=lead_a, line=first, verdict=V.NOT_ON_PROGRAMME, expected_version=1)
    with pytest.raises(DomainError, match="read-only"):
        missing_learner_add(actor=lead_a, check_list=list_a, first_name="A", last_name="B", date_of_birth=None)
    with pytest.raises(DomainError, match="read-only"):
        checklist_sign_off(actor=lead_a, check_list=list_a)


def test_only_the_lead_signs_off_and_reopening_needs_a_reason(list_a, lead_a, exams_officer):
    _all_correct(lead_a, list_a)
    with pytest.raises(DomainError, match="subject lead"):
        checklist_sign_off(actor=exams_officer, check_list=list_a)
    with pytest.raises(DomainError, match="not signed off"):
        checklist_reopen(actor=exams_officer, check_list=list_a, reason="x")
    checklist_sign_off(actor=lead_a, check_list=list_a)
    with pytest.raises(DomainError, match="why"):
        checklist_reopen(actor=exams_officer, check_list=list_a, reason=" ")
    reopened = checklist_reopen(actor=exams_officer, check_list=list_a, reason="New learner joined")
    assert reopened.signed_off_at is None and reopened.reopened_reason == "New learner joined"
    assert reopened.history.first().history_change_reason == "Reopened: New learner joined"
    assert reopened.history.first().history_user == exams_officer


def test_state_not_started_in_progress_signed_off_overdue(list_a, lead_a):
    lines = list(list_a.lines.all())
    assert list_a.state_for(decided=0, total=2, today=date(2026, 11, 10)) == ProgrammeCheck.State.NOT_STARTED
    assert list_a.state_for(decided=1, total=2, today=date(2026, 11, 10)) == ProgrammeCheck.State.IN_PROGRESS
    assert list_a.state_for(decided=1, total=2, today=date(2026, 12, 1)) == ProgrammeCheck.State.OVERDUE
    _all_correct(lead_a, list_a)
    checklist_sign_off(actor=lead_a, check_list=list_a)
    list_a.refresh_from_db()
    assert list_a.state_for(decided=len(lines), total=2, today=date(2026, 12, 1)) == ProgrammeCheck.State.SIGNED_OFF


def test_resolution_flow_end_to_end(list_a, lead_a, exams_officer, registration_a, programme_a, programme_b):
    line_a = list_a.lines.get(registration=registration_a)
    other = list_a.lines.exclude(pk=line_a.pk).get()
    verdict_record(actor=lead_a, line=line_a, verdict=V.INCORRECT, field="legal_last_name", correct_value="SMYTHE", expected_version=0)
    verdict_record(actor=lead_a, line=other, verdict=V.NOT_ON_PROGRAMME, note="Moved to Business", expected_version=0)
    missing = missing_learner_add(actor=lead_a, check_list=list_a, first_name="Zara", last_name="New",
                                  date_of_birth=date(2009, 5, 1), mis_id="MISNEW1")
    assert missing.state == Discrepancy.State.DRAFT
    assert not Discrepancy.objects.filter(state=Discrepancy.State.OPEN).exists()  # nothing raised before sign-off
    checklist_sign_off(actor=lead_a, check_list=list_a)
    raised = {d.kind: d for d in Discrepancy.objects.filter(state=Discrepancy.State.OPEN)}
    assert set(raised) == {"incorrect_detail", "not_on_programme", "missing_learner"}

    # correct the learner: the learner changes and Pearson is owed a notification
    with pytest.raises(DomainError, match="can be resolved by"):
        discrepancy_resolve(actor=exams_officer, discrepancy=raised["incorrect_detail"], action="register", reason="x")
    d = discrepancy_resolve(actor=exams_officer, discrepancy=raised["incorrect_detail"], action="correct", reason="Deed poll seen")
    registration_a.learner.refresh_from_db()
    assert registration_a.learner.legal_last_name == "SMYTHE"
    assert PearsonNotification.objects.filter(learner=registration_a.learner, kind="learner_details").exists()
    assert d.state == Discrepancy.State.RESOLVED and d.resolved_by == exams_officer and d.outcome == "Deed poll seen"
    with pytest.raises(DomainError, match="nothing to resolve"):
        discrepancy_resolve(actor=exams_officer, discrepancy=d, action="dismiss", reason="again")

    # transfer the learner who should not be here
    t = discrepancy_resolve(actor=exams_officer, discrepancy=raised["not_on_programme"], action="transfer",
                            to_programme=programme_b, reason="Moved to Business in October")
    other.registration.refresh_from_db()
    assert other.registration.state == Registration.State.TRANSFERRED_OUT
    assert t.resulting_registration.programme == programme_b
    assert PearsonNotification.objects.filter(registration=other.registration, kind__startswith="transfer").exists()

    # register the missing learner (not yet on file: needs sex)
    with pytest.raises(DomainError, match="sex"):
        discrepancy_resolve(actor=exams_officer, discrepancy=raised["missing_learner"], action="register", reason="Enrolled late")
    r = discrepancy_resolve(actor=exams_officer, discrepancy=raised["missing_learner"], action="register", sex="F",
                            reason="Enrolled late", on=date(2026, 10, 1))
    assert r.resulting_registration.state == Registration.State.DRAFT
    assert r.resulting_registration.learner.mis_id == "MISNEW1"
    assert r.history.first().history_user == exams_officer


def test_withdraw_and_dismiss(list_a, lead_a, exams_officer):
    a, b = list(list_a.lines.all())
    verdict_record(actor=lead_a, line=a, verdict=V.NOT_ON_PROGRAMME, expected_version=0)
    verdict_record(actor=lead_a, line=b, verdict=V.INCORRECT, field="other", correct_value="Wrong option", expected_version=0)
    checklist_sign_off(actor=lead_a, check_list=list_a)
    da, db = Discrepancy.objects.get(line=a), Discrepancy.objects.get(line=b)
    with pytest.raises(DomainError, match="what was done"):
        discrepancy_resolve(actor=exams_officer, discrepancy=db, action="dismiss", reason="")
    discrepancy_resolve(actor=exams_officer, discrepancy=da, action="withdraw", reason="Left in October", on=date(2026, 11, 1))
    a.registration.refresh_from_db()
    assert a.registration.state == Registration.State.WITHDRAWN
    dismissed = discrepancy_resolve(actor=exams_officer, discrepancy=db, action="dismiss", reason="Checked: correct")
    assert dismissed.state == Discrepancy.State.DISMISSED


def test_reopen_and_change_mind_withdraws_the_open_discrepancy(list_a, lead_a, exams_officer):
    a, b = list(list_a.lines.all())
    verdict_record(actor=lead_a, line=a, verdict=V.NOT_ON_PROGRAMME, expected_version=0)
    verdict_record(actor=lead_a, line=b, verdict=V.CORRECT, expected_version=0)
    checklist_sign_off(actor=lead_a, check_list=list_a)
    checklist_reopen(actor=exams_officer, check_list=list_a, reason="Please look again at line 1")
    verdict_record(actor=lead_a, line=a, verdict=V.CORRECT, expected_version=1)
    checklist_sign_off(actor=lead_a, check_list=list_a)
    assert Discrepancy.objects.get(line=a).state == Discrepancy.State.WITHDRAWN


def test_second_round_is_independent(list_a, exams_officer, programme_a):
    RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    r2 = round_open(actor=exams_officer, name="Spring", due_date=date(2027, 3, 1))
    assert r2.checks.get(programme=programme_a).lines.count() == 3
    assert list_a.lines.count() == 2
