"""QN sampling (reproducible, coverage, only the QN) and certificates received (every field checked)."""

from datetime import date, timedelta

import pytest

from certification import imports, selectors, services
from certification.models import Certificate, CertificateClaim, CertificationSetting, SampledClaim
from core.exceptions import DomainError
from registrations.models import Registration
from tests.certification.conftest import CLAIM_DAY, assess_all
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_draw_is_reproducible_and_meets_minimums():
    population = [(i, i % 3, {100 + i % 7}) for i in range(1, 201)]
    a = services.draw_sample(population, seed=42, percentage=10, min_per_programme=1, min_per_assessor=2, sample_all=False)
    b = services.draw_sample(population, seed=42, percentage=10, min_per_programme=1, min_per_assessor=2, sample_all=False)
    c = services.draw_sample(population, seed=43, percentage=10, min_per_programme=1, min_per_assessor=2, sample_all=False)
    assert a == b and set(a) != set(c)
    assert len([w for w in a.values() if w.startswith("random")]) == 20
    for assessor in range(100, 107):
        assert sum(1 for cid, _, ass in population if assessor in ass and cid in a) >= 2
    assert set(services.draw_sample(population, seed=1, percentage=0, min_per_programme=0, min_per_assessor=0, sample_all=True)) == {p[0] for p in population}


def test_minimum_per_programme_added_when_random_misses_it():
    population = [(i, 1, {1}) for i in range(1, 100)] + [(500, 2, {2})]
    chosen = services.draw_sample(population, seed=3, percentage=1, min_per_programme=1, min_per_assessor=0, sample_all=False)
    assert 500 in chosen


@pytest.fixture
def two_submitted_claims(registration_a, registration_b, units_a, units_b, assessor, lead_a, lead_b, exams_officer, at_claim_time):
    assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a)
    assess_all(registration_b, units_b, assessor=assessor, verifier=lead_b)
    claims = []
    for reg in (registration_a, registration_b):
        claims.append(services.claim_mark_ready(actor=exams_officer, claim=services.claim_create(actor=exams_officer, registration=reg, kind="full")))
    batch = services.batch_create(actor=exams_officer, name="Summer", claims=claims)
    return batch, claims


def test_only_the_qn_records_outcomes_and_a_discrepancy_blocks(two_submitted_claims, quality_nominee, exams_officer):
    batch, claims = two_submitted_claims
    rnd = services.round_open(actor=quality_nominee, name="R", batch=batch, sample_all=True, seed=5)
    assert rnd.population == 2 and rnd.samples.count() == 2
    sample = rnd.samples.get(claim=claims[0])
    with pytest.raises(DomainError, match="Only the quality nominee"):
        services.sample_record_outcome(actor=exams_officer, sample=sample, outcome="agreed")
    with pytest.raises(DomainError, match="Describe"):
        services.sample_record_outcome(actor=quality_nominee, sample=sample, outcome="discrepancy")
    services.sample_record_outcome(actor=quality_nominee, sample=sample, outcome="discrepancy", notes="Unit 2 evidence thin")
    assert CertificateClaim.objects.get(pk=claims[0].pk).state == "blocked"
    with pytest.raises(DomainError, match="not resolved"):
        services.claim_unblock(actor=exams_officer, claim=claims[0], reason="try")
    services.sample_record_outcome(actor=quality_nominee, sample=rnd.samples.get(claim=claims[1]), outcome="agreed")
    services.round_finish(actor=quality_nominee, round=rnd)
    with pytest.raises(DomainError, match="must be ready"):
        services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)
    services.sample_resolve(actor=quality_nominee, sample=sample, resolution="Assessor re-checked; grade stands")
    assert CertificateClaim.objects.get(pk=claims[0].pk).state == "ready"
    services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)
    coverage = selectors.round_coverage(rnd)
    assert sum(c["sampled"] for c in coverage["programmes"].values()) == 2
    assert coverage["assessors"]["Tess Teacher"] == {"sampled": 2, "agreed": 1, "discrepancy": 1}


