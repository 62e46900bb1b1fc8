"""Browser journey: a subject lead records a grade and verifies another's decision → the exams officer
claims and batches → the quality nominee samples and finds a planted discrepancy → the certificate is
received, checked and issued."""

from datetime import date

import pytest

from certification.models import AssessmentRecord, Certificate, CertificateClaim
from tests.browser.conftest import login
from tests.certification.conftest import assess, make_units
from tests.factories import RegistrationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_verify_claim_sample_certificate(page, live_server, lead_a, exams_officer, quality_nominee, programme_a):
    units = make_units(programme_a.qualification)
    # Registered in May: 70 days have passed; the claim is early for a 2028 completion and needs a reason.
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, learner__legal_last_name="Ashby",
                              learner__legal_first_name="Nia", enrolment_date=date(2026, 5, 1))
    teacher = UserFactory(username="teacher", first_name="Tess", last_name="Teacher", roles=[])
    for n in ("1", "3", "4"):
        assess(reg, units[n], assessor=teacher, verifier=lead_a, on=date(2026, 10, 1))
    learner = reg.learner
    today = date.today().strftime("%d/%m/%Y")

    # 1. The subject lead records Tess's decision on Unit 2, then internally verifies it.
    login(page, live_server, lead_a)
    page.get_by_role("link", name="Assessment and claims").first.click()
    page.get_by_role("link", name=f"Assessment records for {programme_a.name}").click()
    page.get_by_label("Learner").select_option(str(reg.pk))
    page.get_by_label("Unit", exact=True).select_option(str(units["2"].pk))
    page.get_by_label("Grade").select_option("M")
    page.get_by_label("Assessor").select_option(str(teacher.pk))
    page.get_by_label("Date assessed").fill("01/10/2026")
    page.get_by_role("button", name="Record decision").click()
    assert page.get_by_text("Recorded Unit 2").is_visible()
    page.locator("a", has_text="M ?").click()
    assert page.get_by_text("Not yet verified").is_visible()
    page.get_by_label("IV date").fill("02/10/2026")
    page.get_by_label("IV outcome").select_option("agreed")
    page.get_by_role("button", name="Record verification").click()
    assert page.get_by_text("Internal verification recorded.").is_visible()
    assert AssessmentRecord.objects.get(registration=reg, unit=units["2"]).is_verified

    # 2. The exams officer sees every gate pass, starts the claim (early: reason given), marks it ready, batches it.
    page.context.clear_cookies()
    login(page, live_server, exams_officer)
    page.goto(f"{live_server.url}/certification/programmes/{programme_a.pk}/readiness/")
    assert page.get_by_text("All gates pass").is_visible()
    page.get_by_label("Reason if early or late").fill("Learner completed every unit early")
    page.get_by_role("button", name=f"Start claim for {learner}").click()
    assert page.get_by_text("Draft claim made").is_visible()
    page.get_by_role("button", name="Check gates and mark ready").click()
    assert page.get_by_text("Every gate passes").is_visible()
    page.goto(f"{live_server.url}/certification/batches/")
    page.get_by_label("Batch name").fill("Summer claims")
    page.get_by_label(str(learner), exact=False).check()
    page.get_by_role("button", name="Make batch").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Batch Summer claims"
    claim = CertificateClaim.objects.get(registration=reg)
    assert claim.state == "ready" and claim.timing == "early"

    # Planted: a verified resubmission of Unit 1 at Distinction, recorded after the claim took Merit.
    assess(reg, units["1"], grade="D", assessor=teacher, verifier=lead_a, on=date(2026, 11, 2), attempt="resubmission",
           authorised_by=lead_a)

    # 3. The quality nominee samples the batch, sees the difference highlighted and records a discrepancy.
    page.context.clear_cookies()
    login(page, live_server, quality_nominee)
    page.get_by_role("link", name="Sampling").click()
    page.get_by_label("Round name").fill("Summer sample")
    page.get_by_label("Claim batch").select_option(label="Summer claims")
    page.get_by_label("Sample every claim").check()
    page.get_by_label("Seed").fill("2028")
    page.get_by_role("button", name="Draw the sample").click()
    assert page.get_by_text("1 of 1 claims sampled (seed 2028)").is_visible()
    page.get_by_role("link", name=str(learner)).click()
    assert page.get_by_text("a better verified attempt exists (D)").is_visible()
    page.get_by_label("Outcome").select_option("discrepancy")
    page.get_by_label("Notes").fill("Unit 1 claimed at M; a verified resubmission says D")
    page.get_by_role("button", name="Record outcome").click()
    assert CertificateClaim.objects.get(pk=claim.pk).state == "blocked"
    assert page.get_by_role("button", name="Open an investigation").is_visible()
    page.get_by_label("How the discrepancy was resolved").fill("Learner's resubmission was after the deadline; M stands")
    page.get_by_role("button", name="Mark resolved").click()
    assert CertificateClaim.objects.get(pk=claim.pk).state == "ready"
    page.get_by_role("link", name="Summer sample").click()
    page.get_by_role("button", name="Finish the round").click()
    assert page.get_by_text("The sampling round is finished.").is_visible()

    # 4. The exams officer submits the batch, logs the certificate by hand, sees it check out and issues it.
    page.context.clear_cookies()
    login(page, live_server, exams_officer)
    page.goto(f"{live_server.url}/certification/batches/")
    page.get_by_role("link", name="Summer claims").click()
    page.get_by_role("button", name="Mark submitted and export").click()
    assert page.get_by_role("link", name="Download grade-reporting spreadsheet").is_visible()
    page.get_by_role("link", name="Certificates").first.click()
    page.get_by_role("link", name="Log or import certificates").click()
    page.get_by_label("Claim", exact=True).select_option(str(claim.pk))
    page.get_by_label("Certificate number").fill("PC0001")
    page.get_by_label("Learner name as printed").fill(f"{learner.legal_first_name} {learner.legal_last_name}".upper())
    page.get_by_label("Date of birth as printed").fill(learner.date_of_birth.strftime("%d/%m/%Y"))
    page.get_by_label("Qualification as printed").fill(programme_a.qualification.qan)
    page.get_by_label("Qualification grade").fill("D")
    page.get_by_label("Units").fill("1=M, 2=M, 3=M, 4=M, 5=P")
    page.get_by_label("Date received").fill(today)
    page.get_by_role("button", name="Log and check").click()
    # The check lists the difference field by field: the records now hold a better verified Unit 1 attempt.
    assert page.get_by_role("row", name="Unit 1 record").is_visible()
    assert "Only a certificate that has been checked" not in page.content()
    assert not page.get_by_role("button", name="Issue certificate").is_visible()
    page.get_by_role("button", name="Send to the subject lead to confirm").click()
    cert_url = page.url

    page.context.clear_cookies()
    login(page, live_server, lead_a)
    page.goto(cert_url)
    page.get_by_label("Your answer").fill("Confirmed: the resubmission missed its deadline; Merit is the grade")
    page.get_by_role("button", name="Send answer").click()
    assert page.get_by_text("Your answer was recorded.").is_visible()

    page.context.clear_cookies()
    login(page, live_server, exams_officer)
    page.goto(cert_url)
    page.get_by_label("Reason").fill("Subject lead confirmed Merit")
    page.get_by_role("button", name="Accept as correct (lead confirmed)").click()
    assert page.get_by_text("Certificate accepted").is_visible()
    page.get_by_label("Issue date").fill(today)
    page.get_by_label("How").select_option("collected")
    page.get_by_role("button", name="Issue certificate").click()
    assert page.get_by_text("Certificate issued.").is_visible()
    cert = Certificate.objects.get(number="PC0001")
    assert cert.issue_method == "collected" and CertificateClaim.objects.get(pk=claim.pk).state == "issued"
    assert cert.claim.registration.__class__.objects.get(pk=reg.pk).state == "certificated"
