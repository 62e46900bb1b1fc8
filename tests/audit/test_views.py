"""Audit pages: who may see what (role × URL), query counts, and the investigation pages end to end."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import Investigation, InvestigationEvidence
from audit.services import record
from tests.audit.factories import InvestigationFactory
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

WHOLE = {"exams_officer", "quality_nominee", "senior_leader"}


@pytest.fixture
def investigation(db, registration_a):
    return InvestigationFactory(learner=registration_a.learner)


def _pages(investigation, registration_a):
    return {
        reverse("audit:event_list"): WHOLE,
        reverse("audit:integrity"): WHOLE,
        reverse("audit:retention"): WHOLE,
        reverse("audit:broken_links"): WHOLE,
        reverse("audit:investigation_list"): WHOLE,
        reverse("audit:investigation_detail", args=[investigation.pk]): WHOLE,
        reverse("audit:investigation_new"): {"exams_officer", "quality_nominee"},
        reverse("audit:learner_trace", args=[registration_a.learner_id]): WHOLE | {"lead_a"},
    }


def test_role_by_url_matrix(client, personas, investigation, registration_a):
    for url, allowed in _pages(investigation, registration_a).items():
        for name, user in personas.items():
            client.force_login(user)
            status = client.get(url).status_code
            if name in allowed:
                assert status == 200, (url, name, status)
            elif name == "lead_b" and "trace" in url:
                assert status == 404, (url, name, status)  # a learner not on lead_b's programmes
            else:
                assert status == 403, (url, name, status)


def test_subject_lead_cannot_act_on_an_investigation(client, lead_a, investigation):
    client.force_login(lead_a)
    url = reverse("audit:investigation_action", args=[investigation.pk, "start"])
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_event_list_filters(client, exams_officer, lead_a):
    record(exams_officer, "learners.mis.imported", data={"rows": 3})
    record(lead_a, "auth.logout")
    client.force_login(exams_officer)
    body = client.get(reverse("audit:event_list"), {"action": "learners."}).content.decode()
    assert "learners.mis.imported" in body and "auth.logout" not in body
    body = client.get(reverse("audit:event_list"), {"actor": "lead_a"}).content.decode()
    assert "auth.logout" in body and "learners.mis.imported" not in body
    response = client.get(reverse("audit:event_list"), {"date_from": "02/01/2027", "date_to": "01/01/2027"})
    assert "must not be after" in response.content.decode()


@pytest.mark.parametrize("n", [3, 30])
def test_event_list_query_count(client, exams_officer, django_assert_max_num_queries, n):
    for i in range(n):
        record(exams_officer, f"test.thing{i}.done", data={"i": i})
    client.force_login(exams_officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("audit:event_list")).status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_investigation_list_query_count(client, exams_officer, django_assert_max_num_queries, n):
    for _ in range(n):
        InvestigationFactory()
    client.force_login(exams_officer)
    # 16 for the register itself, plus a fixed number of set-based queries per app's breach detector
    with django_assert_max_num_queries(20):
        assert client.get(reverse("audit:investigation_list")).status_code == 200


def test_late_registration_is_offered_and_opened_from_the_register(client, exams_officer, senior_leader, programme_a):
    late = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, state="submitted",
                               pearson_registration_number="", registered_on=None)
    from django.utils import timezone

    from registrations.models import Registration

    Registration.objects.filter(pk=late.pk).update(submitted_at=timezone.make_aware(timezone.datetime(2026, 11, 20, 10)))
    client.force_login(exams_officer)
    body = client.get(reverse("audit:investigation_list")).content.decode()
    assert "Open an investigation" in body and late.learner.full_legal_name in body
    new_url = reverse("audit:investigation_new") + f"?breach_key=registrations.late:{late.pk}&object_type=registrations.registration&object_id={late.pk}&kind=late_registration"
    response = client.get(new_url)
    assert response.status_code == 200
    response = client.post(new_url, {
        "kind": "late_registration", "summary": "Sent 19 days late", "investigator": senior_leader.pk,
        "reason": "Breach found", "breach_key": f"registrations.late:{late.pk}",
        "object_type": "registrations.registration", "object_id": str(late.pk), "learner_id": "",
    })
    inv = Investigation.objects.get()
    assert response.status_code == 302 and inv.learner == late.learner and inv.breach_key.endswith(str(late.pk))
    assert late.learner.full_legal_name not in client.get(reverse("audit:investigation_list")).content.decode().split("not yet investigated")[1]


def test_investigation_pages_workflow_and_evidence_download(client, exams_officer, senior_leader, investigation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(exams_officer)
    url = reverse("audit:investigation_evidence_add", args=[investigation.pk])
    client.post(url, {"note": "Letter", "file": SimpleUploadedFile("letter.txt", b"hello")})
    evidence = InvestigationEvidence.objects.get()
    assert bytes(evidence.file_data) == b"hello"
    response = client.get(reverse("audit:investigation_evidence_download", args=[investigation.pk, evidence.pk]))
    assert response.content == b"hello"
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="audit.evidence.downloaded").exists()
    action = lambda name: reverse("audit:investigation_action", args=[investigation.pk, name])  # noqa: E731
    client.post(action("conclude"), {"outcome": "no_case", "conclusion": "Fine", "reason": "x"})
    response = client.post(action("report_pearson"), {"pearson_form": "M2", "pearson_sent_on": "01/01/2027", "reason": "x"}, follow=True)
    assert "must acknowledge the report" in response.content.decode()
    client.post(action("report_sl"), {"reason": "x"})
    client.force_login(senior_leader)
    assert "Acknowledge this report" in client.get(investigation.get_absolute_url()).content.decode()
    client.post(action("acknowledge"), {"reason": "Read"})
    investigation.refresh_from_db()
    assert investigation.acknowledged_by == senior_leader
    client.force_login(exams_officer)
    client.post(action("close"), {"reason": "No case"})
    investigation.refresh_from_db()
    assert investigation.state == "closed"


def test_integrity_verify_runs_as_a_job(client, exams_officer, django_capture_on_commit_callbacks):
    client.force_login(exams_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit:integrity_verify"))
    assert response.status_code == 302
    from core.models import BackgroundJob

    job = BackgroundJob.objects.get()
    assert job.status == "succeeded" and job.summary["intact"] is True
    assert "intact" in client.get(reverse("audit:integrity")).content.decode()


def test_retention_page_lists_who_the_next_run_removes(client, exams_officer, programme_a):
    old = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, state="certificated", certificated_on=date(2020, 7, 1))
    client.force_login(exams_officer)
    body = client.get(reverse("audit:retention")).content.decode()
    assert str(old.learner) in body and "kept until" in body.lower()


def test_pearson_reference_is_recorded_on_the_page_and_then_the_case_closes(client, exams_officer, investigation):
    from django.utils import timezone

    Investigation.objects.filter(pk=investigation.pk).update(
        state=Investigation.State.REPORTED_TO_PEARSON, outcome="maladministration", pearson_form="M2",
        pearson_sent_on=timezone.localdate(), pearson_reference="",
    )
    client.force_login(exams_officer)
    url = reverse("audit:investigation_detail", args=[investigation.pk])
    assert "Record Pearson's reference" in client.get(url).content.decode()
    action = reverse("audit:investigation_action", args=[investigation.pk, "pearson_reference"])
    client.post(action, {"pearson_reference": "", "reason": "x"})
    investigation.refresh_from_db()
    assert investigation.pearson_reference == ""
    client.post(action, {"pearson_reference": "MAL/77", "reason": "Pearson replied"})
    investigation.refresh_from_db()
    assert investigation.pearson_reference == "MAL/77"
    body = client.get(url).content.decode()
    assert "MAL/77" in body and "Close the investigation" in body
    client.post(reverse("audit:investigation_action", args=[investigation.pk, "close"]), {"reason": "Done"})
    investigation.refresh_from_db()
    assert investigation.state == Investigation.State.CLOSED
