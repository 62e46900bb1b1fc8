"""Reading spreadsheets people upload (MIS exports, trackers, Pearson reports), defensively.

    table = read_table(upload, filename=upload.name)          # SpreadsheetError with a plain message
    columns = match_headers(table.headers, ALIASES, required={"last_name", ...})
    for row in table.rows:
        surname = row.get(columns.mapping["last_name"])      # row.number is the spreadsheet row

Refused before anything is parsed: not .xlsx/.csv, too big, a zip bomb, more than `max_rows` rows.
Refused while reading: formulas (a value must be a value), an empty sheet, no header row.
Handled: BOMs, stray spaces and non-breaking spaces, blank trailing rows, Excel dates and dd/mm/yyyy text.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings

MAX_ROWS = 20_000
MAX_ZIP_ENTRIES = 500
MAX_UNCOMPRESSED = 150 * 1024 * 1024
MAX_RATIO = 150


class SpreadsheetError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    number: int  # the row number the person sees in Excel (header row is usually 1)
    values: dict[str, object]

    def get(self, header: str | None, default=""):
        if header is None:
            return default
        value = self.values.get(header, default)
        return default if value is None else value


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    header_row_number: int = 1


@dataclass
class HeaderMatch:
    mapping: dict[str, str]  # canonical name -> header as written in the file
    unknown: list[str] = field(default_factory=list)  # headers in the file we did not recognise
    missing: list[str] = field(default_factory=list)  # required canonical names not found
    superseded: dict[str, str] = field(default_factory=dict)  # header -> canonical name another header already holds


def normalise_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


_WHITESPACE_RUN = re.compile(r"\s+")
_ODD_WHITESPACE = re.compile(r"\s\s|[^\S ]")  # where collapsing runs to one space would change anything


def clean_text(value) -> object:
    """Strip BOMs and stray spaces, and turn every run of whitespace into one space (runs for every cell)."""
    if isinstance(value, str):
        if "\ufeff" in value or "\xa0" in value:
            value = value.replace("\ufeff", "").replace("\xa0", " ")
        value = value.strip()
        if _ODD_WHITESPACE.search(value):
            value = _WHITESPACE_RUN.sub(" ", value)
    return value


def match_headers(
    headers: Iterable[str], aliases: dict[str, list[str]], *, required: Iterable[str] = (),
    overrides: dict[str, str] | None = None,
) -> HeaderMatch:
    """Map the file's headers to canonical names using known spellings; `overrides` maps
    file header -> canonical name as chosen by the person for headers we did not know."""
    lookup = {}
    for canonical, spellings in aliases.items():
        for spelling in [canonical, *spellings]:
            lookup.setdefault(normalise_header(spelling), canonical)
    mapping: dict[str, str] = {}
    unknown = []
    superseded: dict[str, str] = {}
    for header in headers:
        canonical = (overrides or {}).get(header) or lookup.get(normalise_header(header))
        if canonical and canonical not in mapping:
            mapping[canonical] = header
        elif canonical:
            superseded[header] = canonical
        elif header:
            unknown.append(header)
    missing = [name for name in required if name not in mapping]
    return HeaderMatch(mapping, unknown, missing, superseded)


def _check_size(data: bytes, max_bytes: int) -> None:
    if not data:
        raise SpreadsheetError("The file is empty.")
    if len(data) > max_bytes:
        raise SpreadsheetError(f"The file is {len(data) // 1024 // 1024} MB; the limit is {max_bytes // 1024 // 1024} MB.")


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SpreadsheetError("This is not an Excel .xlsx file (it may be an old .xls or a renamed file): save it as .xlsx or .csv.")
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise SpreadsheetError("The workbook has too many parts to be a normal spreadsheet; it was not opened.")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise SpreadsheetError("The workbook would expand to more than 150 MB; it was not opened.")
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1024 * 1024:
            raise SpreadsheetError("The workbook is compressed suspiciously tightly (a 'zip bomb'); it was not opened.")
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise SpreadsheetError("This zip file is not an Excel workbook.")


def _read_xlsx(data: bytes, max_rows: int) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise SpreadsheetError(f"The workbook could not be read ({type(exc).__name__}). Save it again from Excel as .xlsx.")
    try:
        ws = wb.worksheets[0]
        rows = []
        filled = 0
        # values_only: no cell objects (most of the reading time); with data_only=False a formula
        # comes back as its text, "=…", which is what we refuse.
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            values = []
            for col, value in enumerate(row, start=1):
                if isinstance(value, str) and value.startswith("="):
                    raise SpreadsheetError(
                        f"Row {number}, column {_col_letter(col)} holds a formula ({value[:40]}). "
                        "Paste values only (Paste Special → Values) and upload again."
                    )
                values.append(clean_text(value))
            if any(v not in (None, "") for v in values):
                rows.append((number, values))
                filled += 1
                if filled > max_rows + 1:  # + the header row
                    raise SpreadsheetError(f"The file has more than {max_rows:,} rows; split it into smaller files.")
        return rows
    finally:
        wb.close()


def _read_csv(data: bytes, max_rows: int) -> list[tuple[int, list]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text[:2000]:
        raise SpreadsheetError("This does not look like a text CSV file.")
    sample = text[:5000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for number, values in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cleaned = [clean_text(v) if v != "" else None for v in values]
        for col, value in enumerate(cleaned, start=1):
            if isinstance(value, str) and value.startswith("="):
                raise SpreadsheetError(
                    f"Row {number}, column {_col_letter(col)} holds a formula ({value[:40]}). Upload values only."
                )
        rows.append((number, cleaned))
        if number > max_rows + 1 and any(cleaned):
            raise SpreadsheetError(f"The file has more than {max_rows:,} rows; split it into smaller files.")
    return rows


def _col_letter(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_table(file_or_bytes, *, filename: str, max_rows: int = MAX_ROWS, max_bytes: int | None = None) -> Table:
    """Read the first sheet of an .xlsx or a .csv into headers and numbered rows."""
    max_bytes = max_bytes or getattr(settings, "MAX_UPLOAD_BYTES", 15 * 1024 * 1024)
    if isinstance(file_or_bytes, bytes):
        data = file_or_bytes
    else:
        size = getattr(file_or_bytes, "size", None)
        if size is not None and size > max_bytes:
            raise SpreadsheetError(f"The file is {size // 1024 // 1024} MB; the limit is {max_bytes // 1024 // 1024} MB.")
        data = file_or_bytes.read(max_bytes + 1)
    _check_size(data, max_bytes)
    name = (filename or "").lower()
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        raw = _read_xlsx(data, max_rows)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw = _read_csv(data, max_rows)
    else:
        raise SpreadsheetError("Upload an Excel workbook (.xlsx) or a CSV file (.csv).")

    non_empty = [(n, v) for n, v in raw if any(x not in (None, "") for x in v)]
    if not non_empty:
        raise SpreadsheetError("The spreadsheet has no rows.")
    header_number, header_values = non_empty[0]
    headers = [str(h).strip() if h not in (None, "") else "" for h in header_values]
    while headers and headers[-1] == "":
        headers.pop()
    if not any(headers):
        raise SpreadsheetError("The first row should hold the column headings.")
    seen = set()
    for h in headers:
        if h and normalise_header(h) in seen:
            raise SpreadsheetError(f"The column heading “{h}” appears twice.")
        seen.add(normalise_header(h))
    rows = []
    for number, values in non_empty[1:]:
        record = {h: (values[i] if i < len(values) else None) for i, h in enumerate(headers) if h}
        rows.append(Row(number, record))
    if not rows:
        raise SpreadsheetError("The spreadsheet has headings but no data rows.")
    if len(rows) > max_rows:
        raise SpreadsheetError(f"The file has {len(rows):,} rows; the limit is {max_rows:,}. Split it into smaller files.")
    return Table(headers=[h for h in headers if h], rows=rows, header_row_number=header_number)


_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


def parse_date(value) -> date:
    """An Excel date, an Excel serial number or dd/mm/yyyy (or yyyy-mm-dd) text; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 1 < value < 100000:
        return date(1899, 12, 30) + timedelta(days=int(value))
    text = str(value or "").strip()
    if match := _UK_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000 if year < 50 else 1900
        return date(year, month, day)
    if match := _ISO_DATE.match(text):
        return date(*(int(g) for g in match.groups()))
    raise ValueError(f"“{text}” is not a date in the form dd/mm/yyyy")
