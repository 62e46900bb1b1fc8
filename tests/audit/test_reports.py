"""The printable audit reports (issue 7, part 5): figures on planted data, PDF text, spreadsheets,
filters, the role matrix, query counts and the audit events for generating and downloading."""

import io
import subprocess
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit import reports
from audit.models import AuditEvent, Investigation, RetentionHold
from certification.models import (
    AssessmentRecord,
    Certificate,
    CertificateClaim,
    ClaimUnit,
    SampledClaim,
    SamplingRound,
)
from checks.models import CheckRound, Discrepancy, ProgrammeCheck
from core.models import BackgroundJob
from registrations.models import PearsonNotification, Registration
from tests.audit.factories import InvestigationFactory
from tests.factories import LearnerFactory, ProgrammeFactory, RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

YEAR = {"date_from": date(2026, 9, 1), "date_to": date(2027, 8, 31)}
QUERY = {"date_from": "01/09/2026", "date_to": "31/08/2027"}


def noon(y, m, d):
    return datetime(y, m, d, 12, tzinfo=UTC)


def _sent(programme, on, **kw):
    return RegistrationFactory(programme=programme, learner__centre=programme.centre, submitted_at=on, **kw)


def _claim(registration, officer, *, submitted_on, timing="on_time", state=CertificateClaim.State.SUBMITTED, **kw):
    reason = "Reason given" if timing in ("early", "late") else ""
    return CertificateClaim.objects.create(registration=registration, created_by=officer, submitted_on=submitted_on,
                                           timing=timing, timing_reason=reason, state=state, **kw)


@pytest.fixture
def planted(programme_a, programme_b, exams_officer, lead_a, quality_nominee):
    """Programme A (Sport) and B (Business), 2026/27 academic-year programmes: deadline 1 November 2026."""
    a1 = _sent(programme_a, noon(2026, 10, 15))                      # on time
    a2 = _sent(programme_a, noon(2026, 11, 10))                      # 9 days late: first band
    a3 = _sent(programme_a, noon(2027, 1, 5))                        # 65 days late: second band
    RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)  # due, never sent
    _sent(programme_a, noon(2025, 8, 1))                             # outside the period
    b1 = _sent(programme_b, noon(2026, 9, 1))                        # on time, but before enrolment (7/9)

    rnd = CheckRound.objects.create(name="Autumn 2026", due_date=date(2026, 10, 20), opened_by=exams_officer)
    CheckRound.objects.filter(pk=rnd.pk).update(opened_at=noon(2026, 10, 1))
    ProgrammeCheck.objects.create(round=rnd, programme=programme_a, signed_off_by=lead_a, signed_off_at=noon(2026, 10, 10))
    ProgrammeCheck.objects.create(round=rnd, programme=programme_b)
    Discrepancy.objects.create(programme=programme_a, registration=a1, kind="incorrect_detail", field="uln",
                               correct_value="x", raised_at=noon(2026, 10, 12))
    Discrepancy.objects.create(programme=programme_b, registration=b1, kind="incorrect_detail", field="uln",
                               correct_value="y", raised_at=noon(2026, 10, 12), state="resolved",
                               resolved_by=exams_officer, resolved_at=noon(2026, 10, 20))

    owed = PearsonNotification.objects.create(kind="other", learner=a1.learner, registration=a1, summary="Name",
                                              reason="MIS", raised_by=exams_officer)
    sent = PearsonNotification.objects.create(kind="other", learner=b1.learner, registration=b1, summary="Name",
                                              reason="MIS", raised_by=exams_officer, sent_at=noon(2026, 12, 1),
                                              sent_by=exams_officer)
    loose = PearsonNotification.objects.create(kind="other", learner=b1.learner, summary="Address", reason="MIS",
                                               raised_by=exams_officer)
    PearsonNotification.objects.filter(pk__in=[owed.pk, sent.pk, loose.pk]).update(raised_at=noon(2026, 11, 20))

    c1 = _claim(a1, exams_officer, submitted_on=date(2027, 6, 1), state=CertificateClaim.State.CERTIFICATE_RECEIVED)
    c2 = _claim(a2, exams_officer, submitted_on=date(2027, 7, 20), timing="late")
    c3 = _claim(b1, exams_officer, submitted_on=date(2027, 3, 1), timing="early", state=CertificateClaim.State.BLOCKED)
    _claim(a3, exams_officer, submitted_on=date(2028, 1, 10), timing="late")  # outside the period
    unit = UnitFactory(qualification=programme_a.qualification, number="9")
    teacher = UserFactory(username="teacher")
    unverified = AssessmentRecord.objects.create(registration=a2, unit=unit, grade="M", assessor=teacher,
                                                 date_assessed=date(2027, 5, 1))
    ClaimUnit.objects.create(claim=c2, unit=unit, record=unverified, grade="M")

    sampling = SamplingRound.objects.create(name="Summer 2027", seed=7, opened_by=quality_nominee)
    SampledClaim.objects.create(round=sampling, claim=c1, outcome="agreed")
    SampledClaim.objects.create(round=sampling, claim=c3, outcome="discrepancy", notes="Grade unsupported")

    Certificate.objects.create(claim=c1, number="C0001", name_printed="A", qualification="Q", received_on=date(2027, 8, 1),
                               issued_on=date(2027, 8, 10), issue_method="collected")
    Certificate.objects.create(claim=c3, number="C0002", name_printed="B", qualification="Q", received_on=date(2027, 8, 1),
                               differences=[{"field": "grade", "certificate": "D", "expected": "M"}])

    InvestigationFactory(reference="INV-2026-001", programme=programme_a, opened_on=date(2026, 12, 1),
                         kind=Investigation.Kind.LATE_REGISTRATION)
    InvestigationFactory(reference="INV-2026-002", opened_on=date(2026, 6, 1), closed_on=date(2026, 8, 1), state="closed")
    InvestigationFactory(reference="INV-2027-009", opened_on=date(2027, 9, 5))
    InvestigationFactory(reference="INV-2026-003", programme=programme_b, opened_on=date(2026, 10, 1),
                         closed_on=date(2027, 3, 1), state="closed", kind=Investigation.Kind.EARLY_CLAIM,
                         outcome="no_case", pearson_form="M2", pearson_sent_on=date(2027, 2, 1))
    return {"a1": a1, "b1": b1, "c1": c1, "c3": c3}


