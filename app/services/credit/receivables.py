"""Finance's receivables records in the credit file: one at a time through the API, or the monthly sheet.

Each recording is a new row (the history) and updates the file's current figures; the latest
balance decides whether the previous credit is settled (第三十五条). A sheet is all or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Customer, ReceivablesRecord, User
from ..common.errors import Forbidden, ValidationFailed
from ..common.transactions import transactional
from ..people.access import roles_of
from . import over_limit
from .credit_file import find
from .ledger import company_today

RECORDERS = frozenset({"credit_controller", "finance_director"})
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
COLUMNS = (_l("customer code"), _l("customer name"), _l("balance"), _l("overdue amount"), _l("as-of date"))
MAX_ROWS = 5000
_MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    balance: Decimal
    overdue: Decimal
    as_of: date


def _require_recorder(user: User) -> None:
    if not roles_of(user) & RECORDERS:
        raise Forbidden(_l("only the credit controller or the finance director records receivables"))


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > _MAX_AMOUNT:
        return None
    return amount.quantize(Decimal("0.01"))


def _date(value: Any, today: date) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            return None
    return value if value <= today else None


def _check(values: dict[str, Any], today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of one recording, or the message for each that is wrong."""
    errors: dict[str, Any] = {}
    balance, overdue, as_of = _amount(values.get("balance")), _amount(values.get("overdue")), None
    if balance is None:
        errors["balance"] = _l("must be an amount of zero or more")
    if overdue is None:
        errors["overdue"] = _l("must be an amount of zero or more")
    elif balance is not None and overdue > balance:
        errors["overdue"] = _l("may not be more than the balance")
    as_of = _date(values.get("as_of"), today)
    if as_of is None:
        errors["as_of"] = _l("must be a date (YYYY-MM-DD), not in the future")
    return {"balance": balance, "overdue": overdue, "as_of": as_of}, errors


def _write(entry: Entry, user: User, source: str, now: datetime) -> Customer:
    customer = find(entry.code)
    if customer is None:
        customer = Customer(code=entry.code, name=entry.name, updated_at=now)
        db.session.add(customer)
        db.session.flush()
    elif not customer.name and entry.name:
        customer.name = entry.name
    db.session.add(
        ReceivablesRecord(
            customer_id=customer.id,
            balance=entry.balance,
            overdue=entry.overdue,
            as_of=entry.as_of,
            recorded_at=now,
            recorded_by_id=user.id,
            source=source,
        )
    )
    # A late correction of an older month goes into the history without replacing a newer figure.
    latest = customer.receivables_as_of is None or entry.as_of >= customer.receivables_as_of
    previous = customer.receivables_balance
    if latest:
        customer.receivables_balance = entry.balance
        customer.overdue_balance = entry.overdue
        customer.receivables_as_of = entry.as_of
    customer.updated_at = now
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=user.id,
            action="record_receivables",
            subject=f"customer:{entry.code}",
            details={
                "balance": float(entry.balance),
                "overdue": float(entry.overdue),
                "as_of": entry.as_of.isoformat(),
                "source": source,
            },
        )
    )
    if latest:
        over_limit.check_record(customer, previous, now)  # over the limit, or back within it (第三十三、三十四条)
    return customer


@transactional
def record(code: str, user: User, body: dict[str, Any]) -> Customer:
    _require_recorder(user)
    if not CODE.match(code):
        raise ValidationFailed({"code": [_l("not a customer code")]})
    values, errors = _check(body, company_today())
    if errors:
        raise ValidationFailed({k: [v] for k, v in errors.items()})
    customer = _write(Entry(code, "", values["balance"], values["overdue"], values["as_of"]), user, "api", clock.now())
    db.session.flush()
    db.session.refresh(customer)
    return customer


def _rows_of_xlsx(content: bytes) -> list[list[Any]]:
    # Read-only streams the sheet; formulas come back as their text (never evaluated) and are refused.
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=len(COLUMNS) + 5):
            rows.append(list(row))
        return rows
    finally:
        book.close()


def _rows_of_csv(content: bytes) -> list[list[Any]]:
    text = content.decode("utf-8-sig")
    return [row for _, row in zip(range(MAX_ROWS + 2), csv.reader(io.StringIO(text)), strict=False)]


def parse_sheet(filename: str, content: bytes) -> list[Entry]:
    """Every row of the sheet, or a ValidationFailed naming each bad row and column."""
    if len(content) > current_app.config["RECEIVABLES_SHEET_MAX_BYTES"]:
        raise ValidationFailed({"file": [_l("the sheet is too large")]})
    try:
        if content[:2] == b"PK":
            rows = _rows_of_xlsx(content)
        elif b"\x00" in content:
            raise ValueError("binary content")
        else:
            rows = _rows_of_csv(content)
    except (zipfile.BadZipFile, UnicodeDecodeError, KeyError, ValueError, OSError) as err:
        raise ValidationFailed({"file": [_l("not an Excel (.xlsx) or CSV sheet")]}) from err
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if len(rows) < 2:
        raise ValidationFailed({"file": [_l("the sheet is empty")]})
    if len(rows) > MAX_ROWS + 1:
        raise ValidationFailed({"file": [_l("at most %(count)s rows", count=MAX_ROWS)]})
    # The first row names the columns (customer code, customer name, balance, overdue, as-of date).
    today = company_today()
    errors: dict[str, list[Any]] = {}
    entries: list[Entry] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = (list(row) + [None] * len(COLUMNS))[: len(COLUMNS)]
        problems: list[str] = []
        if any(isinstance(c, str) and c.startswith("=") for c in cells):
            problems.append(str(_l("formulas are not accepted")))
        code = str(cells[0] or "").strip()
        if not CODE.match(code):
            problems.append(str(_l("column %(column)s: not a customer code", column=COLUMNS[0])))
        name = str(cells[1] or "").strip()[:200]
        values, bad = _check({"balance": cells[2], "overdue": cells[3], "as_of": cells[4]}, today)
        labels = {"balance": COLUMNS[2], "overdue": COLUMNS[3], "as_of": COLUMNS[4]}
        problems += [str(_l("column %(column)s: %(problem)s", column=labels[k], problem=v)) for k, v in bad.items()]
        if problems:
            errors[str(_l("row %(number)s", number=number))] = problems
        else:
            entries.append(Entry(code, name, values["balance"], values["overdue"], values["as_of"]))
    if errors:
        raise ValidationFailed(errors)
    return entries


@transactional
def upload(user: User, filename: str, content: bytes) -> int:
    """Record the finance department's monthly sheet: every row or none."""
    _require_recorder(user)
    entries = parse_sheet(filename, content)
    now = clock.now()
    for entry in entries:
        _write(entry, user, "sheet", now)
    return len(entries)
