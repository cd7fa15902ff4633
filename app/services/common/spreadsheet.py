"""Lists as Excel workbooks (.xlsx): one sheet, a bold header row, the columns wide enough to read."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | bool | date | datetime | None
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value: object) -> Cell:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: the caller gives company time
    if value is None or isinstance(value, str | int | float | bool | date):
        return value
    return str(value)


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit for a sheet name
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) * 2 for h in headers]
    for row in rows:
        values = [_plain(v) for v in row]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # what people typed stays text, never a formula run when opened
        for i, value in enumerate(values):
            widths[i] = max(widths[i], min(len(str(value or "")) * 2, 60))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(width, 8)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
