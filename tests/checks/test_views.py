"""Pages: role × URL matrix, scoping by programme, htmx verdicts, exports, reminders, query counts."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from checks.models import CheckVerdict, Discrepancy
from checks.services import checklist_sign_off, verdict_record
from tests.factories import LearnerFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
V = CheckVerdict.Verdict


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    "persona, index, round_page, list_a_page, list_b_page, open_round",
    [
        ("exams_officer", 200, 200, 200, 200, 200),
        ("quality_nominee", 200, 200, 200, 200, 403),
        ("senior_leader", 200, 200, 200, 200, 403),
        ("lead_a", 200, 403, 200, 404, 403),
        ("lead_b", 200, 403, 404, 200, 403),
        ("outsider", 403, 403, 403, 403, 403),
    ],
)
def test_role_matrix(client, personas, persona, index, round_page, list_a_page, list_b_page, open_round, list_a, list_b):
    user = personas[persona]
    assert _get(client, user, reverse("checks:index")).status_code == index
    assert _get(client, user, list_a.round.get_absolute_url()).status_code == round_page
    assert _get(client, user, list_a.get_absolute_url()).status_code == list_a_page
    assert _get(client, user, list_b.get_absolute_url()).status_code == list_b_page
    assert _get(client, user, reverse("checks:round_open")).status_code == open_round
    for url in (reverse("checks:checklist_xlsx", args=[list_b.pk]),):
        assert _get(client, user, url).status_code == list_b_page


def test_lead_a_cannot_write_to_b_list_by_url(client, lead_a, list_b):
    client.force_login(lead_a)
    line = list_b.lines.first()
    r = client.post(reverse("checks:line_verdict", args=[line.pk]), {"verdict": "correct", "version": 0})
    assert r.status_code == 404
    assert client.post(reverse("checks:sign_off", args=[list_b.pk])).status_code == 404
    assert client.post(reverse("checks:missing_add", args=[list_b.pk]), {"first_name": "A", "last_name": "B"}).status_code == 404
    assert not CheckVerdict.objects.exists() and not Discrepancy.objects.exists()


def test_read_only_roles_cannot_write(client, quality_nominee, exams_officer, list_a):
    line = list_a.lines.first()
    for user in (quality_nominee, exams_officer):
        client.force_login(user)
        r = client.post(reverse("checks:line_verdict", args=[line.pk]), {"verdict": "correct", "version": 0})
        assert r.status_code in (403, 302)
    assert not CheckVerdict.objects.exists()
    client.force_login(quality_nominee)
    assert client.post(reverse("checks:reopen", args=[list_a.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("checks:round_remind", args=[list_a.round_id])).status_code == 403


def test_htmx_verdict_swaps_the_row_and_reports_conflicts(client, lead_a, list_a):
    client.force_login(lead_a)
    line = list_a.lines.first()
    url = reverse("checks:line_verdict", args=[line.pk])
    r = client.post(url, {"verdict": "incorrect", "field": "sex", "correct_value": "x", "version": 0}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Sex: enter M or F" in r.content.decode()
    assert r.content.decode().lstrip().startswith(f'<tr id="line-{line.pk}"')
    r = client.post(url, {"verdict": "correct", "version": 0}, HTTP_HX_REQUEST="true")
    assert "Saved." in r.content.decode() and 'name="version" value="1"' in r.content.decode()
    r = client.post(url, {"verdict": "not_on_programme", "version": 0}, HTTP_HX_REQUEST="true")
    assert "changed the verdict" in r.content.decode()
    assert CheckVerdict.objects.get(line=line).verdict == "correct"
    # without htmx: back to the list, with a message
    r = client.post(url, {"verdict": "not_on_programme", "version": 1})
    assert r.status_code == 302 and r.url.endswith(f"#line-{line.pk}")


def test_sign_off_page_flow_and_exports(client, lead_a, exams_officer, list_a):
    client.force_login(lead_a)
    r = client.post(reverse("checks:sign_off", args=[list_a.pk]), follow=True)
    assert "still need" in r.content.decode()
    for line in list_a.lines.all():
        verdict_record(actor=lead_a, line=line, verdict=V.CORRECT, expected_version=0)
    client.post(reverse("checks:missing_add", args=[list_a.pk]), {"first_name": "Zed", "last_name": "Missing", "date_of_birth": "01/02/2009"})
    r = client.post(reverse("checks:sign_off", args=[list_a.pk]), follow=True)
    body = r.content.decode()
    assert "signed off by Alex Ahmed" in body and "read-only" in body and 'name="verdict"' not in body
    xlsx = client.get(reverse("checks:checklist_xlsx", args=[list_a.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(xlsx.content)).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("Signed off by Alex Ahmed" in str(v) for v in values) and "Missing from the list" in values
    pdf = client.get(reverse("checks:checklist_pdf", args=[list_a.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="checks.checklist.exported").count() == 2
    # the exams officer reopens with a reason
    client.force_login(exams_officer)
    r = client.post(reverse("checks:reopen", args=[list_a.pk]), {"reason": ""}, follow=True)
    assert "Not reopened" in r.content.decode()
    client.post(reverse("checks:reopen", args=[list_a.pk]), {"reason": "Check the new starter"})
    list_a.refresh_from_db()
    assert list_a.signed_off_at is None


def test_open_round_page(client, exams_officer, programme_a, programme_b, registration_a, frozen):
    client.force_login(exams_officer)
    r = client.get(reverse("checks:round_open"))
    assert r.content.decode().count("checked") >= 2  # every active programme ticked
    r = client.post(reverse("checks:round_open"), {"name": "Autumn", "due_date": "30/11/2026", "programmes": [programme_a.pk]})
    assert r.status_code == 302
    r = client.get(r.url)
    assert "Sport L3" in r.content.decode() and "Business L3" not in r.content.decode()
    r = client.post(reverse("checks:round_open"), {"name": "Bad", "due_date": "01/01/2020", "programmes": [programme_a.pk]})
    assert "must not be in the past" in r.content.decode()


def test_reminders_email_unfinished_leads_with_links(client, exams_officer, lead_a, lead_b, list_a, list_b):
    for line in list_b.lines.all():
        verdict_record(actor=lead_b, line=line, verdict=V.CORRECT, expected_version=0)
    checklist_sign_off(actor=lead_b, check_list=list_b)
    client.force_login(exams_officer)
    r = client.post(reverse("checks:round_remind", args=[list_a.round_id]), follow=True)
    assert "Reminders sent to 1 subject lead" in r.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [lead_a.email]
    assert list_a.get_absolute_url() in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="checks.reminder.sent").count() == 1


def test_round_page_shows_states(client, exams_officer, lead_a, list_a, list_b):
    verdict_record(actor=lead_a, line=list_a.lines.first(), verdict=V.CORRECT, expected_version=0)
    client.force_login(exams_officer)
    body = client.get(list_a.round.get_absolute_url()).content.decode()
    assert "In progress" in body and "Not started" in body
    body = client.get(list_a.round.get_absolute_url() + "?state=not_started").content.decode()
    assert "Business L3" in body and "Sport L3" not in body


def test_discrepancy_pages_resolve_and_lead_sees_outcome(client, exams_officer, lead_a, lead_b, list_a, registration_a):
    line = list_a.lines.get(registration=registration_a)
    verdict_record(actor=lead_a, line=line, verdict=V.INCORRECT, field="legal_first_name", correct_value="Jo", expected_version=0)
    for other in list_a.lines.exclude(pk=line.pk):
        verdict_record(actor=lead_a, line=other, verdict=V.CORRECT, expected_version=0)
    checklist_sign_off(actor=lead_a, check_list=list_a)
    d = Discrepancy.objects.get()
    client.force_login(lead_b)
    assert client.get(d.get_absolute_url()).status_code == 404
    client.force_login(lead_a)
    assert client.post(d.get_absolute_url(), {"action": "dismiss", "reason": "x"}).status_code == 403
    client.force_login(exams_officer)
    r = client.post(d.get_absolute_url(), {"action": "correct", "reason": ""})
    assert "Nothing has been saved" in r.content.decode()
    r = client.post(d.get_absolute_url(), {"action": "correct", "value": "Jo", "reason": "Birth certificate seen"})
    assert r.status_code == 302
    client.force_login(lead_a)
    body = client.get(list_a.get_absolute_url()).content.decode()
    assert "Birth certificate seen" in body
    assert "Birth certificate seen" in client.get(reverse("checks:discrepancy_list")).content.decode()


def test_check_list_page_queries_do_not_grow(client, django_assert_max_num_queries, lead_a, programme_a, exams_officer, frozen):
    from checks.services import round_open

    for n in (5, 40):
        for _ in range(n):
            RegistrationFactory(programme=programme_a, learner=LearnerFactory(centre=programme_a.centre))
        r = round_open(actor=exams_officer, name=f"R{n}", due_date=date(2026, 12, 1), programmes=[programme_a])
        check_list = r.checks.get()
        for line in list(check_list.lines.all())[: n // 2]:
            verdict_record(actor=lead_a, line=line, verdict=V.CORRECT, expected_version=0)
        client.force_login(lead_a)
        with django_assert_max_num_queries(20):
            assert client.get(check_list.get_absolute_url()).status_code == 200


def test_round_and_discrepancy_list_queries_do_not_grow(client, django_assert_max_num_queries, exams_officer, centre, frozen):
    from checks.services import round_open
    from tests.factories import ProgrammeFactory

    for n in (3, 25):
        for _ in range(n):
            p = ProgrammeFactory(centre=centre)
            RegistrationFactory(programme=p, learner=LearnerFactory(centre=centre))
        r = round_open(actor=exams_officer, name=f"R{n}", due_date=date(2026, 12, 1))
        client.force_login(exams_officer)
        with django_assert_max_num_queries(20):
            assert client.get(r.get_absolute_url()).status_code == 200
        with django_assert_max_num_queries(15):
            assert client.get(reverse("checks:discrepancy_list")).status_code == 200
        with django_assert_max_num_queries(15):
            assert client.get(reverse("checks:index")).status_code == 200


def test_lead_a_reaches_nothing_of_b_by_any_url(client, lead_a, lead_b, list_a, list_b, registration_b):
    """Every page and action of programme B's list answers 404 to the lead of A, and nothing of B
    shows on A's own pages."""
    from checks.services import missing_learner_add

    draft = missing_learner_add(actor=lead_b, check_list=list_b, first_name="Bea", last_name="Bee", date_of_birth=None)
    client.force_login(lead_a)
    line_b = list_b.lines.get()
    for url in (
        list_b.get_absolute_url(),
        reverse("checks:checklist_pdf", args=[list_b.pk]),
        reverse("checks:checklist_xlsx", args=[list_b.pk]),
        draft.get_absolute_url(),
        reverse("checks:programme_statements", args=[list_b.programme_id]),
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (reverse("checks:line_verdict", args=[line_b.pk]), {"verdict": "incorrect", "field": "sex", "correct_value": "F", "version": 0}),
        (reverse("checks:missing_remove", args=[draft.pk]), {}),
        (reverse("checks:sign_off", args=[list_b.pk]), {}),
    ):
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 404, url
    assert client.post(reverse("checks:reopen", args=[list_b.pk]), {"reason": "x"}).status_code == 403
    draft.refresh_from_db()
    list_b.refresh_from_db()
    assert draft.state == Discrepancy.State.DRAFT and not list_b.is_signed_off
    assert not CheckVerdict.objects.exists()
    for url in (reverse("checks:index"), reverse("checks:discrepancy_list")):
        body = client.get(url).content.decode()
        assert str(list_b.programme) not in body and registration_b.learner.legal_last_name not in body