def _row(report, name):
    return next(r for r in report.rows if r[0] == name)


# --- figures ---------------------------------------------------------------------------------------


def test_registration_figures(planted, senior_leader, programme_a, programme_b):
    report = reports.registration_report(user=senior_leader, **YEAR)
    assert report.columns[:4] == ["Programme", "Sent", "On time", "Late"]
    sport = _row(report, programme_a.name)
    assert sport[1:4] == [3, 1, 2]
    assert sport[4] == "Late (2 Nov–23 Dec): 1; Late (24 Dec–31 Jan): 1"
    assert sport[5:] == [0, 1, 1, 1, 1, 1, 1]  # early, due-not-sent, lists, signed, discrepancies, open, owed
    business = _row(report, programme_b.name)
    assert business[1:4] == [1, 1, 0] and business[5] == 1  # sent before enrolment
    assert business[7:] == [1, 0, 1, 0, 0]  # list not signed off; discrepancy resolved; notification sent
    assert _row(report, reports.NO_PROGRAMME)[-1] == 1  # a notification about the learner, not a registration
    assert report.totals[1:4] == [4, 2, 2] and report.totals[-1] == 2
    headline = dict(report.headline)
    assert headline["On time"] == "2 (50%)" and headline["Check lists signed off"] == "1 of 2"


def test_registration_figures_for_one_programme(planted, senior_leader, programme_a):
    report = reports.registration_report(user=senior_leader, programme=programme_a, **YEAR)
    assert [r[0] for r in report.rows] == [programme_a.name]
    assert report.totals[-1] == 1  # the learner-only notification is not the programme's


def test_period_moves_the_figures(planted, senior_leader, programme_a):
    report = reports.registration_report(user=senior_leader, date_from=date(2026, 9, 1), date_to=date(2026, 10, 31))
    assert _row(report, programme_a.name)[1:4] == [1, 1, 0]  # only the October registration; the others later


