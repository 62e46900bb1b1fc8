"""Pages: role × URL matrix, scoping (404 for other programmes), page journeys and query counts."""

from datetime import date

import pytest
from django.urls import reverse

from certification import services
from certification.models import AssessmentRecord, CertificateClaim, CertificationSetting
from tests.certification.conftest import CLAIM_DAY, assess_all, make_units
from tests.factories import ProgrammeFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(registration_a, registration_b, units_a, units_b, assessor, lead_a, lead_b, exams_officer, quality_nominee, at_claim_time):
    CertificationSetting.objects.create(centre=registration_a.learner.centre, sample_before_export=False)
    records = assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a)
    assess_all(registration_b, units_b, assessor=assessor, verifier=lead_b)
    claim = services.claim_mark_ready(actor=exams_officer, claim=services.claim_create(actor=exams_officer, registration=registration_a, kind="full"))
    batch = services.batch_create(actor=exams_officer, name="B1", claims=[claim])
    rnd = services.round_open(actor=quality_nominee, name="R1", batch=batch, sample_all=True, seed=9)
    services.batch_submit(actor=exams_officer, batch=batch, submitted_on=CLAIM_DAY)
    learner = registration_a.learner
    cert = services.certificate_receive(actor=exams_officer, claim=claim, number="N1", name_printed="WRONG NAME",
                                        qualification=registration_a.programme.qualification.qan, grade="D",
                                        units=[{"number": n, "grade": "M"} for n in "1234"], received_on=CLAIM_DAY,
                                        date_of_birth=learner.date_of_birth)
    return {"record": records["1"], "claim": claim, "batch": batch, "round": rnd, "sample": rnd.samples.get(), "cert": cert,
            "pa": registration_a.programme, "pb": registration_b.programme}


PAGES = [
    ("programme_list", None), ("programme_records", "pa"), ("programme_readiness", "pa"), ("record_detail", "record"),
    ("claim_list", None), ("claim_detail", "claim"), ("batch_list", None), ("batch_detail", "batch"),
    ("round_list", None), ("round_detail", "round"), ("sample_detail", "sample"), ("certificate_list", None),
    ("certificate_detail", "cert"), ("certificate_log", None), ("records_import", "pa"),
]
EXPECTED = {  # role -> names answering 200 (others 403, or 404 when out of scope)
    "exams_officer": {"programme_list", "programme_records", "programme_readiness", "record_detail", "claim_list", "claim_detail",
                      "batch_list", "batch_detail", "round_list", "round_detail", "sample_detail", "certificate_list",
                      "certificate_detail", "certificate_log"},
    "lead_a": {"programme_list", "programme_records", "programme_readiness", "record_detail", "claim_list", "claim_detail",
               "certificate_list", "certificate_detail", "records_import"},
    "lead_b": {"programme_list", "claim_list", "certificate_list"},
    "quality_nominee": {"programme_list", "programme_records", "programme_readiness", "record_detail", "claim_list", "claim_detail",
                        "batch_list", "batch_detail", "round_list", "round_detail", "sample_detail", "certificate_list", "certificate_detail"},
    "senior_leader": {"programme_list", "programme_records", "programme_readiness", "record_detail", "claim_list", "claim_detail",
                      "batch_list", "batch_detail", "round_list", "round_detail", "sample_detail", "certificate_list", "certificate_detail"},
    "outsider": set(),
}
LEAD_B_404 = {"programme_records", "programme_readiness", "record_detail", "claim_detail", "certificate_detail"}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_url_matrix(client, world, personas, role):
    client.force_login(personas[role])
    for name, key in PAGES:
        url = reverse(f"certification:{name}", args=[world[key].pk] if key else [])
        status = client.get(url).status_code
        if name in EXPECTED[role]:
            assert status == 200, (role, name, status)
        elif role == "lead_b" and name in LEAD_B_404:
            assert status == 404, (role, name, status)
        else:
            assert status in (403, 404), (role, name, status)


