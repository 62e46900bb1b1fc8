import io
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from registrations.models import PearsonNotification, Registration, RegistrationBatch
from tests.factories import LearnerFactory, RegistrationFactory
from tests.learners.samples import csv_bytes

S = Registration.State
pytestmark = pytest.mark.django_db
TODAY = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY):
        yield


def test_register_many_then_submit_download_and_confirm(client, exams_officer, programme_a):
    learners = LearnerFactory.create_batch(5, centre=programme_a.centre)
    client.force_login(exams_officer)
    page = client.get(reverse("registrations:register"), {"programme": programme_a.pk})
    assert page.status_code == 200 and learners[0].legal_last_name.upper() in page.content.decode()
    response = client.post(reverse("registrations:register"), {
        "programme": programme_a.pk, "learners": [learner.pk for learner in learners],
        "enrolment_date": "07/09/2026", "planned_completion_date": "30/06/2028", "registration_type": "full_award",
    })
    assert response.status_code == 302 and Registration.objects.filter(state=S.DRAFT).count() == 5
    drafts = list(Registration.objects.filter(state=S.DRAFT))
    form = client.get(response.url)
    assert form.status_code == 200 and "Group header" in form.content.decode()
    response = client.post(reverse("registrations:batch_new"), {
        "programme": programme_a.pk, "registrations": [r.pk for r in drafts], "registration_type": "full_award",
        "enrolment_date": "07/09/2026", "order_number": "SEPT26", "study_mode": "FT",
    })
    batch = RegistrationBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    download = client.get(reverse("registrations:batch_download", args=[batch.pk]))
    assert download["Content-Disposition"].endswith('.xlsx"')
    ws = load_workbook(io.BytesIO(download.content)).active
    assert sum(1 for _ in ws.iter_rows()) == 7 + 1 + 5
    assert AuditEvent.objects.filter(action="registrations.batch.download").exists()
    lines = ["Centre Reference,Registration Number"] + [f"R{r.pk:06d},P{r.pk}" for r in drafts]
    response = client.post(reverse("registrations:confirmations_upload"), {
        "file": SimpleUploadedFile("report.csv", csv_bytes(lines)), "next": batch.get_absolute_url()})
    assert response.url == batch.get_absolute_url()
    assert Registration.objects.filter(state=S.REGISTERED).count() == 5


def test_batch_form_shows_the_refusal(client, exams_officer, programme_a):
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    client.force_login(exams_officer)
    response = client.post(reverse("registrations:batch_new"), {
        "programme": programme_a.pk, "registrations": [reg.pk], "registration_type": "full_award",
        "enrolment_date": "07/09/2026", "order_number": "bad order!", "study_mode": "FT",
    })
    assert response.status_code == 200 and "letters and digits" in response.content.decode()


def test_individual_confirm_withdraw_reinstate_through_the_page(client, exams_officer, programme_a):
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    client.force_login(exams_officer)
    url = reverse("registrations:action", args=[reg.pk, "withdraw"])
    client.post(url, {"withdraw-withdrawn_on": "01/11/2026", "withdraw-reason": "Left the school"})
    reg.refresh_from_db()
    assert reg.state == S.WITHDRAWN and reg.withdrawn_on == date(2026, 11, 1)
    client.post(reverse("registrations:action", args=[reg.pk, "reinstate"]), {"reinstate-reason": "Came back"})
    reg.refresh_from_db()
    assert reg.state == S.REGISTERED
    assert PearsonNotification.objects.filter(registration=reg).count() == 2
    detail = client.get(reg.get_absolute_url()).content.decode()
    assert "Withdraw" in detail and "Transfer out" in detail


def test_refused_action_is_a_message_not_a_500(client, exams_officer, registration_a):
    client.force_login(exams_officer)
    response = client.post(reverse("registrations:action", args=[registration_a.pk, "reinstate"]), {"reinstate-reason": "x"})
    assert response.status_code == 302
    assert client.get(reverse("registrations:action", args=[registration_a.pk, "nonsense"])).status_code == 404


def test_manual_confirmation(client, exams_officer, programme_a):
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    Registration.objects.filter(pk=reg.pk).update(state=S.SUBMITTED)
    client.force_login(exams_officer)
    client.post(reverse("registrations:action", args=[reg.pk, "confirm"]), {"confirm-pearson_registration_number": "P42"})
    reg.refresh_from_db()
    assert reg.state == S.REGISTERED and reg.pearson_registration_number == "P42"


