from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.exceptions import DomainError
from core.spreadsheets import SpreadsheetError
from learners import services
from learners.models import Learner, LearnerImport
from registrations.models import PearsonNotification
from tests.factories import LearnerFactory, RegistrationFactory
from tests.learners import samples

pytestmark = pytest.mark.django_db


def preview(actor, centre, sample):
    name, data = sample
    return services.learner_import_preview(actor=actor, centre=centre, data=data, filename=name)


def test_clean_file_previews_then_confirms_everything_at_once(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.sims_clean(5))
    assert batch.summary["new"] == 5 and batch.summary["rejected"] == 0
    assert Learner.objects.count() == 0  # nothing written by the preview
    services.learner_import_confirm(actor=exams_officer, batch=batch)
    assert Learner.objects.count() == 5
    learner = Learner.objects.get(mis_id="A00001")
    record = learner.history.first()
    assert record.history_user == exams_officer and record.history_change_reason == "Imported from sims.xlsx"
    assert learner.candidate_number == "0002"


def test_reimporting_the_same_file_changes_nothing(exams_officer, centre):
    sample = samples.sims_clean(4)
    services.learner_import_confirm(actor=exams_officer, batch=preview(exams_officer, centre, sample))
    history_rows = Learner.history.count()
    again = preview(exams_officer, centre, sample)
    assert again.summary["unchanged"] == 4 and again.summary["new"] == again.summary["changed"] == 0
    services.learner_import_confirm(actor=exams_officer, batch=again)
    assert Learner.history.count() == history_rows


def test_messy_csv_is_understood(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.arbor_messy_csv())
    assert batch.summary["total"] == 3 and batch.summary["rejected"] == 0, batch.rows
    rows = {r["mis_id"]: r for r in batch.rows}
    assert rows["B001"]["values"]["legal_last_name"] == "Smith"
    assert rows["B001"]["values"]["date_of_birth"] == "2009-09-04"
    assert rows["B001"]["values"]["sex"] == "F" and rows["B001"]["values"]["email"] == "amy@example.org"
    assert rows["B001"]["values"]["candidate_number"] == "0012"
    assert rows["B002"]["values"]["legal_first_name"] == "Zoë"  # kept as in the MIS
    assert any("transliterated" in f for f in rows["B002"]["flags"])
    assert rows["B003"]["values"]["uln_not_yet_known"] is True
    services.learner_import_confirm(actor=exams_officer, batch=batch)
    assert Learner.objects.get(mis_id="B002").legal_last_name == "Brontë"


def test_excel_serial_dates_and_numeric_uln(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.excel_serial_dates_xlsx())
    row = batch.rows[0]
    assert row["action"] == "new", row
    assert row["values"]["date_of_birth"] == "2009-01-01" and len(row["values"]["uln"]) == 10


@time_machine.travel(date(2026, 9, 1))
def test_rejected_rows_name_row_column_and_reason_and_block_confirm(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.bad_rows_csv())
    errors = {r["row"]: r["errors"] for r in batch.rows if r["errors"]}
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert errors[3][0]["column"] == "ULN" and "check digit" in errors[3][0]["message"]
    assert "not in the past" in errors[4][0]["message"]
    assert "more than one row (5, 6)" in errors[5][0]["message"]
    assert "M or F" in errors[7][0]["message"]
    assert errors[8][0]["column"] == "DOB"
    with pytest.raises(DomainError, match="rejected"):
        services.learner_import_confirm(actor=exams_officer, batch=batch)
    assert Learner.objects.count() == 0


def test_missing_required_column_then_mapping_an_unknown_heading(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.missing_column_csv())
    assert batch.problems and "Date of birth" in batch.problems[0]
    odd = preview(exams_officer, centre, samples.unknown_header_csv())
    assert "MIS id" in odd.problems[0] and odd.summary["unknown_headers"] == ["Pupil Code"]
    odd = services.learner_import_remap(actor=exams_officer, batch=odd, overrides={"Pupil Code": "mis_id"})
    assert not odd.problems and odd.summary["new"] == 1


@pytest.mark.parametrize("sample,message", [
    (samples.formula_xlsx, "formula"),
    (samples.not_a_spreadsheet, "not an Excel"),
    (samples.too_many_rows_csv, "20,000"),
])
def test_unreadable_files_are_refused_with_a_clear_message(exams_officer, centre, sample, message):
    with pytest.raises(SpreadsheetError, match=message):
        preview(exams_officer, centre, sample())
    assert not LearnerImport.objects.exists()