def test_comparison_highlights_a_record_changed_after_the_claim(two_submitted_claims, quality_nominee, lead_a):
    batch, claims = two_submitted_claims
    rnd = services.round_open(actor=quality_nominee, name="R", batch=batch, percentage=100, seed=1)
    record = claims[0].units.get(unit__number="2").record
    services.assessment_record_change(actor=lead_a, record=record, changes={"grade": "P"}, reason="Planted")
    rows = selectors.sample_comparison(rnd.samples.get(claim=claims[0]))
    problems = {r["claim_unit"].unit.number: r["problems"] for r in rows}
    assert "record now says P" in problems["2"] and "record no longer verified" in problems["2"] and problems["1"] == []


@pytest.fixture
def submitted(two_submitted_claims, registration_a, exams_officer):
    batch, claims = two_submitted_claims
    CertificationSetting.objects.create(centre=registration_a.learner.centre, sample_before_export=False)
    services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)
    return CertificateClaim.objects.get(pk=claims[0].pk)


def _receive(claim, actor, **over):
    learner = claim.registration.learner
    data = {"number": "C0001", "name_printed": f"{learner.legal_first_name} {learner.legal_last_name}".upper(),
                "qualification": claim.registration.programme.qualification.qan, "grade": "D",
                "units": [{"number": n, "grade": "M"} for n in ("1", "2", "3", "4")] + [{"number": "5", "grade": "P"}],
                "received_on": CLAIM_DAY, "date_of_birth": learner.date_of_birth}
    data.update(over)
    return services.certificate_receive(actor=actor, claim=claim, **data)


def test_matching_certificate_checks_ok_and_starts_retention_clock(submitted, exams_officer):
    cert = _receive(submitted, exams_officer)
    assert cert.differences == []
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "checked_ok"
    reg = Registration.objects.get(pk=submitted.registration_id)
    assert reg.state == "certificated" and reg.certificated_on == CLAIM_DAY
    services.certificate_issue(actor=exams_officer, certificate=cert, issued_on=CLAIM_DAY, method="collected")
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "issued"


@pytest.mark.parametrize("over, field", [
    ({"name_printed": "SOMEONE ELSE"}, "name"),
    ({"date_of_birth": date(2000, 1, 1)}, "date of birth"),
    ({"qualification": "601/0000/0"}, "qualification"),
    ({"grade": "Z"}, "grade"),
    ({"grade": "U"}, "grade"),
    ({"units": [{"number": "1", "grade": "D"}, {"number": "2", "grade": "M"}, {"number": "3", "grade": "M"}, {"number": "4", "grade": "M"}]}, "unit 1"),
    ({"units": [{"number": "1", "grade": "M"}, {"number": "2", "grade": "M"}, {"number": "3", "grade": "M"}]}, "unit 4"),
    ({"units": [{"number": n, "grade": "M"} for n in ("1", "2", "3", "4", "9")]}, "unit 9"),
])
def test_each_discrepancy_field(submitted, exams_officer, over, field):
    cert = _receive(submitted, exams_officer, **over)
    assert field in [d["field"] for d in cert.differences]
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "discrepancy"
    with pytest.raises(DomainError, match="checked"):
        services.certificate_issue(actor=exams_officer, certificate=cert, issued_on=CLAIM_DAY, method="posted")


def test_discrepancy_lead_confirm_replacement_and_reissue(submitted, exams_officer, lead_a, lead_b):
    cert = _receive(submitted, exams_officer, name_printed="JON SMTH")
    services.certificate_ask_lead(actor=exams_officer, certificate=cert)
    with pytest.raises(DomainError, match="subject lead of this programme"):
        services.certificate_lead_response(actor=lead_b, certificate=cert, response="x")
    services.certificate_lead_response(actor=lead_a, certificate=cert, response="Name is wrong; records are right")
    services.certificate_request_replacement(actor=exams_officer, certificate=cert, reason="Misspelt name")
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "replacement_requested"
    new = _receive(CertificateClaim.objects.get(pk=submitted.pk), exams_officer, number="C0002")
    assert new.differences == [] and Certificate.objects.get(pk=cert.pk).superseded
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "checked_ok"