def test_transfer_in_page_and_checklist(client, exams_officer, programme_a):
    learner = LearnerFactory(centre=programme_a.centre)
    client.force_login(exams_officer)
    response = client.post(reverse("registrations:transfer_in_new", args=[learner.pk]), {
        "programme": programme_a.pk, "previous_centre_number": "54321", "previous_registration_number": "OLD1",
        "enrolment_date": "07/09/2026", "planned_completion_date": "30/06/2028", "units": "", "reason": "Moved",
    })
    reg = Registration.objects.get(learner=learner)
    assert response.url == reg.get_absolute_url()
    client.post(reverse("registrations:transfer_in_tick", args=[reg.transfer_in.pk]), {"check": "records_received", "done": "1"})
    reg.transfer_in.refresh_from_db()
    assert reg.transfer_in.records_received
    assert "1 of 3" in client.get(reg.get_absolute_url()).content.decode()


def test_queue_export_and_mark_sent(client, exams_officer, registration_a):
    from registrations import services

    services.registration_withdraw(actor=exams_officer, registration=registration_a, withdrawn_on=date(2026, 10, 20), reason="Left")
    client.force_login(exams_officer)
    page = client.get(reverse("registrations:notification_queue")).content.decode()
    assert "Withdraw" in page
    export = client.get(reverse("registrations:notification_export"))
    ws = load_workbook(io.BytesIO(export.content)).active
    assert ws.max_row == 2
    n = PearsonNotification.objects.get()
    client.post(reverse("registrations:notification_mark_sent"), {"notifications": [n.pk], "reference": "EOL-7", "sent_on": "01/10/2026"})
    n.refresh_from_db()
    assert n.sent_by == exams_officer and n.sent_reference == "EOL-7" and n.sent_at.date() == TODAY


def test_learner_page_shows_state_history_and_notifications(client, exams_officer, registration_a):
    from registrations import services

    services.registration_withdraw(actor=exams_officer, registration=registration_a, withdrawn_on=date(2026, 10, 20), reason="Left for college")
    client.force_login(exams_officer)
    page = client.get(registration_a.learner.get_absolute_url()).content.decode()
    assert "State history" in page and "Left for college" in page and "Not yet sent" in page


def test_home_lists_overdue_and_due_soon_as_links(client, exams_officer, programme_a):
    with time_machine.travel(date(2026, 10, 25)):
        reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
        client.force_login(exams_officer)
        page = client.get(reverse("core:home")).content.decode()
        assert reg.get_absolute_url() in page and "?due=due_soon" in page
    with time_machine.travel(date(2026, 11, 5)):
        client.force_login(exams_officer)
        page = client.get(reverse("core:home")).content.decode()
        assert "?due=overdue" in page and reg.get_absolute_url() in page
        listing = client.get(reverse("registrations:list"), {"due": "overdue"}).content.decode()
        assert reg.get_absolute_url() in listing and "×1.05" in listing


# --- who may do what ------------------------------------------------------------------------------

WRITE_URLS = [
    ("registrations:register", None, "get"),
    ("registrations:batch_new", None, "post"),
    ("registrations:confirmations_upload", None, "post"),
    ("registrations:notification_mark_sent", None, "post"),
    ("registrations:action", "withdraw", "post"),
    ("registrations:transfer_in_new", "learner", "get"),
]


@pytest.mark.parametrize("persona", ["lead_a", "quality_nominee", "senior_leader", "outsider"])
@pytest.mark.parametrize("name,arg,method", WRITE_URLS)
def test_only_exams_officers_write(client, personas, persona, registration_a, name, arg, method):
    client.force_login(personas[persona])
    args = {None: [], "withdraw": [registration_a.pk, "withdraw"], "learner": [registration_a.learner.pk]}[arg]
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 403


@pytest.mark.parametrize("persona,status", [
    ("exams_officer", 200), ("quality_nominee", 200), ("senior_leader", 200), ("lead_a", 200), ("lead_b", 404), ("outsider", 403),
])
def test_registration_detail_scoped(client, personas, registration_a, persona, status):
    client.force_login(personas[persona])
    assert client.get(registration_a.get_absolute_url()).status_code == status