def test_changes_show_old_and_new_and_registered_learners_queue_a_notification(exams_officer, centre, programme_a):
    services.learner_import_confirm(actor=exams_officer, batch=preview(exams_officer, centre, samples.sims_clean(2)))
    learner = Learner.objects.get(mis_id="A00001")
    RegistrationFactory(learner=learner, programme=programme_a)
    name, data = samples.sims_clean(2)
    import io

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data))
    wb.active["B2"] = "Newname"
    out = io.BytesIO()
    wb.save(out)
    batch = services.learner_import_preview(actor=exams_officer, centre=centre, data=out.getvalue(), filename=name)
    row = next(r for r in batch.rows if r["mis_id"] == "A00001")
    assert row["action"] == "changed" and row["shown_changes"] == [["Legal last name", learner.legal_last_name, "Newname"]]
    assert row["notify_pearson"]
    services.learner_import_confirm(actor=exams_officer, batch=batch)
    learner.refresh_from_db()
    assert learner.legal_last_name == "Newname"
    assert PearsonNotification.objects.filter(learner=learner, kind="learner_details", sent_at__isnull=True).exists()


@pytest.mark.parametrize("state,owed", [("transferred_out", True), ("certificated", True), ("draft", False), ("deleted", False)])
def test_an_import_owes_pearson_a_correction_exactly_when_a_manual_one_would(exams_officer, centre, programme_a, state, owed):
    """Pearson holds the details of a learner transferred out or certificated, not of a draft or deleted one:
    the import and the learner page apply the one rule (Registration.HELD_BY_PEARSON)."""
    services.learner_import_confirm(actor=exams_officer, batch=preview(exams_officer, centre, samples.sims_clean(1)))
    learner = Learner.objects.get(mis_id="A00001")
    RegistrationFactory(learner=learner, programme=programme_a, state=state)
    data = samples.csv_bytes(["Adno,Legal Surname,Legal Forename,DOB,Gender",
                              f"A00001,Renamed,{learner.legal_first_name},{learner.date_of_birth:%d/%m/%Y},{learner.sex}"])
    batch = services.learner_import_preview(actor=exams_officer, centre=centre, data=data, filename="fix.csv")
    assert batch.rows[0]["action"] == "changed" and batch.rows[0]["notify_pearson"] is owed
    services.learner_import_confirm(actor=exams_officer, batch=batch)
    assert PearsonNotification.objects.filter(learner=learner, kind="learner_details").exists() is owed


def test_confirm_refused_if_learners_changed_since_preview(exams_officer, centre):
    services.learner_import_confirm(actor=exams_officer, batch=preview(exams_officer, centre, samples.sims_clean(2)))
    batch = preview(exams_officer, centre, samples.sims_clean(3))
    learner = Learner.objects.get(mis_id="A00001")
    services.learner_update(actor=exams_officer, learner=learner, changes={"preferred_name": "Al"}, reason="asked")
    with pytest.raises(DomainError, match="changed since the preview"):
        services.learner_import_confirm(actor=exams_officer, batch=batch)
    assert Learner.objects.count() == 2


def test_confirm_twice_is_refused(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.sims_clean(1))
    services.learner_import_confirm(actor=exams_officer, batch=batch)
    with pytest.raises(DomainError, match="already been confirmed"):
        services.learner_import_confirm(actor=exams_officer, batch=batch)


def test_uln_held_by_another_learner_is_rejected(exams_officer, centre):
    other = LearnerFactory(centre=centre)
    data = samples.csv_bytes(["MIS ID,Surname,Forename,DOB,Sex,ULN", f"Z1,New,One,01/01/2009,F,{other.uln}"])
    batch = services.learner_import_preview(actor=exams_officer, centre=centre, data=data, filename="x.csv")
    assert f"already belongs to the learner with MIS id {other.mis_id}" in batch.rows[0]["errors"][0]["message"]


# --- the command line ---------------------------------------------------------------------------

def test_command_imports_and_prints_the_summary(tmp_path, centre, capsys):
    name, data = samples.sims_clean(3)
    path = tmp_path / name
    path.write_bytes(data)
    call_command("import_learners", str(path), "--centre", centre.number, "--dry-run")
    assert "3 rows: 3 new" in capsys.readouterr().out and Learner.objects.count() == 0
    call_command("import_learners", str(path), "--centre", centre.number)
    assert Learner.objects.count() == 3