def test_unclaimed_after_twelve_months_then_destroyed(submitted, exams_officer, time_machine):
    cert = _receive(submitted, exams_officer)
    assert services.certificates_mark_unclaimed(actor=exams_officer, on=CLAIM_DAY + timedelta(days=300)) == 0
    time_machine.move_to(CLAIM_DAY + timedelta(days=400))
    assert services.certificates_mark_unclaimed(actor=exams_officer) == 1
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "unclaimed"
    with pytest.raises(DomainError):
        services.certificate_destroy(actor=exams_officer, certificate=cert, destroyed_on=CLAIM_DAY + timedelta(days=400), reason="")
    services.certificate_destroy(actor=exams_officer, certificate=cert, destroyed_on=CLAIM_DAY + timedelta(days=400), reason="Shredded (secure bin)")
    cert.refresh_from_db()
    assert cert.destroy_reason == "Shredded (secure bin)" and CertificateClaim.objects.get(pk=submitted.pk).state == "destroyed"


def _report(rows):
    head = "Certificate number,Registration number,Learner name,Qualification,Grade,Units,Date received\n"
    return (head + "".join(",".join(r) + "\n" for r in rows)).encode()


def test_certificate_report_for_unknown_learner_refused_nothing_saved(submitted, exams_officer, registration_a):
    learner = registration_a.learner
    name = f"{learner.legal_first_name} {learner.legal_last_name}".upper()
    qan = registration_a.programme.qualification.qan
    other = RegistrationFactory(programme=registration_a.programme, learner__centre=learner.centre)
    data = _report([["C1", registration_a.pearson_registration_number, name, qan, "D", '"1=M;2=M;3=M;4=M"', "01/06/2028"],
                    ["C2", "R9999999", "NOBODY", qan, "D", "", "01/06/2028"],
                    ["C3", other.pearson_registration_number, "X", qan, "D", "", "01/06/2028"]])
    with pytest.raises(imports.ImportRefused) as exc:
        imports.import_certificates(actor=exams_officer, upload=data, filename="r.csv", user=exams_officer)
    assert "Row 3: no learner" in exc.value.errors[0] and "no submitted claim" in exc.value.errors[1]
    assert not Certificate.objects.exists()
    data = _report([["C1", registration_a.pearson_registration_number, name, qan, "D", '"1=M;2=M;3=M;4=M"', "01/06/2028"]])
    assert imports.import_certificates(actor=exams_officer, upload=data, filename="r.csv", user=exams_officer) == 1
    assert Certificate.objects.get().differences == []


def test_sampled_claim_model_has_permission():
    assert ("record_sample_outcome", "Can record quality nominee sampling outcomes") in SampledClaim._meta.permissions


def test_traceability_and_breaches(submitted, exams_officer, lead_a, quality_nominee):
    from certification.breaches import detected_breaches
    from certification.traceability import broken_links, trace_items

    cert = _receive(submitted, exams_officer, name_printed="WRONG")
    reg = submitted.registration
    stages = {i.stage for i in trace_items(reg)}
    assert {"assessment", "verification", "claim", "certificate", "check"} <= stages
    assert any(link.stage == "check" for link in broken_links(exams_officer))
    assert broken_links(lead_a) and not [b for b in broken_links(lead_a) if b.programme_name != str(reg.programme)]
    kinds = {b.kind for b in detected_breaches()}
    assert "certificate_mismatch" in kinds
    # a certificate issued with a unit whose record has since lost its verification is a broken link
    services.certificate_request_replacement(actor=exams_officer, certificate=cert, reason="Name")
    services.assessment_record_change(actor=lead_a, record=submitted.units.first().record, changes={"grade": "D"}, reason="Late remark")
    problems = [link.problem for link in broken_links(exams_officer)]
    assert any("no longer backed" in p for p in problems)
    assert "claim_gate_failure" in {b.kind for b in detected_breaches()}