def test_lead_records_and_verifies_in_the_browser_pages(client, world, lead_a, registration_a, units_a, assessor):
    client.force_login(lead_a)
    url = reverse("certification:programme_records", args=[world["pa"].pk])
    r = client.post(url, {"registration": registration_a.pk, "unit": units_a["1"].pk, "attempt": "retake", "grade": "D",
                          "assessor": assessor.pk, "date_assessed": "01/05/2027", "authorised_by": lead_a.pk})
    assert "capped at Pass" in r.content.decode() and r.status_code == 200
    r = client.post(reverse("certification:record_detail", args=[world["record"].pk]),
                    {"action": "change", "grade": "D", "date_assessed": "01/03/2027", "reason": "Moderated up"})
    assert r.status_code == 302
    record = AssessmentRecord.objects.get(pk=world["record"].pk)
    assert record.grade == "D" and not record.iv_outcome
    r = client.post(reverse("certification:record_detail", args=[record.pk]), {"action": "verify", "iv_date": "02/03/2027", "outcome": "agreed"})
    assert AssessmentRecord.objects.get(pk=record.pk).is_verified


def test_lead_cannot_touch_another_programme(client, world, lead_b, registration_a, units_a, assessor):
    client.force_login(lead_b)
    assert client.post(reverse("certification:programme_records", args=[world["pa"].pk]), {}).status_code == 404
    assert client.post(reverse("certification:record_detail", args=[world["record"].pk]), {"action": "verify"}).status_code == 404


