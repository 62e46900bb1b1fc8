import io
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from core.exports import Sheet, build_csv, build_xlsx
from core.pdf import html_to_pdf
from core.spreadsheets import SpreadsheetError, match_headers, parse_date, read_table


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_reads_xlsx_with_messy_headers_and_blank_trailing_rows():
    data = xlsx([[" Legal Surname ", "Forename", "DOB"], ["Jones", "Amy", date(2009, 3, 4)], [None, None, None], [None]])
    table = read_table(data, filename="export.xlsx")
    assert table.headers == ["Legal Surname", "Forename", "DOB"]
    assert len(table.rows) == 1 and table.rows[0].number == 2
    match = match_headers(table.headers, {"last_name": ["Legal Surname", "Surname"], "first_name": ["Forename"], "dob": ["DOB"]})
    assert match.mapping == {"last_name": "Legal Surname", "first_name": "Forename", "dob": "DOB"}


def test_csv_with_bom_and_semicolons():
    data = "\ufeffSurname;Forename\n Jones ;Amy\n".encode()
    table = read_table(data, filename="x.csv")
    assert table.rows[0].values == {"Surname": "Jones", "Forename": "Amy"}


@pytest.mark.parametrize(
    "data,filename,message",
    [
        (b"", "a.csv", "empty"),
        (b"hello", "a.pdf", "Upload an Excel"),
        (b"not a zip", "a.xlsx", "not an Excel"),
        (b"Surname\n=1+1\n", "a.csv", "Row 2, column A holds a formula"),
        (b"Surname\n", "a.csv", "no data rows"),
    ],
)
def test_bad_files_are_refused_with_a_plain_message(data, filename, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_table(data, filename=filename)


def test_xlsx_formula_is_refused():
    with pytest.raises(SpreadsheetError, match="Row 2, column B holds a formula"):
        read_table(xlsx([["a", "b"], [1, "=SUM(1,2)"]]), filename="f.xlsx")


def test_zip_bomb_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<x/>")
        z.writestr("xl/worksheets/sheet1.xml", "0" * (20 * 1024 * 1024))
    with pytest.raises(SpreadsheetError, match="zip bomb"):
        read_table(buf.getvalue(), filename="bomb.xlsx")


def test_too_many_rows_is_refused():
    data = ("n\n" + "1\n" * 30).encode()
    with pytest.raises(SpreadsheetError, match="more than 20 rows"):
        read_table(data, filename="a.csv", max_rows=20)


@pytest.mark.parametrize("value,expected", [("04/03/2009", date(2009, 3, 4)), ("4/3/2009", date(2009, 3, 4)), (39876, date(2009, 3, 4)), ("2009-03-04", date(2009, 3, 4))])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_parse_date_refuses_nonsense():
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse_date("next Tuesday")


def test_exports_neutralise_formulas():
    data = build_xlsx([Sheet("S", ["Name"], [["=HYPERLINK(\"x\")"], ["+44"], ["-1"], ["@SUM"]])])
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.data_type for (c,) in ws.iter_rows(min_row=2)] == ["s", "s", "s", "s"]
    csv_text = build_csv(["Name"], [["=1+1"], ["@x"], ["ok"]]).decode("utf-8-sig")
    assert "'=1+1" in csv_text and "'@x" in csv_text and "\nok" in csv_text.replace("\r", "")


def test_pdf_fetcher_refuses_files_outside_static(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    pdf = html_to_pdf(f'<p>Hi</p><a rel="attachment" href="file://{secret}">x</a><img src="file:///etc/hostname">')
    assert pdf.startswith(b"%PDF") and b"TOP SECRET" not in pdf