@pytest.mark.parametrize("persona,status", [
    ("exams_officer", 200), ("quality_nominee", 200), ("senior_leader", 200), ("lead_a", 200), ("outsider", 403),
])
def test_registration_list_roles(client, personas, registration_a, registration_b, persona, status):
    client.force_login(personas[persona])
    response = client.get(reverse("registrations:list"))
    assert response.status_code == status
    if persona == "lead_a":
        page = response.content.decode()
        assert registration_a.get_absolute_url() in page and registration_b.get_absolute_url() not in page


@pytest.mark.parametrize("persona,status", [
    ("exams_officer", 200), ("quality_nominee", 200), ("senior_leader", 200), ("lead_a", 403), ("outsider", 403),
])
def test_queue_roles(client, personas, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("registrations:notification_queue")).status_code == status
    assert client.get(reverse("registrations:notification_export")).status_code == status


def test_batches_scoped_for_subject_leads(client, exams_officer, lead_b, programme_a):
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    from registrations import services

    batch = services.batch_submit(actor=exams_officer, registrations=[reg], registration_type="full_award",
                                  enrolment_date=TODAY, order_number="X1")
    client.force_login(lead_b)
    assert client.get(batch.get_absolute_url()).status_code == 404
    assert client.get(reverse("registrations:batch_download", args=[batch.pk])).status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_registration_list_queries_do_not_grow(client, exams_officer, programme_a, rows, django_assert_max_num_queries):
    RegistrationFactory.create_batch(rows, programme=programme_a, learner__centre=programme_a.centre, draft=True)
    client.force_login(exams_officer)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("registrations:list")).status_code == 200


@pytest.mark.parametrize("rows", [2, 20])
def test_queue_queries_do_not_grow(client, exams_officer, programme_a, rows, django_assert_max_num_queries):
    from registrations import services

    for reg in RegistrationFactory.create_batch(rows, programme=programme_a, learner__centre=programme_a.centre):
        services.registration_withdraw(actor=exams_officer, registration=reg, withdrawn_on=date(2026, 10, 20), reason="Left")
    client.force_login(exams_officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("registrations:notification_queue")).status_code == 200


def test_due_date_and_fee_band_on_programme_and_detail_pages(client, exams_officer, programme_a):
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    registered = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    client.force_login(exams_officer)
    with time_machine.travel(date(2026, 12, 30)):
        client.force_login(exams_officer)
        assert "×1.10" in client.get(programme_a.get_absolute_url()).content.decode()
        assert "×1.10" in client.get(reg.get_absolute_url()).content.decode()
        assert "late:" not in client.get(registered.get_absolute_url()).content.decode()


def test_mapping_an_unknown_column_on_the_page(client, exams_officer, centre):
    from learners.models import LearnerImport
    from tests.learners import samples

    client.force_login(exams_officer)
    name, data = samples.unknown_header_csv()
    client.post(reverse("learners:import_upload"), {"file": SimpleUploadedFile(name, data), "centre": centre.pk})
    batch = LearnerImport.objects.get()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "Pupil Code" in page and "no column for: MIS id" in page
    client.post(reverse("learners:import_remap", args=[batch.pk]), {"h0": "mis_id"})
    batch.refresh_from_db()
    assert not batch.problems and batch.summary["new"] == 1
    assert "1 row: 1 new" in client.get(batch.get_absolute_url()).content.decode()


def test_queue_export_neutralises_cells_that_would_run_as_formulas(client, exams_officer, registration_a):
    """Reasons and names are typed by people: in the export they stay text, never a formula."""
    from registrations import services

    registration_a.learner.legal_last_name = "-Smith"
    registration_a.learner.save()
    services.registration_withdraw(actor=exams_officer, registration=registration_a, withdrawn_on=date(2026, 10, 20),
                                   reason='=HYPERLINK("http://evil.example","Click")')
    client.force_login(exams_officer)
    export = client.get(reverse("registrations:notification_export"))
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(export.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"HYPERLINK" in sheet_xml  # the text is there, never as a formula
    ws = load_workbook(io.BytesIO(export.content)).active
    row = {ws.cell(row=1, column=c).value: ws.cell(row=2, column=c) for c in range(1, ws.max_column + 1)}
    assert row["Reason"].value.startswith("=HYPERLINK") and row["Reason"].data_type == "s"
    assert row["Last name"].value == "-Smith" and row["Last name"].data_type == "s"
    assert AuditEvent.objects.filter(action="registrations.notifications.export").exists()