@time_machine.travel(date(2026, 9, 1))
def test_command_with_row_errors_exits_non_zero_and_saves_nothing(tmp_path, centre, capsys):
    name, data = samples.bad_rows_csv()
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError, match="Nothing was saved"):
        call_command("import_learners", str(path), "--centre", centre.number)
    out = capsys.readouterr().out
    assert "Row 3, column “ULN”" in out
    assert Learner.objects.count() == 0


def test_command_refuses_a_bad_file(tmp_path, centre):
    name, data = samples.not_a_spreadsheet()
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError, match="not an Excel"):
        call_command("import_learners", str(path), "--centre", centre.number)


# --- the pages -----------------------------------------------------------------------------------

def test_upload_preview_confirm_pages(client, exams_officer, centre):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(exams_officer)
    name, data = samples.arbor_messy_csv()
    response = client.post(reverse("learners:import_upload"), {"file": SimpleUploadedFile(name, data), "centre": centre.pk})
    batch = LearnerImport.objects.get()
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "3 rows: 3 new" in page and "transliterated" in page
    client.post(reverse("learners:import_confirm", args=[batch.pk]), {"reason": "September intake"})
    assert Learner.objects.count() == 3
    assert Learner.objects.get(mis_id="B001").history.first().history_change_reason == "September intake"


def test_upload_of_a_bad_file_shows_the_message(client, exams_officer, centre):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(exams_officer)
    name, data = samples.formula_xlsx()
    response = client.post(reverse("learners:import_upload"), {"file": SimpleUploadedFile(name, data), "centre": centre.pk})
    assert response.status_code == 200 and "formula" in response.content.decode()


@pytest.mark.parametrize("persona", ["lead_a", "quality_nominee", "senior_leader", "outsider"])
def test_only_exams_officers_import(client, personas, persona, centre):
    client.force_login(personas[persona])
    assert client.get(reverse("learners:import_upload")).status_code == 403


@pytest.mark.parametrize("persona", ["lead_a", "quality_nominee", "senior_leader", "outsider"])
@pytest.mark.parametrize("name,method", [("learners:import_preview", "get"), ("learners:import_confirm", "post"),
                                         ("learners:import_remap", "post"), ("learners:import_abandon", "post")])
def test_import_pages_refuse_other_roles(client, personas, persona, exams_officer, centre, name, method):
    batch = preview(exams_officer, centre, samples.sims_clean(1))
    client.force_login(personas[persona])
    assert getattr(client, method)(reverse(name, args=[batch.pk])).status_code == 403
    assert Learner.objects.count() == 0


