"""The exams officer's main journey: import the MIS file, register 20 learners, send Pearson the
bulk file and record Pearson's confirmations."""


import io

import pytest
from openpyxl import load_workbook

from registrations.models import Registration
from tests.browser.conftest import login
from tests.learners import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_register_submit_and_confirm_twenty_learners(page, live_server, exams_officer, programme_a, tmp_path):
    name, data = samples.sims_clean(20)
    upload = tmp_path / name
    upload.write_bytes(data)
    login(page, live_server, exams_officer)

    # 1. Import the MIS export: preview, then confirm.
    page.get_by_role("link", name="MIS import").click()
    page.get_by_label("MIS export").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Import of {name}"
    assert page.get_by_text("20 rows: 20 new, 0 changed").is_visible()
    page.get_by_role("button", name="Confirm and save").click()
    assert page.get_by_text("Saved: 20 learners added").is_visible()

    # 2. Register the 20 learners on the programme (drafts, each checked against Pearson's rules).
    page.get_by_role("link", name="Registrations", exact=True).click()
    page.get_by_role("link", name="Register learners").click()
    page.get_by_label("Register on programme").select_option(label=str(programme_a))
    page.get_by_role("button", name="Show learners").click()
    boxes = page.locator("input[name=learners]")
    assert boxes.count() == 20
    for i in range(20):
        boxes.nth(i).check()
    page.get_by_role("button", name="Create draft registrations").click()
    assert page.get_by_text("20 draft registrations created").is_visible()

    # 3. Submit them in a bulk registration file and download it.
    page.get_by_label("Order number").fill("JOURNEY1")
    page.get_by_label("Why late").fill("Learners joined after the deadline")
    page.get_by_role("button", name="Create the file and mark them submitted").click()
    assert page.get_by_role("heading", name="Bulk registration JOURNEY1").is_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    assert info.value.suggested_filename == "bulk-registration-68199-JOURNEY1.xlsx"
    workbook = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    rows = [[c.value for c in row] for row in workbook.active.iter_rows()]
    header = rows.index(["Centre Reference", "First Names", "Last Names", "Sex", "Date of Birth",
                         "Planned Completion Date", "ULN", "Study Mode"])
    references = [row[0] for row in rows[header + 1:]]
    assert len(references) == 20

    # 4. Upload Pearson's confirmation report: they are registered.
    report = tmp_path / "pearson-report.csv"
    report.write_bytes(samples.csv_bytes(["Centre Reference,Registration Number"]
                                         + [f"{ref},PX{i:05d}" for i, ref in enumerate(references)]))
    page.get_by_label("Pearson's registration report").set_input_files(str(report))
    page.get_by_role("button", name="Upload Pearson's report").click()
    assert page.get_by_text("20 registrations recorded as registered").is_visible()
    assert page.get_by_text("Awaiting Pearson's number").is_visible()
    assert page.locator("td .state--registered").count() == 20
    assert Registration.objects.filter(state="registered", pearson_registration_number__startswith="PX").count() == 20
