"""Browser journey: set up a series, enter a programme's learners, see a resit refused, import results."""

from datetime import date, timedelta

import pytest

from core.exports import build_csv
from entries.models import Entry, Result
from tests.browser.conftest import login
from tests.entries.factories import ExternalUnitFactory, ResultFactory, SeriesFactory
from tests.factories import RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_exams_officer_enters_learners_and_imports_results(page, live_server, exams_officer, programme_a, tmp_path):
    unit = ExternalUnitFactory(qualification=programme_a.qualification, number="3", title="Fitness testing")
    first = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, learner__legal_last_name="Adams")
    resitter = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, learner__legal_last_name="Brook")
    for n, year in enumerate((2024, 2025)):
        old = SeriesFactory(name=f"May/June {year}", entry_deadline=date(year, 2, 21), late_entry_end=date(year, 3, 31),
                            results_date=date(year, 8, 15))
        ResultFactory(series=old, registration=resitter, unit=unit, grade="U")

    today = date.today()
    login(page, live_server, exams_officer)
    page.get_by_role("link", name="Exam entries").click()
    page.get_by_role("link", name="Set up a series").click()
    page.get_by_label("Name").fill("Test series 2027")
    page.get_by_label("Entry deadline").fill((today + timedelta(days=30)).strftime("%d/%m/%Y"))
    page.get_by_label("Late entries close").fill((today + timedelta(days=60)).strftime("%d/%m/%Y"))
    page.get_by_label("Results date").fill((today + timedelta(days=200)).strftime("%d/%m/%Y"))
    page.get_by_label("Standard fee").fill("45.00")
    page.get_by_label("Late fee").fill("90.00")
    page.get_by_role("button", name="Save series").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Test series 2027"

    page.get_by_role("link", name=f"Enter learners: {programme_a.name}").click()
    assert page.get_by_text("May/June 2025: U").is_visible()
    page.get_by_role("button", name="Enter everyone on this page for Unit 3").click()
    assert page.get_by_text("1 entry refused").is_visible()
    assert page.get_by_role("alert").get_by_text("BROOK").inner_text().count("Resit limit reached") == 1
    assert Entry.objects.filter(registration=first).exists()
    assert not Entry.objects.filter(registration=resitter).exists()

    page.get_by_role("link", name="Test series 2027").click()
    page.get_by_role("link", name="Import results").click()
    upload = tmp_path / "results.csv"
    upload.write_bytes(build_csv(["Registration number", "Unit", "Grade"], [[first.pearson_registration_number, "3", "D"]]))
    page.get_by_label("Results file").set_input_files(str(upload))
    page.get_by_role("button", name="Import results").click()
    assert page.get_by_text("Results imported for Test series 2027: 1 new").is_visible()
    assert Result.objects.get(registration=first).grade == "D"