def test_only_qn_posts_sampling_outcomes(client, world, exams_officer, quality_nominee):
    url = reverse("certification:sample_detail", args=[world["sample"].pk])
    client.force_login(exams_officer)
    assert client.post(url, {"action": "outcome", "outcome": "agreed"}).status_code == 403
    client.force_login(quality_nominee)
    assert client.post(url, {"action": "outcome", "outcome": "agreed"}).status_code == 302
    r = client.get(reverse("certification:round_report", args=[world["round"].pk]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_certificate_discrepancy_page_lists_fields_and_issue_refused(client, world, exams_officer):
    client.force_login(exams_officer)
    r = client.get(reverse("certification:certificate_detail", args=[world["cert"].pk]))
    assert "WRONG NAME" in r.content.decode() and "Name" in r.content.decode()
    r = client.post(reverse("certification:certificate_action", args=[world["cert"].pk, "issue"]), {"issued_on": "01/06/2028", "method": "posted"}, follow=True)
    assert "Only a certificate that has been checked" in r.content.decode()
    r = client.get(reverse("certification:batch_export", args=[world["batch"].pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_home_panel_counts(client, world, exams_officer):
    client.force_login(exams_officer)
    r = client.get("/")
    body = " ".join(r.content.decode().split())
    assert r.status_code == 200
    # the world's certificate was printed with the wrong name: one discrepancy, nothing ready to issue
    assert ">1 certificate discrepancy open<" in body.replace("</a>", "<")
    assert "0 certificates ready to issue" in body


def _programme_with(n, centre, lead, assessor):
    programme = ProgrammeFactory(centre=centre, subject_leads=[lead])
    units = make_units(programme.qualification)
    for _ in range(n):
        reg = RegistrationFactory(programme=programme, learner__centre=centre)
        assess_all(reg, units, assessor=assessor, verifier=lead, skip=("4",))
    return programme


@pytest.mark.parametrize("name", ["programme_readiness", "programme_records"])
def test_query_counts_do_not_grow_with_learners(client, centre, lead_a, assessor, django_assert_max_num_queries, name):
    small = _programme_with(2, centre, lead_a, assessor)
    big = _programme_with(12, centre, lead_a, assessor)
    client.force_login(lead_a)
    with django_assert_max_num_queries(20):
        client.get(reverse(f"certification:{name}", args=[small.pk]))
    with django_assert_max_num_queries(20):
        client.get(reverse(f"certification:{name}", args=[big.pk]))


def test_list_query_counts(client, world, exams_officer, django_assert_max_num_queries):
    client.force_login(exams_officer)
    for name in ("claim_list", "certificate_list", "round_list", "batch_list"):
        with django_assert_max_num_queries(20):
            assert client.get(reverse(f"certification:{name}")).status_code == 200


def test_claim_create_via_readiness_page(client, centre, lead_a, exams_officer, assessor, at_claim_time):
    programme = _programme_with(1, centre, lead_a, assessor)
    reg = programme.registrations.get()
    client.force_login(exams_officer)
    r = client.post(reverse("certification:claim_create", args=[programme.pk]), {"registration": reg.pk, "kind": "interim"})
    claim = CertificateClaim.objects.get(registration=reg)
    assert r.status_code == 302 and claim.kind == "interim" and claim.units.count() == 3
    assert date(2028, 7, 5) == claim.deadline


def test_qn_discrepancy_opens_an_independent_investigation(client, world, quality_nominee, lead_a, senior_leader):
    from audit.models import Investigation
    from audit.selectors import offered_breaches

    sample = world["sample"]
    url = reverse("certification:sample_detail", args=[sample.pk])
    client.force_login(quality_nominee)
    client.post(url, {"action": "outcome", "outcome": "discrepancy", "notes": "Unit 2 graded M; evidence shows P"})
    assert "Open an investigation" in client.get(url).content.decode()
    key = f"certification.qn_discrepancy:{sample.pk}"
    assert key in {b.key for b in offered_breaches()}
    r = client.post(url, {"action": "investigate", "investigator": lead_a.pk})  # leads the programme: not independent
    assert r.status_code == 200 and "independent" in r.content.decode() and not Investigation.objects.exists()
    r = client.post(url, {"action": "investigate", "investigator": senior_leader.pk})
    assert r.status_code == 302
    inv = Investigation.objects.get()
    assert inv.breach_key == key and inv.kind == "inaccurate_claim" and "evidence shows P" in inv.summary
    assert inv.learner == sample.claim.registration.learner
    assert key not in {b.key for b in offered_breaches()}
    assert inv.reference in client.get(url).content.decode()


def test_lead_cannot_open_an_investigation(client, world, quality_nominee, lead_a, senior_leader):
    services.sample_record_outcome(actor=quality_nominee, sample=world["sample"], outcome="discrepancy", notes="x")
    client.force_login(lead_a)
    r = client.post(reverse("certification:sample_detail", args=[world["sample"].pk]), {"action": "investigate", "investigator": senior_leader.pk})
    assert r.status_code in (403, 404)


def test_home_panel_links_overdue_certificates(client, world, exams_officer, time_machine):
    from datetime import timedelta

    cert = world["cert"]
    services.certificate_ask_lead(actor=exams_officer, certificate=cert)
    services.certificate_lead_response(actor=cert.claim.registration.programme.subject_leads.first(), certificate=cert,
                                       response="The name is a known alias; accept")
    services.certificate_accept(actor=exams_officer, certificate=cert, reason="Lead confirmed")
    time_machine.move_to(CLAIM_DAY + timedelta(days=400))
    client.force_login(exams_officer)
    body = client.get("/").content.decode()
    assert "?status=overdue\">1 certificate uncollected for over 12 months" in body
    assert cert.number in client.get(reverse("certification:certificate_list") + "?status=overdue").content.decode()


def test_only_qn_finishes_a_round_and_others_get_403(client, world, exams_officer, senior_leader):
    url = reverse("certification:round_detail", args=[world["round"].pk])
    for user in (exams_officer, senior_leader):
        client.force_login(user)
        assert client.post(url).status_code == 403
    world["round"].refresh_from_db()
    assert world["round"].finished_at is None


def test_claim_page_shows_no_links_a_subject_lead_cannot_follow(client, world, lead_a):
    client.force_login(lead_a)
    html = client.get(reverse("certification:claim_detail", args=[world["claim"].pk])).content.decode()
    assert reverse("certification:batch_detail", args=[world["batch"].pk]) not in html
    assert reverse("certification:sample_detail", args=[world["sample"].pk]) not in html
    assert "B1" in html  # the batch is named, just not linked


def test_no_claim_can_be_started_for_a_certificated_registration(exams_officer, lead_a, registration_a, units_a, assessor, at_claim_time):
    from core.exceptions import DomainError

    assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a)
    registration_a.state = "certificated"
    registration_a.save()
    with pytest.raises(DomainError, match="certificated"):
        services.claim_create(actor=exams_officer, registration=registration_a, kind="full")
