"""Pages: the role × URL matrix, the entry grid, changes, import page, statement PDF, query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.exports import build_csv
from entries.models import Entry, Result
from registrations.models import PearsonNotification, Registration
from tests.entries.factories import EntryFactory, ResultFactory, SeriesFactory
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(series, registration_a, registration_b, ext_a, ext_b, exams_officer):
    entry_a = EntryFactory(series=series, registration=registration_a, unit=ext_a, entered_by=exams_officer)
    entry_b = EntryFactory(series=series, registration=registration_b, unit=ext_b, entered_by=exams_officer)
    return {"series": series, "entry_a": entry_a, "entry_b": entry_b, "a": registration_a, "b": registration_b}


# (url builder, expected status for each persona)
READ_ALL = {"exams_officer": 200, "lead_a": 200, "lead_b": 200, "quality_nominee": 200, "senior_leader": 200, "outsider": 403}
EO_ONLY = {"exams_officer": 200, "lead_a": 403, "lead_b": 403, "quality_nominee": 403, "senior_leader": 403, "outsider": 403}
OWN_A = {"exams_officer": 200, "lead_a": 200, "lead_b": 404, "quality_nominee": 200, "senior_leader": 200, "outsider": 403}
MATRIX = [
    (lambda w: "/entries/", READ_ALL),
    (lambda w: f"/entries/series/{w['series'].pk}/", READ_ALL),
    (lambda w: "/entries/series/new/", EO_ONLY),
    (lambda w: f"/entries/series/{w['series'].pk}/edit/", EO_ONLY),
    (lambda w: f"/entries/series/{w['series'].pk}/export/", EO_ONLY),
    (lambda w: f"/entries/series/{w['series'].pk}/results/", EO_ONLY),
    (lambda w: f"/entries/series/{w['series'].pk}/programmes/{w['a'].programme_id}/", OWN_A),
    (lambda w: f"/entries/{w['entry_a'].pk}/", OWN_A),
    (lambda w: f"/entries/{w['entry_a'].pk}/withdraw/", EO_ONLY),
    (lambda w: f"/entries/{w['entry_a'].pk}/swap/", EO_ONLY),
]


@pytest.mark.parametrize("url, expected", MATRIX)
def test_role_by_url_matrix(client, personas, world, url, expected):
    for name, user in personas.items():
        client.force_login(user)
        response = client.get(url(world))
        assert response.status_code == expected[name], (name, url(world), response.status_code)


def test_statement_pdf_scoped(client, personas, world):
    url = f"/entries/statement/{world['a'].pk}.pdf"
    client.force_login(personas["lead_b"])
    assert client.get(url).status_code == 404
    client.force_login(personas["lead_a"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_subject_lead_cannot_post_entries(client, lead_a, world):
    client.force_login(lead_a)
    url = f"/entries/series/{world['series'].pk}/programmes/{world['a'].programme_id}/"
    assert client.post(url, {"pick": f"{world['a'].pk}:1"}).status_code == 403


def test_series_list_counts_are_scoped(client, lead_a, world):
    client.force_login(lead_a)
    response = client.get("/entries/")
    [(series, counts)] = response.context["rows"]
    assert counts["entries"] == 1


def test_create_series_in_the_browser_form(client, exams_officer):
    client.force_login(exams_officer)
    response = client.post("/entries/series/new/", {
        "name": "January 2028", "entry_deadline": "21/10/2027", "late_entry_end": "30/11/2027",
        "results_date": "02/03/2028", "standard_fee": "45", "late_fee": "90", "notes": "", "reason": "Yearly set-up",
    })
    assert response.status_code == 302
    from entries.models import AssessmentSeries
    series = AssessmentSeries.objects.get(name="January 2028")
    assert series.history.get().history_change_reason == "Yearly set-up"


def test_series_form_rejects_inconsistent_dates(client, exams_officer):
    client.force_login(exams_officer)
    response = client.post("/entries/series/new/", {
        "name": "Bad", "entry_deadline": "21/10/2027", "late_entry_end": "01/10/2027",
        "results_date": "02/03/2028", "standard_fee": "45", "late_fee": "90", "reason": "x",
    })
    assert response.status_code == 200
    assert "Late entries must close on or after the entry deadline" in response.content.decode()


def test_grid_enters_and_shows_refusals(client, exams_officer, series, programme_a, ext_a, january, june_2026):
    fresh = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    resitter = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    ResultFactory(series=january, registration=resitter, unit=ext_a, grade="U")
    ResultFactory(series=june_2026, registration=resitter, unit=ext_a, grade="U")
    client.force_login(exams_officer)
    url = f"/entries/series/{series.pk}/programmes/{programme_a.pk}/"
    page = client.get(url).content.decode()
    assert "January 2026: U" in page
    response = client.post(url, {"row": [fresh.pk, resitter.pk], "enter_all": ext_a.pk, "reason": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 entry refused" in body and "Resit limit reached" in body
    assert Entry.objects.filter(registration=fresh).exists()
    assert not Entry.objects.filter(registration=resitter).exists()


def test_grid_late_entry_without_reason_shows_error(client, exams_officer, late_series, registration_a, ext_a):
    client.force_login(exams_officer)
    url = f"/entries/series/{late_series.pk}/programmes/{registration_a.programme_id}/"
    response = client.post(url, {"pick": f"{registration_a.pk}:{ext_a.pk}"})
    assert "Say why they are late" in response.content.decode()
    assert not Entry.objects.exists()


def test_withdraw_and_swap_pages(client, exams_officer, world, ext_a):
    from tests.entries.factories import ExternalUnitFactory

    other = ExternalUnitFactory(qualification=ext_a.qualification, number="9")
    client.force_login(exams_officer)
    entry = world["entry_a"]
    response = client.post(f"/entries/{entry.pk}/swap/", {"unit": other.pk, "reason": "Changed option"})
    assert response.status_code == 302
    new = Entry.objects.get(registration=world["a"], state=Entry.State.ENTERED)
    assert new.unit == other
    assert client.post(f"/entries/{new.pk}/withdraw/", {"reason": ""}).status_code == 200  # reason required
    response = client.post(f"/entries/{new.pk}/withdraw/", {"reason": "Left school"})
    assert response.status_code == 302
    assert set(PearsonNotification.objects.values_list("kind", flat=True)) == {"entry_swap", "entry_withdrawal"}
    # A second withdrawal is refused with a message, not a 500.
    response = client.post(f"/entries/{new.pk}/withdraw/", {"reason": "again"})
    assert response.status_code == 200 and "already withdrawn" in response.content.decode()


def test_results_import_page(client, exams_officer, world):
    client.force_login(exams_officer)
    url = f"/entries/series/{world['series'].pk}/results/"
    bad = build_csv(["Registration number", "Unit", "Grade"], [["XX", "3", "P"]])
    response = client.post(url, {"file": SimpleUploadedFile("r.csv", bad)})
    assert response.status_code == 200
    assert "Row 2, Registration number" in response.content.decode()
    good = build_csv(["Registration number", "Unit", "Grade"], [[world["a"].pearson_registration_number, "3", "D"]])
    response = client.post(url, {"file": SimpleUploadedFile("r.csv", good)})
    assert response.status_code == 302
    assert Result.objects.get().grade == "D"
    response = client.post(url, {"file": SimpleUploadedFile("r.txt.exe", b"junk")})
    assert "Upload an Excel workbook" in response.content.decode()


def test_learner_page_shows_external_history(client, exams_officer, lead_b, world):
    ResultFactory(series=world["series"], registration=world["a"], unit=world["entry_a"].unit, entry=world["entry_a"], grade="M")
    client.force_login(exams_officer)
    body = client.get(f"/learners/{world['a'].learner.pk}/").content.decode()
    assert "External assessment" in body and "counts" in body and "Statement of entry" in body


def test_home_panel(client, exams_officer, world):
    client.force_login(exams_officer)
    body = client.get("/").content.decode()
    assert "Exam entries" in body


def _grow(programme, series, unit, n):
    for _ in range(n):
        r = RegistrationFactory(programme=programme, learner__centre=programme.centre)
        EntryFactory(series=series, registration=r, unit=unit, is_late=True, late_reason="x")
        ResultFactory(series=series, registration=r, unit=unit)


@pytest.mark.parametrize("path", ["list", "detail", "grid"])
def test_query_counts_do_not_grow(client, django_assert_max_num_queries, exams_officer, series, programme_a, ext_a, path):
    client.force_login(exams_officer)
    urls = {
        "list": "/entries/",
        "detail": f"/entries/series/{series.pk}/",
        "grid": f"/entries/series/{series.pk}/programmes/{programme_a.pk}/",
    }
    _grow(programme_a, series, ext_a, 2)
    for n in range(3):
        SeriesFactory(name=f"Extra {n}")
    client.get(urls[path])
    with django_assert_max_num_queries(25) as small:
        client.get(urls[path])
    _grow(programme_a, series, ext_a, 15)
    for n in range(10):
        SeriesFactory(name=f"More {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(urls[path])


def test_registration_states_shown_on_grid(client, exams_officer, series, programme_a, ext_a):
    RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, state=Registration.State.WITHDRAWN)
    client.force_login(exams_officer)
    body = client.get(f"/entries/series/{series.pk}/programmes/{programme_a.pk}/").content.decode()
    assert "Withdrawn" in body


def test_home_panel_counts(rf, exams_officer, lead_b, series, january, registration_a, ext_a, ext_a2):
    from entries.panels import home

    EntryFactory(series=series, registration=registration_a, unit=ext_a, is_late=True, late_reason="x", entered_by=exams_officer)
    EntryFactory(series=series, registration=registration_a, unit=ext_a2, entered_by=exams_officer)
    EntryFactory(series=january, registration=registration_a, unit=ext_a, entered_by=exams_officer)  # no result yet
    request = rf.get("/")
    request.user = exams_officer
    panel = home(request)
    assert (panel["next_series"], panel["entries"], panel["late"], panel["results_awaited"]) == (series, 2, 1, 1)
    request.user = lead_b
    panel = home(request)
    assert (panel["entries"], panel["late"], panel["results_awaited"]) == (0, 0, 0)


def test_admin_shows_entries_read_only(admin_client, world):
    assert admin_client.get(f"/admin/entries/entry/{world['entry_a'].pk}/change/").status_code == 200
    assert admin_client.get("/admin/entries/entry/add/").status_code == 403
    assert admin_client.get("/admin/entries/assessmentseries/add/").status_code == 200
