"""Claim gates, timeliness, states and batches."""

from datetime import date
from unittest import mock

import pytest

from certification import gates, selectors, services
from certification.models import CertificateClaim, CertificationSetting, ClaimUnit
from core.exceptions import DomainError
from registrations.models import Registration
from registrations.services import registration_withdraw
from tests.certification.conftest import CLAIM_DAY, assess, assess_all

pytestmark = pytest.mark.django_db


def failing(registration, kind="full", on=CLAIM_DAY):
    return {g.number for g in services.readiness(registration, kind=kind, on=on).failing}


def test_all_gates_pass_for_a_complete_learner(registration_a, complete_a):
    assert failing(registration_a) == set()


def test_gate_1_seventy_days_after_registration(registration_a, complete_a):
    assert failing(registration_a, on=registration_a.registered_on + gates.timedelta(days=69)) >= {1}
    assert 1 not in failing(registration_a, on=registration_a.registered_on + gates.timedelta(days=70))


def test_gate_2_certificate_end(registration_a, complete_a):
    assert 2 in failing(registration_a, on=date(2029, 9, 1))


def test_gate_3_unverified_or_sent_back_record(registration_a, units_a, assessor, lead_a):
    assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a, skip=("2", "3"))
    assess(registration_a, units_a["2"], assessor=assessor, verifier=lead_a, verify=False)
    r3 = assess(registration_a, units_a["3"], assessor=assessor, verifier=lead_a, verify=False)
    services.assessment_record_verify(actor=lead_a, record=r3, internal_verifier=lead_a, iv_date=date(2027, 3, 2), outcome="disagreed")
    ready = services.readiness(registration_a, kind="full", on=CLAIM_DAY)
    gate3 = next(g for g in ready.gates if g.number == 3)
    assert not gate3.ok and "Unit 2 assessed but not internally verified" in gate3.problem and "Unit 3 sent back" in gate3.problem
    # the unverified units are not on the claim: no grade goes to Pearson without a verified record
    assert {u.number for u, _ in ready.units} == {"1", "4"}


def test_gate_4_mandatory_units_and_size(registration_a, units_a, assessor, lead_a):
    assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a, skip=("4",))
    ready = services.readiness(registration_a, kind="full", on=CLAIM_DAY)
    assert "300 GLH achieved of the 360" in next(g for g in ready.gates if g.number == 4).problem
    assess(registration_a, units_a["4"], assessor=assessor, verifier=lead_a, grade="P")
    assess(registration_a.__class__.objects.get(pk=registration_a.pk), units_a["1"], assessor=assessor, verifier=lead_a, grade="P", attempt="resubmission", authorised_by=lead_a, on=date(2027, 4, 1))
    assert 4 not in failing(registration_a)


def test_gate_4_mandatory_unit_failed(registration_a, units_a, assessor, lead_a):
    assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a, skip=("1",))
    assess(registration_a, units_a["1"], assessor=assessor, verifier=lead_a, grade="U")
    ready = services.readiness(registration_a, kind="full", on=CLAIM_DAY)
    assert "Unit 1" in next(g for g in ready.gates if g.number == 4).problem


def test_gate_5_certification_block(registration_a, complete_a):
    programme = registration_a.programme
    programme.certification_blocked = True
    programme.save()
    assert failing(Registration.objects.get(pk=registration_a.pk)) == {5}


def test_gate_6_withdrawn_learner_interim_only(registration_a, complete_a, lead_a, exams_officer):
    registration_withdraw(actor=exams_officer, registration=registration_a, withdrawn_on=date(2027, 6, 1), reason="Left")
    reg = Registration.objects.get(pk=registration_a.pk)
    assert 6 in failing(reg, "full")
    assert failing(reg, "interim") == set()
    assert gates.suggested_kind(reg) == "interim"


def test_gate_7_terminal_rule(registration_a, complete_a):
    suite = registration_a.programme.qualification.suite
    suite.terminal_rule = True
    suite.save()
    reg = Registration.objects.get(pk=registration_a.pk)
    assert 7 in failing(reg)  # fails closed until entries records the external component
    with mock.patch("entries.selectors.terminal_rule_problem", return_value=None):
        assert 7 not in failing(reg)


def test_claim_built_only_from_verified_records_and_marked_ready(registration_a, complete_a, exams_officer, at_claim_time):
    claim = services.claim_create(actor=exams_officer, registration=registration_a, kind="full")
    assert claim.state == "draft" and claim.timing == "on_time" and claim.deadline == date(2028, 7, 5)
    assert sorted(ClaimUnit.objects.filter(claim=claim).values_list("unit__number", "grade")) == [("1", "M"), ("2", "M"), ("3", "M"), ("4", "M")]
    claim = services.claim_mark_ready(actor=exams_officer, claim=claim)
    assert claim.state == "ready"