def test_claim_figures(planted, senior_leader, programme_a, programme_b):
    report = reports.claims_report(user=senior_leader, **YEAR)
    # claims, early, on time, late, blocked, unit not verified, sampled, coverage, agreed, discrepancy, unresolved, pending
    assert _row(report, programme_a.name)[1:] == [2, 0, 1, 1, 0, 1, 1, "50%", 1, 0, 0, 0]
    assert _row(report, programme_b.name)[1:] == [1, 1, 0, 0, 1, 0, 1, "100%", 0, 1, 1, 0]
    assert report.totals[1:9] == [3, 1, 1, 1, 1, 1, 2, "67%"]
    headers, rows = report.detail()
    assert len(rows) == 3 and headers[0] == "Programme"
    assert {r[-1] for r in rows} == {"Agreed", "Discrepancy", ""}


def test_certificate_figures(planted, senior_leader, programme_a, programme_b):
    report = reports.certificates_report(user=senior_leader, **YEAR)
    # claimed, received, awaited, discrepancies, replaced, issued, unclaimed, destroyed, waiting to issue
    assert _row(report, programme_a.name)[1:] == [2, 1, 1, 0, 0, 1, 0, 0, 0]
    assert _row(report, programme_b.name)[1:] == [1, 1, 0, 1, 0, 0, 0, 0, 1]
    _headers, rows = report.detail()
    assert [r[2] for r in rows] == ["C0002", "C0001"] and rows[0][7] == "grade"


def test_investigations_register(planted, senior_leader):
    report = reports.investigations_report(user=senior_leader, **YEAR)
    assert [r[0] for r in report.rows] == ["INV-2026-003", "INV-2026-001"]  # open in the period, oldest first
    assert dict(report.headline)["Closed by the end of the period"] == 1
    assert report.rows[0][7] == "M2 01/02/2027"


def test_investigations_are_not_for_subject_leads(planted, lead_a):
    assert reports.investigations_report(user=lead_a, **YEAR).rows == []
    assert reports.registration_report(user=lead_a, **YEAR).rows == []


def test_integrity_and_retention_figures(planted, senior_leader, exams_officer):
    old = LearnerFactory()
    RegistrationFactory(learner=old, state=Registration.State.CERTIFICATED, certificated_on=date(2019, 7, 1))
    kept = LearnerFactory()
    RegistrationFactory(learner=kept, state=Registration.State.CERTIFICATED, certificated_on=date(2019, 7, 1))
    RetentionHold.objects.create(learner=kept, reason="Appeal pending", placed_by=exams_officer)
    screen = reports.integrity_report(user=senior_leader, **YEAR)
    headline = dict(screen.headline)
    assert headline["Audit trail"] == "never verified"
    assert headline["Learners the next purge would remove"] == 1 and headline["Kept by a retention hold"] == 1
    assert screen.rows == []  # the per-table dry run is left to the PDF job
    printed = reports.integrity_report(user=senior_leader, verify_now=True, retention_counts=True, **YEAR)
    assert dict(printed.headline)["Audit trail"] == "intact"
    counts = dict(printed.rows)
    assert counts["learners_learner"] == 1 and counts["registrations_registration"] == 1


def test_charts_scale_to_the_largest_bar():
    chart = reports.Chart("t", [reports.Bar("a", 5), reports.Bar("b", 10), reports.Bar("c", 0)])
    assert [b.width for b in chart.bars] == [150, 300, 0]
    assert [b.y for b in chart.bars] == [0, 22, 44]