def test_issued_certificate_is_never_destroyed(submitted, exams_officer):
    cert = _receive(submitted, exams_officer)
    services.certificate_issue(actor=exams_officer, certificate=cert, issued_on=CLAIM_DAY, method="signature")
    with pytest.raises(DomainError, match="unclaimed register"):
        services.certificate_destroy(actor=exams_officer, certificate=cert, destroyed_on=CLAIM_DAY, reason="Tidy up")
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "issued"
    assert selectors.full_claim_made(submitted.registration)


def test_import_records_each_row_in_history_and_handles_replacements(submitted, exams_officer, registration_a):
    learner = registration_a.learner
    qan = registration_a.programme.qualification.qan
    name = f"{learner.legal_first_name} {learner.legal_last_name}".upper()
    data = _report([["C1", registration_a.pearson_registration_number, "MISSPELT", qan, "D", '"1=M;2=M;3=M;4=M"', "01/06/2028"]])
    assert imports.import_certificates(actor=exams_officer, upload=data, filename="r1.csv", user=exams_officer) == 1
    first = Certificate.objects.get(number="C1")
    assert [d["field"] for d in first.differences] == ["name"]
    assert "r1.csv, row 2" in first.history.first().history_change_reason
    claim = CertificateClaim.objects.get(pk=submitted.pk)
    assert claim.state == "discrepancy"
    assert [h.state for h in claim.history.order_by("history_id")][-2:] == ["certificate_received", "discrepancy"]
    services.certificate_request_replacement(actor=exams_officer, certificate=first, reason="Name misspelt")
    data = _report([["C2", registration_a.pearson_registration_number, name, qan, "D", '"1=M;2=M;3=M;4=M"', "01/06/2028"]])
    imports.import_certificates(actor=exams_officer, upload=data, filename="r2.csv", user=exams_officer)
    assert Certificate.objects.get(number="C1").superseded and Certificate.objects.get(number="C2").differences == []
    assert CertificateClaim.objects.get(pk=submitted.pk).state == "checked_ok"
    reg = Registration.objects.get(pk=registration_a.pk)
    assert reg.state == "certificated" and reg.certificated_on == CLAIM_DAY
    assert "retention clock" in reg.history.first().history_change_reason


def test_certificate_for_a_claim_not_submitted_is_refused(two_submitted_claims, exams_officer):
    batch, claims = two_submitted_claims  # ready, not yet submitted
    with pytest.raises(DomainError, match="expected only for a submitted claim"):
        _receive(claims[0], exams_officer)
    assert not Certificate.objects.exists()


def test_issued_certificate_whose_record_later_lost_its_verification_is_a_broken_link(submitted, exams_officer, lead_a, at_claim_time):
    """Through the real hooks: the learner's trace and the exams-office view name the broken link."""
    from audit.trace import all_broken_links, registration_trace

    cert = _receive(submitted, exams_officer)
    services.certificate_issue(actor=exams_officer, certificate=cert, issued_on=CLAIM_DAY, method="collected")
    reg = submitted.registration
    assert not [i for i in registration_trace(reg, exams_officer) if i.status == "broken"]
    record = submitted.units.first().record
    services.assessment_record_change(actor=lead_a, record=record, changes={"grade": "D"}, reason="Remarked after issue")
    broken = [i for i in registration_trace(reg, exams_officer) if i.status == "broken"]
    assert broken and "no longer backed" in broken[0].problem and record.unit.number in broken[0].problem
    assert any(link.registration_id == reg.pk and link.problem.startswith("Certificate issued with a unit not backed")
               for link in all_broken_links(exams_officer))
