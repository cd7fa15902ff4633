"""Setting up many people at once from an Excel sheet: all or nothing, every bad cell named.

Uploaded workbooks are untrusted: the size, the unpacked size and the row count are bounded before
openpyxl reads anything, and openpyxl parses the XML through defusedxml (pinned), so entities and
DTD tricks are refused.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook

from ...extensions import db
from ...models import User
from ..common.errors import ValidationFailed
from .staff import create_in_transaction, edit_in_transaction, require_admin

MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED = 40 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("username", "display_name", "display_name_en", "email", "department", "supervisor", "roles")


def template_xlsx(notes: list[str]) -> bytes:
    """An empty sheet with the expected header row, and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "people"
    sheet.append(list(COLUMNS))
    sheet.append(["zhang.san", "张三", "Zhang San", "zhang.san@example.com", "sales", "sales_manager", "salesperson"])
    help_sheet = book.create_sheet("help")
    for note in notes:
        help_sheet.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(sheet row number, {column: value}) for every non-empty row of the first sheet."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": [_l("the file is larger than %(kb)s KB", kb=MAX_BYTES // 1024)]})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise ValidationFailed({"file": [_l("the workbook unpacks to more than allowed")]})
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except Exception as err:  # noqa: BLE001 - whatever the reader trips on, the answer is the same 422
        raise ValidationFailed({"file": [_l("is not an Excel workbook (.xlsx)")]}) from err
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(lines, ())]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValidationFailed({"header": [_l("missing column(s): %(columns)s", columns=", ".join(missing))]})
    rows = []
    for number, values in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise ValidationFailed({"file": [_l("at most %(count)s people per sheet", count=MAX_ROWS)]})
        cells = dict(zip(header, values, strict=False))
        if all(cells.get(c) in (None, "") for c in COLUMNS):
            continue
        rows.append((number, {c: cells.get(c) for c in COLUMNS}))
    book.close()
    return rows


def _body(cells: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for column in COLUMNS:
        value = cells.get(column)
        text = "" if value is None else str(value).strip()
        if column == "roles":
            body["roles"] = [r.strip() for r in text.replace("、", ",").replace(";", ",").split(",") if r.strip()]
        elif column == "username":
            body["username"] = text
        elif text:
            body[column] = text
    return body


def import_people(actor: User, data: bytes, dry_run: bool) -> list[dict[str, Any]]:
    """Every row becomes a person, or none does; the dry run checks everything and saves nothing.

    People may name a supervisor further down the sheet, so supervisors are set once everyone exists.
    Errors are keyed "row N: column", N as the sheet shows it.
    """
    require_admin(actor)
    rows = _rows(data)
    if not rows:
        raise ValidationFailed({"file": [_l("the sheet lists nobody")]})
    db.session.rollback()
    errors: dict[str, list[Any]] = {}
    created: list[dict[str, Any]] = []
    try:
        seen: dict[str, int] = {}
        for number, cells in rows:
            body = _body(cells)
            name = body["username"]
            if name in seen:
                errors[f"row {number}: username"] = [_l("repeats row %(row)s", row=seen[name])]
                continue
            seen[name] = number
            try:
                # A refused row is refused before anything of it is added, so the others stand.
                user, secret = create_in_transaction(actor, {k: v for k, v in body.items() if k != "supervisor"})
                created.append({"row": number, "username": user.username, "password": secret, **body})
            except ValidationFailed as err:
                for column, messages in err.errors.items():
                    errors[f"row {number}: {column}"] = messages
        if not errors:
            for entry in created:
                if entry.get("supervisor"):
                    try:
                        edit_in_transaction(actor, entry["username"], {"supervisor": entry["supervisor"]})
                    except ValidationFailed as err:
                        for column, messages in err.errors.items():
                            errors[f"row {entry['row']}: {column}"] = messages
        if errors:
            raise ValidationFailed(errors)
        if dry_run:
            db.session.rollback()
            for entry in created:
                entry["password"] = None
        else:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return created
