"""Spreadsheets the app writes (XLSX and CSV), safe against formula injection.

A cell whose text starts with = + - @ (or tab/CR) would run as a formula when opened in Excel:
XLSX cells are forced to text; CSV values get a leading apostrophe.

    data = build_xlsx([Sheet("Registrations", headers, rows)])
    return file_response(data, "batch-12.xlsx")
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import HttpResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    column_widths: Sequence[int] = field(default_factory=list)
    header_block: Sequence[Sequence] = field(default_factory=list)  # rows written above the table (e.g. a group header)


def build_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook (write-only, so memory stays flat) with every string cell stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        for i, width in enumerate(sheet.column_widths):
            ws.column_dimensions[_column_letter(i + 1)].width = width

        for block_row in sheet.header_block:
            ws.append([_cell(ws, v) for v in block_row])
        ws.append([_cell(ws, h, bold) for h in sheet.headers])
        for row in sheet.rows:
            ws.append([_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell(ws, value, font=None):
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, (date, datetime)):
        c.number_format = "DD/MM/YYYY"
    if font is not None:
        c.font = font
    return c


def build_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(h) for h in headers])
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM so Excel reads UTF-8


def file_response(data: bytes, filename: str, content_type: str | None = None) -> HttpResponse:
    if content_type is None:
        content_type = XLSX_TYPE if filename.endswith(".xlsx") else CSV_TYPE if filename.endswith(".csv") else "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)
