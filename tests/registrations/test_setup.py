import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.exceptions import DomainError
from registrations import services
from registrations.models import Programme, Qualification, Unit
from tests.factories import QualificationFactory, SuiteFactory, UnitFactory
from tests.learners.samples import csv_bytes

pytestmark = pytest.mark.django_db


def test_officer_sets_up_a_qualification_and_a_unit(client, exams_officer):
    suite = SuiteFactory()
    client.force_login(exams_officer)
    response = client.post(reverse("registrations:qualification_new"), {
        "qan": "603/0862/X", "title": "BTEC Tech Award in Sport", "level": "1/2", "suite": suite.pk,
        "size_glh": 120, "grading_scale": "tech_award",
    })
    q = Qualification.objects.get(qan="603/0862/X")
    assert response.url == reverse("registrations:qualification_detail", args=[q.pk])
    assert q.history.first().history_user == exams_officer
    client.post(reverse("registrations:unit_add", args=[q.pk]), {"number": "1", "title": "Sport", "glh": 36,
                                                                 "assessment": "internal", "mandatory": "on"})
    assert q.units.get().title == "Sport"


def test_bad_qualification_number_is_shown_on_the_form(client, exams_officer):
    client.force_login(exams_officer)
    response = client.post(reverse("registrations:qualification_new"), {
        "qan": "60/1", "title": "X", "level": "3", "suite": SuiteFactory().pk, "size_glh": 1, "grading_scale": "single"})
    assert response.status_code == 200 and "601/2977/3" in response.content.decode()


def test_units_import_adds_updates_and_is_idempotent(exams_officer):
    q = QualificationFactory()
    UnitFactory(qualification=q, number="1", title="Old title", glh=60)
    data = csv_bytes(["Unit,Unit Title,GLH,Assessment,Mandatory", "1,New title,60,Internal,Mandatory",
                      "2,Exam unit,120,External,Mandatory", "3,Option,60,Internal,Optional"])
    assert services.units_import(actor=exams_officer, qualification=q, data=data, filename="u.csv") == {
        "created": 2, "updated": 1, "unchanged": 0}
    assert q.units.get(number="2").assessment == Unit.Assessment.EXTERNAL and not q.units.get(number="3").mandatory
    assert services.units_import(actor=exams_officer, qualification=q, data=data, filename="u.csv")["unchanged"] == 3


def test_units_import_with_a_bad_row_saves_nothing(exams_officer):
    q = QualificationFactory()
    data = csv_bytes(["Unit,Title,GLH", "1,Good,60", "2,Bad,sixty"])
    with pytest.raises(DomainError, match="Row 3, column “GLH”"):
        services.units_import(actor=exams_officer, qualification=q, data=data, filename="u.csv")
    assert not q.units.exists()


def test_units_upload_page(client, exams_officer):
    q = QualificationFactory()
    client.force_login(exams_officer)
    client.post(reverse("registrations:units_upload", args=[q.pk]),
                {"file": SimpleUploadedFile("u.csv", csv_bytes(["Unit,Title,GLH", "1,A,60"]))})
    assert q.units.count() == 1


def test_programme_set_up_with_subject_leads(client, exams_officer, lead_a, centre, senior_leader):
    q = QualificationFactory()
    client.force_login(exams_officer)
    data = {"name": "Sport 2027", "qualification": q.pk, "centre": centre.pk, "academic_year": "2027/28",
            "registration_mode": "academic_year", "start_date": "01/09/2027", "planned_end_date": "30/06/2029",
            "approved_to": "31/08/2029", "certificate_end": "31/08/2030", "subject_leads": [lead_a.pk], "is_active": "on"}
    response = client.post(reverse("registrations:programme_new"), data)
    programme = Programme.objects.get(name="Sport 2027")
    assert response.url == programme.get_absolute_url() and list(programme.subject_leads.all()) == [lead_a]
    data["planned_end_date"] = "01/08/2027"
    response = client.post(reverse("registrations:programme_edit", args=[programme.pk]), data)
    assert response.status_code == 200 and "after the start date" in response.content.decode()


@pytest.mark.parametrize("persona", ["lead_a", "quality_nominee", "senior_leader", "outsider"])
@pytest.mark.parametrize("name", ["registrations:qualification_new", "registrations:programme_new"])
def test_only_officers_set_up(client, personas, persona, name):
    client.force_login(personas[persona])
    assert client.get(reverse(name)).status_code == 403


def test_subject_lead_cannot_edit_or_see_another_programme(client, lead_a, programme_b):
    client.force_login(lead_a)
    assert client.get(reverse("registrations:programme_edit", args=[programme_b.pk])).status_code == 403
    assert client.get(programme_b.get_absolute_url()).status_code == 404