def test_claim_mark_ready_refuses_naming_failing_gate(registration_a, units_a, assessor, lead_a, exams_officer, at_claim_time):
    assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a, skip=("2",))
    assess(registration_a, units_a["2"], assessor=assessor, verifier=lead_a, verify=False)
    claim = services.claim_create(actor=exams_officer, registration=registration_a, kind="full")
    with pytest.raises(DomainError, match="Gate 3"):
        services.claim_mark_ready(actor=exams_officer, claim=claim)
    assert CertificateClaim.objects.get(pk=claim.pk).state == "draft"


def test_late_and_early_claims_need_a_reason(registration_a, complete_a, exams_officer):
    with pytest.raises(DomainError, match="late"):
        services.claim_create(actor=exams_officer, registration=registration_a, kind="full", on=date(2028, 7, 20))
    with pytest.raises(DomainError, match="early"):
        services.claim_create(actor=exams_officer, registration=registration_a, kind="full", on=date(2028, 1, 20))
    claim = services.claim_create(actor=exams_officer, registration=registration_a, kind="full", on=date(2028, 7, 20),
                                  timing_reason="Moderation delayed")
    assert claim.timing == "late" and claim.timing_reason == "Moderation delayed"


def test_changing_a_record_sends_a_ready_claim_back_to_draft(registration_a, complete_a, exams_officer, lead_a, at_claim_time):
    claim = services.claim_mark_ready(actor=exams_officer, claim=services.claim_create(actor=exams_officer, registration=registration_a, kind="full"))
    services.assessment_record_change(actor=lead_a, record=complete_a["1"], changes={"grade": "D"}, reason="Remark")
    assert CertificateClaim.objects.get(pk=claim.pk).state == "draft"


def test_state_machine_refuses_moves_not_listed(registration_a, complete_a, exams_officer, at_claim_time):
    claim = services.claim_create(actor=exams_officer, registration=registration_a, kind="full")
    with pytest.raises(DomainError, match="cannot become"):
        services.claim_move(actor=exams_officer, claim=claim, to_state="form_query", reason="x")
    assert set(services.CLAIM_TRANSITIONS) == set(CertificateClaim.State.values)


def _ready(reg, actor):
    return services.claim_mark_ready(actor=actor, claim=services.claim_create(actor=actor, registration=reg, kind="full"))


def test_batch_needs_finished_sample_when_the_centre_requires_it(registration_a, complete_a, exams_officer, quality_nominee, at_claim_time):
    claim = _ready(registration_a, exams_officer)
    batch = services.batch_create(actor=exams_officer, name="Summer 2028", claims=[claim])
    with pytest.raises(DomainError, match="sample"):
        services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)
    rnd = services.round_open(actor=quality_nominee, name="R1", batch=batch, sample_all=True, seed=7)
    s = rnd.samples.get()
    services.sample_record_outcome(actor=quality_nominee, sample=s, outcome="agreed")
    services.round_finish(actor=quality_nominee, round=rnd)
    services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)
    claim.refresh_from_db()
    assert claim.state == "submitted" and claim.submitted_on == CLAIM_DAY
    rows = services.batch_rows(batch)
    assert len(rows) == 4 and rows[0][1] == registration_a.pearson_registration_number
    assert selectors.full_claim_made(registration_a)


def test_setting_off_allows_export_without_sample(registration_a, complete_a, exams_officer, at_claim_time):
    CertificationSetting.objects.create(centre=registration_a.learner.centre, sample_before_export=False)
    batch = services.batch_create(actor=exams_officer, name="B", claims=[_ready(registration_a, exams_officer)])
    services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)


def test_form_query_goes_back_to_draft(registration_a, complete_a, exams_officer, at_claim_time):
    CertificationSetting.objects.create(centre=registration_a.learner.centre, sample_before_export=False)
    claim = _ready(registration_a, exams_officer)
    batch = services.batch_create(actor=exams_officer, name="B", claims=[claim])
    services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)
    services.claim_move(actor=exams_officer, claim=claim, to_state="form_query", reason="Pearson queried the ULN")
    claim = services.claim_move(actor=exams_officer, claim=claim, to_state="draft", reason="Fixing")
    assert claim.state == "draft" and claim.batch is None
    assert not selectors.full_claim_made(registration_a)
