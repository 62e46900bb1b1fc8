"""The certification demo hook: claims in several states, a batch, a sampled round, certificates; idempotent."""

import io
from datetime import date

import pytest

from certification.demo import DEMO_BATCH, seed_demo_data
from certification.models import Certificate, CertificateClaim, ClaimBatch, SampledClaim, SamplingRound
from registrations.services import registration_withdraw
from tests.certification.conftest import assess_all
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_demo_data_through_the_services_and_idempotent(centre, programme_a, units_a, assessor, lead_a, exams_officer,
                                                       quality_nominee, at_claim_time):
    regs = [RegistrationFactory(programme=programme_a, learner__centre=centre) for _ in range(10)]
    for reg in regs[:9]:
        assess_all(reg, units_a, assessor=assessor, verifier=lead_a)
    registration_withdraw(actor=exams_officer, registration=regs[9], withdrawn_on=date(2027, 1, 20), reason="Left")
    users = {"exams_officer": exams_officer, "quality_nominee": quality_nominee, "assessors": [assessor]}
    out = io.StringIO()
    seed_demo_data(centre=centre, users=users, stdout=out)

    states = sorted(CertificateClaim.objects.values_list("state", flat=True))
    assert {"issued", "checked_ok", "discrepancy", "form_query", "submitted", "ready", "draft"} <= set(states), states
    assert CertificateClaim.objects.filter(kind="interim", state="ready").count() == 1
    batch = ClaimBatch.objects.get(name=DEMO_BATCH)
    assert batch.submitted_on and batch.claims.count() == 7
    rnd = SamplingRound.objects.get()
    assert rnd.state == "finished" and rnd.seed == 68199
    planted = SampledClaim.objects.get(outcome="discrepancy")
    assert planted.resolved and "not verified" in planted.notes
    assert not SampledClaim.objects.filter(outcome="pending").exists()
    replaced = Certificate.objects.get(superseded=True)
    assert replaced.lead_response and replaced.replacement_requested_on
    assert Certificate.objects.filter(issued_on__isnull=False, issue_method="collected").count() == 1
    assert any(d["field"].startswith("unit") for d in Certificate.objects.get(claim__state="discrepancy").differences)
    # made through the services: every claim's history says who and why
    assert all(h.history_user_id for c in CertificateClaim.objects.all() for h in c.history.all())

    counts = (CertificateClaim.objects.count(), Certificate.objects.count(), SampledClaim.objects.count())
    seed_demo_data(centre=centre, users=users, stdout=out)
    assert (CertificateClaim.objects.count(), Certificate.objects.count(), SampledClaim.objects.count()) == counts
    assert "already seeded" in out.getvalue()


def test_demo_skips_without_ready_learners(centre, programme_a, exams_officer, quality_nominee):
    out = io.StringIO()
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer, "quality_nominee": quality_nominee}, stdout=out)
    assert "skipped" in out.getvalue() and not CertificateClaim.objects.exists()
