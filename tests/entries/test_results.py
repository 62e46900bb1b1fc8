"""Results import (row-by-row refusal, nothing saved), export round trip, best result, terminal rule."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.exports import build_csv
from core.spreadsheets import read_table
from entries import services
from entries.models import Result
from entries.selectors import learner_history, terminal_rule_problem
from tests.entries.factories import EntryFactory, ResultFactory, SeriesFactory
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def table(rows, headers=("Registration number", "Unit", "Grade")):
    return read_table(build_csv(headers, rows), filename="results.csv")


def test_import_saves_every_row_with_history_and_audit(exams_officer, series, registration_a, registration_b, ext_a, ext_b):
    entry = EntryFactory(series=series, registration=registration_a, unit=ext_a, entered_by=exams_officer)
    outcome = services.results_import(
        actor=exams_officer, series=series, filename="r.csv",
        table=table([[registration_a.pearson_registration_number, "3", "m"], [registration_b.pearson_registration_number, "2", "D"]]),
    )
    assert (outcome.created, outcome.updated) == (2, 0)
    result = Result.objects.get(registration=registration_a)
    assert result.grade == "M" and result.entry == entry
    assert result.history.get().history_user == exams_officer
    assert len(outcome.not_entered) == 1  # registration_b had no entry: flagged, not refused
    assert AuditEvent.objects.filter(action="entries.results.imported").exists()


def test_import_matches_on_candidate_number(exams_officer, series, registration_a, ext_a):
    services.results_import(
        actor=exams_officer, series=series, filename="r.csv",
        table=table([[registration_a.learner.candidate_number, "3", "P"]], headers=("Candidate number", "Unit", "Grade")),
    )
    assert Result.objects.get().registration == registration_a


def test_bad_rows_are_each_named_and_nothing_is_saved(exams_officer, series, registration_a, ext_a, int_a):
    rows = [
        [registration_a.pearson_registration_number, "3", "P"],  # good
        ["NOPE123", "3", "P"],  # unknown learner
        [registration_a.pearson_registration_number, "99", "P"],  # unknown unit
        [registration_a.pearson_registration_number, "1", "P"],  # internal unit
        [registration_a.pearson_registration_number, "3", "Z"],  # unknown grade (and duplicate would follow)
        [registration_a.pearson_registration_number, "3", "N"],  # N not allowed: suite has no near pass
    ]
    with pytest.raises(services.ResultsImportRefused) as exc:
        services.results_import(actor=exams_officer, series=series, filename="r.csv", table=table(rows))
    errors = exc.value.errors
    assert any(e.startswith("Row 3, Registration number") for e in errors)
    assert any(e.startswith("Row 4, Unit") and "99" in e for e in errors)
    assert any(e.startswith("Row 5, Unit") for e in errors)
    assert any(e.startswith("Row 6, Grade") and "Z" in e for e in errors)
    assert any(e.startswith("Row 7, Grade") for e in errors)
    assert not Result.objects.exists()


def test_duplicate_rows_and_missing_columns_are_refused(exams_officer, series, registration_a, ext_a):
    number = registration_a.pearson_registration_number
    with pytest.raises(services.ResultsImportRefused) as exc:
        services.results_import(actor=exams_officer, series=series, filename="r.csv", table=table([[number, "3", "P"], [number, "3", "M"]]))
    assert "Row 3: a second result" in exc.value.errors[0]
    with pytest.raises(services.ResultsImportRefused) as exc:
        services.results_import(actor=exams_officer, series=series, filename="r.csv", table=table([["3", "P"]], headers=("Unit", "Grade")))
    assert "Registration number or a Candidate number" in exc.value.errors[0]


def test_wrong_series_column_is_refused(exams_officer, series, registration_a, ext_a):
    with pytest.raises(services.ResultsImportRefused) as exc:
        services.results_import(
            actor=exams_officer, series=series, filename="r.csv",
            table=table([[registration_a.pearson_registration_number, "3", "P", "January 2027"]],
                        headers=("Registration number", "Unit", "Grade", "Series")),
        )
    assert "is not May/June 2027" in exc.value.errors[0]


def test_reimport_updates_changed_grades_only(exams_officer, series, registration_a, ext_a):
    number = registration_a.pearson_registration_number
    services.results_import(actor=exams_officer, series=series, filename="a.csv", table=table([[number, "3", "P"]]))
    outcome = services.results_import(actor=exams_officer, series=series, filename="b.csv", table=table([[number, "3", "M"]]))
    assert (outcome.created, outcome.updated) == (0, 1)
    result = Result.objects.get()
    assert result.grade == "M" and result.history.count() == 2
    outcome = services.results_import(actor=exams_officer, series=series, filename="c.csv", table=table([[number, "3", "M"]]))
    assert outcome.unchanged == 1


def test_export_then_import_round_trip(client, exams_officer, series, registration_a, ext_a, ext_a2):
    services.entries_create(actor=exams_officer, series=series, picks=[(registration_a.pk, ext_a.pk), (registration_a.pk, ext_a2.pk)])
    client.force_login(exams_officer)
    response = client.get(f"/entries/series/{series.pk}/export/")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[2] == "Registration number" and headers[-1] == "Grade"
    assert len(rows) == 3
    for row_cells, grade in zip(ws.iter_rows(min_row=2), ["D", "M"]):
        row_cells[-1].value = grade
    buffer = io.BytesIO()
    wb.save(buffer)
    outcome = services.results_import(
        actor=exams_officer, series=series, filename="back.xlsx", table=read_table(buffer.getvalue(), filename="back.xlsx"),
    )
    assert outcome.created == 2 and outcome.not_entered == []
    assert sorted(Result.objects.values_list("unit__number", "grade")) == [("3", "D"), ("7", "M")]
    assert AuditEvent.objects.filter(action="entries.series.exported").exists()


def test_export_is_formula_safe(client, exams_officer, series, programme_a, ext_a):
    registration = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, learner__legal_last_name="=HYPERLINK(1)")
    services.entries_create(actor=exams_officer, series=series, picks=[(registration.pk, ext_a.pk)])
    client.force_login(exams_officer)
    ws = load_workbook(io.BytesIO(client.get(f"/entries/series/{series.pk}/export/").content)).active
    cell = ws.cell(row=2, column=7)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_best_result_counts_and_every_attempt_shows(exams_officer, january, june_2026, registration_a, ext_a):
    ResultFactory(series=january, registration=registration_a, unit=ext_a, grade="M")
    ResultFactory(series=june_2026, registration=registration_a, unit=ext_a, grade="P")
    [history] = learner_history(user=exams_officer, learner=registration_a.learner)
    assert [a["series"].name for a in history.attempts] == ["January 2026", "May/June 2026"]
    assert history.best.grade == "M"
    assert [a["counts"] for a in history.attempts] == [True, False]


def _tech_award(registration):
    suite = registration.programme.qualification.suite
    suite.terminal_rule = True
    suite.save()


def test_terminal_rule_does_not_apply_to_other_suites(registration_a):
    assert terminal_rule_problem(registration_a) is None


def test_terminal_rule_fails_closed_without_a_series(registration_a, ext_a):
    _tech_award(registration_a)
    assert "cannot be checked" in terminal_rule_problem(registration_a)


def test_terminal_rule_needs_the_external_unit_in_the_certification_series(exams_officer, registration_a, ext_a, january, june_2026):
    _tech_award(registration_a)
    # Sat in January 2026 only; the latest series with results out (June 2026) is the certification series.
    ResultFactory(series=january, registration=registration_a, unit=ext_a, grade="M")
    problem = terminal_rule_problem(registration_a)
    assert "May/June 2026" in problem and "Unit 3" in problem
    ResultFactory(series=june_2026, registration=registration_a, unit=ext_a, grade="P")
    assert terminal_rule_problem(registration_a) is None


def test_terminal_rule_uses_planned_completion_when_no_results_yet(exams_officer, registration_a, ext_a, series):
    _tech_award(registration_a)
    SeriesFactory(name="May/June 2028", entry_deadline=date(2028, 2, 21), late_entry_end=date(2028, 3, 31), results_date=date(2028, 8, 17))
    # planned completion 30/06/2028 → May/June 2028
    assert "May/June 2028" in terminal_rule_problem(registration_a)