def test_report_figures_take_a_fixed_number_of_queries(planted, senior_leader, programme_a, programme_b,
                                                       django_assert_max_num_queries, exams_officer):
    def run():
        for slug in ("registrations", "claims", "certificates", "investigations"):
            report = reports.build(slug, user=senior_leader, **YEAR)
            report.detail()

    with django_assert_max_num_queries(40) as small:
        run()
    for i in range(15):  # many more registrations, claims, certificates and investigations
        reg = _sent(programme_a if i % 2 else programme_b, noon(2026, 11, 20))
        claim = _claim(reg, exams_officer, submitted_on=date(2027, 6, 2))
        Certificate.objects.create(claim=claim, number=f"X{i}", name_printed="N", qualification="Q",
                                   received_on=date(2027, 8, 2))
        InvestigationFactory(opened_on=date(2027, 1, 1), programme=programme_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        run()


# --- pages, PDFs and spreadsheets ----------------------------------------------------------------------


@pytest.mark.parametrize("persona,status", [
    ("exams_officer", 200), ("quality_nominee", 200), ("senior_leader", 200), ("lead_a", 403), ("outsider", 403),
])
def test_role_matrix(client, personas, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("audit:report_index")).status_code == status
    for slug in reports.REPORTS:
        assert client.get(reverse("audit:report_detail", args=[slug]), QUERY).status_code == status
    assert client.get(reverse("audit:report_xlsx", args=["claims"]), QUERY).status_code == status
    assert client.post(reverse("audit:report_pdf", args=["claims"]), QUERY).status_code == (302 if status == 200 else 403)


def test_reports_link_in_the_navigation(client, senior_leader, lead_a):
    client.force_login(senior_leader)
    assert reverse("audit:report_index") in client.get(reverse("core:home")).content.decode()
    client.force_login(lead_a)
    assert reverse("audit:report_index") not in client.get(reverse("core:home")).content.decode()


def test_screen_report_shows_the_figures_and_filters(client, planted, senior_leader, programme_a, programme_b):
    client.force_login(senior_leader)
    page = client.get(reverse("audit:report_detail", args=["registrations"]), {**QUERY, "programme": programme_a.pk})
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1>") == 1
    assert programme_a.name in html and programme_b.name not in html.split("<h2>Per programme</h2>")[1]
    assert "<svg" in html and "Late (24 Dec–31 Jan): 1" in html


def test_screen_report_defaults_to_the_academic_year(client, senior_leader):
    client.force_login(senior_leader)
    start, end = reports.default_period()
    html = client.get(reverse("audit:report_detail", args=["claims"])).content.decode()
    assert f"{start:%d/%m/%Y} to {end:%d/%m/%Y}" in html


@pytest.mark.parametrize("slug", ["registrations", "integrity"])
def test_impossible_period_gets_a_clear_message(client, senior_leader, slug):
    client.force_login(senior_leader)
    page = client.get(reverse("audit:report_detail", args=[slug]), {"date_from": "31/08/2027", "date_to": "01/09/2026"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "The end of the period (01/09/2026) is before its start (31/08/2027)" in html
    assert "Headline figures" not in html
    bad = client.post(reverse("audit:report_pdf", args=[slug]), {"date_from": "31/08/2027", "date_to": "01/09/2026"})
    assert bad.status_code == 200 and not BackgroundJob.objects.exists()
    assert "is before its start" in client.get(reverse("audit:report_xlsx", args=["claims"]),
                                               {"date_from": "31/08/2027", "date_to": "01/09/2026"}).content.decode()


def test_unreadable_date_is_refused(client, senior_leader):
    client.force_login(senior_leader)
    html = client.get(reverse("audit:report_detail", args=["claims"]), {"date_from": "2026-13-45", "date_to": "x"}).content.decode()
    assert "Enter a valid date" in html and "Headline figures" not in html


def test_unknown_report_is_404(client, senior_leader):
    client.force_login(senior_leader)
    assert client.get(reverse("audit:report_detail", args=["nonsense"])).status_code == 404
    assert client.get(reverse("audit:report_xlsx", args=["integrity"]), QUERY).status_code == 404  # not tabular


def test_spreadsheet_content_and_audit_event(client, planted, senior_leader, programme_a):
    client.force_login(senior_leader)
    response = client.get(reverse("audit:report_xlsx", args=["registrations"]), QUERY)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    wb = load_workbook(io.BytesIO(response.content))
    summary = list(wb["Summary"].iter_rows(values_only=True))
    assert summary[0][:2] == ("Report", "Registration timeliness and accuracy")
    assert summary[1][:2] == ("Period", "01/09/2026 to 31/08/2027")
    header = next(i for i, r in enumerate(summary) if r[:2] == ("Programme", "Sent"))
    sport = next(r for r in summary[header + 1:] if r[0] == programme_a.name)
    assert sport[1:4] == (3, 1, 2)
    detail = list(wb["Detail"].iter_rows(values_only=True))
    assert len(detail) == 1 + 4 and detail[0][7] == "Timeliness"
    assert sorted(r[7] for r in detail[1:]) == ["Late", "Late", "On time", "On time"]
    event = AuditEvent.objects.get(action="audit.report.exported")
    assert event.actor == senior_leader and event.data["report"] == "registrations" and event.data["rows"] == 4


def test_spreadsheet_is_formula_safe(client, programme_a, senior_leader, exams_officer):
    reg = _sent(programme_a, noon(2026, 11, 20), late_reason="=HYPERLINK(\"http://evil\")")
    client.force_login(senior_leader)
    wb = load_workbook(io.BytesIO(client.get(reverse("audit:report_xlsx", args=["registrations"]), QUERY).content))
    cell = next(row[9] for row in wb["Detail"].iter_rows() if row[9].value == reg.late_reason)
    assert cell.data_type == "s"


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def _make_pdf(client, user, slug, captured, **query):
    client.force_login(user)
    with captured(execute=True):
        response = client.post(reverse("audit:report_pdf", args=[slug]), {**QUERY, **query})
    assert response.status_code == 302
    job = BackgroundJob.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.message
    return job


EXPECTED_TEXT = {
    "registrations": ["Registration timeliness and accuracy", "Late (24 Dec–31 Jan): 1", "Notifications", "Sport L3"],
    "claims": ["Certification claims", "Coverage", "Unit not verified", "Business L3"],
    "certificates": ["Certificates", "Awaited", "Waiting to issue", "Sport L3"],
    "investigations": ["Investigations register", "INV-2026-001", "INV-2026-003", "Late registration"],
    "integrity": ["Audit-trail integrity and retention", "Verified for this report", "intact", "Retention holds in force"],
}


@pytest.mark.parametrize("slug", list(reports.REPORTS))
def test_each_report_renders_to_pdf(client, planted, senior_leader, slug, django_capture_on_commit_callbacks):
    job = _make_pdf(client, senior_leader, slug, django_capture_on_commit_callbacks)
    data = bytes(job.result_data)
    assert data.startswith(b"%PDF") and job.result_filename == f"audit-report-{slug}-20260901-20270831.pdf"
    text = _pdf_text(data)
    pages = text.split("\f")
    cover = pages[0]
    assert "Audit report for senior management" in cover and "01/09/2026 to 31/08/2027" in cover
    assert "Generated by" in cover and "Sam Leader" in cover and "All programmes" in cover
    assert "Page 1 of" in cover
    assert "01/09/2026 to 31/08/2027" in pages[1]  # the running header
    for expected in EXPECTED_TEXT[slug]:
        assert expected in text, expected
    assert "Signature" in text and "Headline figures" in text
    event = AuditEvent.objects.get(action="audit.report.generated")
    assert event.actor == senior_leader and event.data["report"] == slug
    assert AuditEvent.objects.filter(action="audit.report.requested", actor=senior_leader).count() == 1
    assert ("spreadsheet" in text) == (slug != "integrity")
    if slug == "integrity":  # the fresh check is the integrity page's "last verification" from now on
        assert AuditEvent.objects.get(action="audit.trail.verified").data["intact"] is True


def test_long_table_repeats_its_header_on_every_page(client, senior_leader, exams_officer, centre,
                                                     django_capture_on_commit_callbacks):
    for i in range(60):
        ProgrammeFactory(centre=centre, name=f"Programme {i:02d} (2026–28)")
    job = _make_pdf(client, senior_leader, "registrations", django_capture_on_commit_callbacks)
    pages = [p for p in _pdf_text(bytes(job.result_data)).split("\f") if "Programme 3" in p or "Programme 5" in p]
    assert len(pages) >= 2
    assert all("Discrepancies" in p and "Notifications" in p and "enrolment" in p for p in pages)
    assert sum("All programmes" in p for p in pages) == 1  # the totals row is printed once, at the end


def test_pdf_for_one_programme_names_it(client, planted, senior_leader, programme_b, django_capture_on_commit_callbacks):
    job = _make_pdf(client, senior_leader, "claims", django_capture_on_commit_callbacks, programme=programme_b.pk)
    text = _pdf_text(bytes(job.result_data))
    assert "Business L3" in text.split("\f")[0] and "Sport L3" not in text
    assert job.parameters["programme_id"] == programme_b.pk


def test_pdf_download_is_an_audit_event_and_only_for_the_requester(client, planted, senior_leader, exams_officer,
                                                                     django_capture_on_commit_callbacks):
    job = _make_pdf(client, senior_leader, "certificates", django_capture_on_commit_callbacks)
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert reverse("core:job_download", args=[job.pk]) in page and job.result_filename in page
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(action="core.job.downloaded")
    assert event.actor == senior_leader and event.data["kind"] == "audit.report.pdf"
    client.force_login(exams_officer)
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
