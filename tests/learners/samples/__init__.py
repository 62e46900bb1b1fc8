"""Messy MIS exports, generated so the suite keeps them in one readable place.

`write_all(directory)` writes every sample as a file (used by the command-line tests); each builder
returns (filename, bytes).
"""

import io
from datetime import datetime

from tests.factories import next_valid_uln

HEADERS_SIMS = ["Adno", "Legal Surname", "Legal Forename", "DOB", "Gender", "ULN", "Candidate No", "Email"]


def uln_for(i: int) -> str:
    """A valid ULN that depends only on i (so a sample built twice is the same file)."""
    body = f"{700000000 + i * 7:09d}"
    for last in "0123456789":
        candidate = body + last
        if sum(int(d) * (11 - k) for k, d in enumerate(candidate, 1)) % 11 == 10:
            return candidate
    return uln_for(i + 100_000)


def learner_rows(n: int, *, start: int = 1) -> list[list]:
    rows = []
    for i in range(start, start + n):
        rows.append([f"A{i:05d}", f"Surname{chr(65 + i % 26)}", f"First{chr(65 + (i * 7) % 26)}",
                     datetime(2009, 1 + i % 12, 1 + i % 28), "F" if i % 2 else "M", uln_for(i),
                     f"{i % 9999 + 1:04d}", f"a{i}@example.org"])
    return rows


def xlsx(headers, rows, *, formula_at: tuple[int, int] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if formula_at:
        ws.cell(row=formula_at[0], column=formula_at[1]).value = "=1+1"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(lines: list[str], *, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def sims_clean(n: int = 5) -> tuple[str, bytes]:
    return "sims.xlsx", xlsx(HEADERS_SIMS, learner_rows(n))


def arbor_messy_csv() -> tuple[str, bytes]:
    """BOM, stray spaces, mixed-case headings and values, dd/mm/yyyy text, blank trailing rows, an accent."""
    uln1, uln2 = next_valid_uln(), next_valid_uln()
    return "arbor.csv", csv_bytes([
        " MIS ID ,SURNAME,forename,Date of Birth,sex,uln,Candidate Number,E-mail",
        f"  B001 ,  Smith  ,Amy,04/09/2009, f ,{uln1},12, AMY@Example.org ",
        f"B002,Brontë,Zoë,31/12/2008,MALE,{uln2},0013,",
        "B003,O'Neil,Sean,2009-02-01,m,,,",
        ",,,,,,,",
        ",,,,,,,",
    ])


def bad_rows_csv() -> tuple[str, bytes]:
    uln = next_valid_uln()
    return "bad.csv", csv_bytes([
        "MIS ID,Surname,Forename,DOB,Sex,ULN",
        f"C001,Good,Row,01/01/2009,F,{uln}",
        "C002,Bad,Uln,01/01/2009,F,9276308687",
        "C003,Future,Born,01/01/2099,M,",
        "C004,Dup,One,01/01/2009,M,",
        "C004,Dup,Two,01/01/2009,M,",
        "C005,No,Sex,01/01/2009,X,",
        "C006,Bad,Date,31/02/2009,F,",
    ])


def missing_column_csv() -> tuple[str, bytes]:
    return "nodob.csv", csv_bytes(["MIS ID,Surname,Forename,Sex", "D001,Jones,Ann,F"])


def unknown_header_csv() -> tuple[str, bytes]:
    return "odd.csv", csv_bytes(["Pupil Code,Surname,Forename,DOB,Sex", "E001,Jones,Ann,01/01/2009,F"])


def formula_xlsx() -> tuple[str, bytes]:
    return "formula.xlsx", xlsx(HEADERS_SIMS, learner_rows(3), formula_at=(3, 2))


def not_a_spreadsheet() -> tuple[str, bytes]:
    return "photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def too_many_rows_csv() -> tuple[str, bytes]:
    lines = ["MIS ID,Surname,Forename,DOB,Sex"] + [f"X{i},Surname,Name,01/01/2009,F" for i in range(20_001)]
    return "huge.csv", csv_bytes(lines)


def excel_serial_dates_xlsx() -> tuple[str, bytes]:
    """Dates typed as numbers (Excel serials) and a ULN stored as a number."""
    uln = next_valid_uln()
    return "serial.xlsx", xlsx(["MIS ID", "Surname", "Forename", "DOB", "Sex", "ULN"],
                               [["F001", "Serial", "Date", 39814, "F", int(uln)]])


def legal_and_preferred_names_csv() -> tuple[str, bytes]:
    """A SIMS-style export carrying the preferred names first and the legal ones after, and Gender before Sex."""
    return "sims-names.csv", csv_bytes([
        "Adno,Surname,Forename,Gender,Legal Surname,Legal Forename,Sex,DOB",
        "G001,Smith,Bex,X,Smith-Jones,Rebecca,F,01/01/2009",
    ])


def empty_file() -> tuple[str, bytes]:
    return "empty.csv", b""


def headings_only_csv() -> tuple[str, bytes]:
    return "headings.csv", csv_bytes(["MIS ID,Surname,Forename,DOB,Sex", ",,,,", ""])


def formula_csv() -> tuple[str, bytes]:
    return "formula.csv", csv_bytes(["MIS ID,Surname,Forename,DOB,Sex", 'H001,"=HYPERLINK(""http://x"")",Ann,01/01/2009,F'])


def zip_bomb_xlsx() -> tuple[str, bytes]:
    """A real workbook with one part that inflates 1,000-fold (a few MB of zeros packed into kilobytes)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sims_clean(1)[1])) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info.filename))
        out.writestr("xl/media/padding.bin", b"\0" * (8 * 1024 * 1024))
    return "bomb.xlsx", buffer.getvalue()


def too_many_rows_xlsx() -> tuple[str, bytes]:
    return "huge.xlsx", xlsx(["MIS ID", "Surname", "Forename", "DOB", "Sex"],
                             [[f"X{i}", "Surname", "Name", "01/01/2009", "F"] for i in range(20_001)])
