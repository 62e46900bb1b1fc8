"""Registration statements, the learner's personal link, and the told/confirmed counts."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from checks.models import Discrepancy, Statement
from checks.services import statement_token, statements_issue
from core.models import BackgroundJob
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(exams_officer, registration_a):
    (s,) = statements_issue(actor=exams_officer, registrations=[registration_a], method=Statement.Method.PRINTED)
    return s


def _link(statement):
    return reverse("checks:statement_link", args=[statement_token(statement)])


def test_valid_link_shows_only_that_learners_details_without_login(client, statement, registration_a, registration_b):
    # A name no factory makes, so it cannot appear on A's page by coincidence (it did, now and then).
    type(registration_b.learner).objects.filter(pk=registration_b.learner_id).update(legal_last_name="QUIXOTEB")
    registration_b.learner.legal_last_name = "QUIXOTEB"
    r = client.get(_link(statement))
    body = r.content.decode()
    assert r.status_code == 200
    assert registration_a.learner.legal_last_name in body and registration_a.pearson_registration_number in body
    assert registration_b.learner.legal_last_name not in body
    assert "Sign out" not in body  # nobody is logged in


def test_confirm_once_then_the_link_is_used(client, statement):
    link = _link(statement)
    r = client.post(link, {"response": "confirmed"})
    assert r.status_code == 200 and "confirmed" in r.content.decode()
    statement.refresh_from_db()
    assert statement.response == "confirmed" and statement.responded_at
    assert statement.history.first().history_change_reason.startswith("The learner confirmed")
    r = client.get(link)
    assert r.status_code == 410 and "already been used" in r.content.decode()
    r = client.post(link, {"response": "reported", "text": "late change"})
    assert r.status_code == 410
    statement.refresh_from_db()
    assert statement.response == "confirmed" and not Discrepancy.objects.exists()


def test_report_becomes_a_discrepancy_for_the_exams_officer(client, statement, registration_a, exams_officer):
    link = _link(statement)
    r = client.post(link, {"response": "reported"})
    assert "Tell us what is wrong" in r.content.decode()
    statement.refresh_from_db()
    assert statement.responded_at is None  # nothing saved
    client.post(link, {"response": "reported", "field": "legal_last_name", "correct_value": "O'NEILL", "text": "Apostrophe missing"})
    d = Discrepancy.objects.get()
    assert (d.kind, d.state, d.registration, d.correct_value, d.raised_by) == (
        "learner_report", "open", registration_a, "O'NEILL", None)
    client.force_login(exams_officer)
    assert "Apostrophe missing" in client.get(reverse("checks:discrepancy_list") + "?state=open").content.decode()


def test_tampered_link_changes_nothing(client, statement):
    token = statement_token(statement)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (tampered, "garbage", token.replace(token.split(":")[0], "eyJuIjoiZm9vIn0")):
        r = client.post(reverse("checks:statement_link", args=[bad]), {"response": "confirmed"})
        assert r.status_code == 400 and "not valid" in r.content.decode()
    statement.refresh_from_db()
    assert statement.responded_at is None
    assert AuditEvent.objects.filter(action="checks.statement_link.refused").count() == 3


def test_expired_link_changes_nothing(client, statement):
    link = _link(statement)
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        r = client.post(link, {"response": "confirmed"})
    assert r.status_code == 410 and "expired" in r.content.decode()
    statement.refresh_from_db()
    assert statement.responded_at is None


def test_print_job_makes_one_pdf_and_records_who_was_told(
    client, exams_officer, programme_a, registration_a, django_capture_on_commit_callbacks
):
    RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    client.force_login(exams_officer)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("checks:programme_statements", args=[programme_a.pk]), {"how": "print"})
    job = BackgroundJob.objects.get()
    job.refresh_from_db()
    assert r.status_code == 302 and r.url == reverse("core:job_detail", args=[job.pk])
    assert job.status == "succeeded", job.message
    assert bytes(job.result_data).startswith(b"%PDF") and job.summary == {"Statements": 2}
    assert Statement.objects.filter(method="printed").count() == 2
    body = client.get(reverse("checks:programme_statements", args=[programme_a.pk])).content.decode()
    assert "Not yet told" not in body and "printed" in body


def test_email_job_sends_personal_links(client, exams_officer, programme_a, registration_a, django_capture_on_commit_callbacks):
    no_email = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, learner__email="")
    client.force_login(exams_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("checks:programme_statements", args=[programme_a.pk]), {"how": "email"})
    job = BackgroundJob.objects.get()
    assert job.status == "succeeded", job.message
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [registration_a.learner.email]
    statement = Statement.objects.get(method="emailed")
    assert statement_token(statement)[:10] in mail.outbox[0].body
    assert job.summary["No e-mail address"] == 1 and no_email.learner.full_legal_name in job.summary["Print statements for"]
    assert AuditEvent.objects.filter(action="checks.statement.emailed").count() == 1


def test_statement_permissions(client, personas, programme_a, programme_b):
    url = reverse("checks:programme_statements", args=[programme_a.pk])
    expected = {"exams_officer": 200, "quality_nominee": 200, "senior_leader": 200, "lead_a": 200, "lead_b": 404, "outsider": 403}
    for name, status in expected.items():
        client.force_login(personas[name])
        assert client.get(url).status_code == status, name
    for name in ("quality_nominee", "lead_a"):
        client.force_login(personas[name])
        assert client.post(url, {"how": "print"}).status_code == 403
    assert not BackgroundJob.objects.exists()


def test_single_statement_pdf(client, exams_officer, registration_a):
    client.force_login(exams_officer)
    r = client.post(reverse("checks:registration_statement_pdf", args=[registration_a.pk]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert Statement.objects.filter(registration=registration_a).count() == 1


def test_home_counts_registered_learners_not_told_and_learner_page_shows_status(
    client, exams_officer, lead_a, registration_a, registration_b, statement
):
    client.force_login(exams_officer)
    body = client.get("/").content.decode()
    assert "1 <span>registered learner not yet told" in body
    client.force_login(lead_a)
    assert "0 <span>registered learners not yet told" in client.get("/").content.decode()
    client.force_login(exams_officer)
    body = client.get(registration_a.learner.get_absolute_url()).content.decode()
    assert "Told about their registration" in body and "Printed" in body and "No answer yet" in body
    body = client.get(registration_b.learner.get_absolute_url()).content.decode()
    assert "Not yet told" in body


def test_statement_and_snapshot_show_what_pearson_holds_while_a_correction_is_owed(
    client, frozen, exams_officer, registration_a
):
    """A correction made here but not yet sent to Pearson: the statement and the check list show
    what Pearson still holds, and the statement says the correction is on its way."""
    from datetime import date

    from checks.services import round_open
    from learners.services import learner_update
    from registrations.models import PearsonNotification
    from registrations.services import notification_mark_sent

    learner = registration_a.learner
    held_name, held_dob = learner.legal_last_name, learner.date_of_birth
    learner_update(actor=exams_officer, learner=learner, reason="Deed poll",
                   changes={"legal_last_name": "SMYTHE", "date_of_birth": date(2009, 2, 3)})
    learner_update(actor=exams_officer, learner=learner, reason="Typo in the deed poll entry",
                   changes={"legal_last_name": "SMYTH"})
    learner.refresh_from_db()
    (s,) = statements_issue(actor=exams_officer, registrations=[registration_a], method=Statement.Method.PRINTED)
    assert s.details["legal_last_name"] == held_name  # the oldest owed correction's "before"
    assert s.details["date_of_birth"] == held_dob.strftime("%d/%m/%Y")
    assert {p["field"]: p["value"] for p in s.details["pending"]} == {
        "Legal last name": "SMYTH", "Date of birth": "03/02/2009"}
    page = client.get(_link(s))
    assert held_name in page.content.decode() and "Already being corrected" in page.content.decode()

    line = round_open(actor=exams_officer, name="R", due_date=date(2026, 11, 30)).checks.get(
        programme=registration_a.programme).lines.get(registration=registration_a)
    assert (line.legal_last_name, line.date_of_birth) == (held_name, held_dob)

    for n in PearsonNotification.objects.filter(learner=learner):
        notification_mark_sent(actor=exams_officer, notification=n)
    (s2,) = statements_issue(actor=exams_officer, registrations=[registration_a], method=Statement.Method.EMAILED)
    assert s2.details["legal_last_name"] == "SMYTH" and s2.details["pending"] == []


def test_registration_page_shows_when_and_how_the_learner_was_told_and_their_answer(client, exams_officer, lead_a, statement, registration_a):
    url = reverse("registrations:registration_detail", args=[registration_a.pk])
    client.force_login(exams_officer)
    body = client.get(url).content.decode()
    assert "Learner told about this registration" in body
    assert f"{timezone.localtime(statement.issued_at):%d/%m/%Y}" in body and "Printed" in body and "No answer yet" in body
    client.logout()
    client.post(_link(statement), {"response": "confirmed"})
    client.force_login(lead_a)  # the subject lead of the programme sees it too
    assert "Confirmed the details" in client.get(url).content.decode()


def test_registration_page_says_not_yet_told(client, exams_officer, registration_a):
    client.force_login(exams_officer)
    body = client.get(reverse("registrations:registration_detail", args=[registration_a.pk])).content.decode()
    assert "Not yet told" in body