def test_abandon_saves_nothing_and_cannot_then_confirm(client, exams_officer, centre):
    batch = preview(exams_officer, centre, samples.sims_clean(2))
    client.force_login(exams_officer)
    client.post(reverse("learners:import_abandon", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "abandoned"
    client.post(reverse("learners:import_confirm", args=[batch.pk]))
    assert Learner.objects.count() == 0


# --- review: spellings, legal names, bad files ---------------------------------------------------

@pytest.mark.parametrize("headers", [
    ["MIS ID", "Legal Surname", "Legal Forename", "DOB", "Gender", "ULN", "UCI", "Candidate No", "Email"],
    ["Admission No", "Surname", "Forename", "Date of Birth", "Sex", "ULN", "UCI", "Candidate No", "Email"],
    ["mis id", "SURNAME", "legal forename", "date of birth", " Gender ", "uln", "uci", "candidate no", "e-mail"],
])
def test_every_common_heading_spelling_is_understood(exams_officer, centre, headers):
    from tests.factories import next_valid_uln

    uln = next_valid_uln()
    data = samples.csv_bytes([",".join(headers), f"K001,Jones,Ann,01/01/2009,F,{uln},68199001205 8G,12,ann@example.org"
                              .replace(" 8G", "8G")])
    batch = preview(exams_officer, centre, ("spellings.csv", data))
    assert not batch.problems and batch.summary["unknown_headers"] == []
    values = batch.rows[0]["values"]
    assert (values["mis_id"], values["legal_last_name"], values["legal_first_name"], values["date_of_birth"]) == (
        "K001", "Jones", "Ann", "2009-01-01")
    assert (values["sex"], values["uln"], values["uci"], values["candidate_number"], values["email"]) == (
        "F", uln, "681990012058G", "0012", "ann@example.org")


def test_legal_names_and_sex_win_over_preferred_ones_whatever_the_column_order(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.legal_and_preferred_names_csv())
    assert batch.summary["rejected"] == 0, batch.rows
    values = batch.rows[0]["values"]
    assert (values["legal_last_name"], values["legal_first_name"], values["sex"]) == ("Smith-Jones", "Rebecca", "F")
    assert values["preferred_name"] == "Bex"


def test_columns_read_instead_of_another_are_shown_not_dropped_silently(client, exams_officer, centre, tmp_path, capsys):
    """"Surname" beside "Legal Surname" and "Gender" beside "Sex" are not imported: the preview, the page and
    the command say so, and which column each field was read from."""
    name, data = samples.legal_and_preferred_names_csv()
    batch = preview(exams_officer, centre, (name, data))
    assert batch.summary["unused_headers"] == [["Surname", "Legal last name", "Legal Surname"], ["Gender", "Sex", "Sex"]]
    client.force_login(exams_officer)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "How the columns were read" in page
    assert "<td>Surname</td><td>Not used: Legal last name is read from “Legal Surname”</td>" in page
    assert "<td>Forename</td><td>Preferred name</td>" in page and "<td>Legal Forename</td><td>Legal first name(s)</td>" in page
    path = tmp_path / name
    path.write_bytes(data)
    call_command("import_learners", str(path), "--centre", centre.number, "--dry-run")
    assert "Column “Gender” is not used: Sex is read from “Sex”." in capsys.readouterr().out


def test_impossible_date_is_named_in_the_form_expected(exams_officer, centre):
    data = samples.csv_bytes(["MIS ID,Surname,Forename,DOB,Sex", "L001,Bad,Date,31/02/2009,F", "L002,Us,Date,12/25/2009,F"])
    batch = preview(exams_officer, centre, ("dates.csv", data))
    messages = [e["message"] for r in batch.rows for e in r["errors"]]
    assert messages == ["“31/02/2009” is not a real date (dd/mm/yyyy).", "“12/25/2009” is not a real date (dd/mm/yyyy)."]


@pytest.mark.parametrize("sample,message", [
    (samples.empty_file, "empty"),
    (samples.headings_only_csv, "no data rows"),
    (samples.formula_csv, "formula"),
    (samples.zip_bomb_xlsx, "zip bomb"),
    (samples.too_many_rows_xlsx, "20,000"),
])
def test_more_bad_files_are_refused_and_nothing_is_kept(exams_officer, centre, sample, message):
    with pytest.raises(SpreadsheetError, match=message):
        preview(exams_officer, centre, sample())
    assert not LearnerImport.objects.exists() and not Learner.objects.exists()


def test_oversized_upload_is_refused_before_it_is_read(exams_officer, centre, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    name, data = samples.sims_clean(40)
    with pytest.raises(SpreadsheetError, match="the limit is"):
        preview(exams_officer, centre, (name, data))


def test_dry_run_with_row_errors_also_exits_non_zero(tmp_path, centre, capsys):
    name, data = samples.bad_rows_csv()
    path = tmp_path / name
    path.write_bytes(data)
    with time_machine.travel(date(2026, 9, 1)), pytest.raises(CommandError, match="Nothing was saved"):
        call_command("import_learners", str(path), "--centre", centre.number, "--dry-run")
    out = capsys.readouterr().out
    assert "7 rows: 1 new, 0 changed, 0 unchanged, 6 rejected" in out and "Row 8, column “DOB”" in out
    assert Learner.objects.count() == 0


def test_accented_names_are_kept_as_in_the_mis_and_flagged(exams_officer, centre):
    batch = preview(exams_officer, centre, samples.arbor_messy_csv())
    services.learner_import_confirm(actor=exams_officer, batch=batch)
    zoe = Learner.objects.get(mis_id="B002")
    assert (zoe.legal_first_name, zoe.legal_last_name) == ("Zoë", "Brontë")
    flags = next(r["flags"] for r in batch.rows if r["mis_id"] == "B002")
    assert any("Zoë" in f and "transliterated" in f for f in flags)
