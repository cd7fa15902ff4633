"""The list of customer files with its filters (grade, responsible salesperson, over the limit,
credit expiring within N days), for readers of credit files. Every file listed is a read of it and
is recorded as one, as opening the file is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlalchemy.orm import selectinload

from ... import clock
from ...extensions import db
from ...models import AuditEvent, CreditDecision, Customer, User
from ..common.errors import Forbidden, ValidationFailed
from ..common.transactions import current_after_commit, transactional
from ..people.access import roles_of
from ..people.directory import CREDIT_FILE_ROLES
from .ledger import company_today

GRADES = ("A", "B", "C", "none")
FILTERS = ("grade", "responsible", "over_limit", "expiring_within")
MAX_DAYS = 3660
_YES, _NO = ("1", "true", "yes"), ("0", "false", "no", "")


@dataclass(frozen=True)
class Filters:
    grade: str | None = None
    responsible: str | None = None
    over_limit: bool = False
    expiring_within: int | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as the page's query string carries them (for the export link)."""
        args = {"grade": self.grade or "", "responsible": self.responsible or ""}
        args["over_limit"] = "1" if self.over_limit else ""
        args["expiring_within"] = "" if self.expiring_within is None else str(self.expiring_within)
        return {k: v for k, v in args.items() if v}


@dataclass(frozen=True)
class FileRow:
    customer: Customer
    valid_until: date | None
    over_limit: bool

    @property
    def responsible(self) -> str | None:
        return self.customer.responsible.username if self.customer.responsible else None


def parse_filters(args: Mapping[str, Any]) -> Filters:
    """The filters from a query string; a bad one is refused naming its field."""
    errors: dict[str, list[Any]] = {}
    grade = str(args.get("grade") or "").strip() or None
    if grade is not None and grade not in GRADES:
        errors["grade"] = [_l("must be one of %(choices)s", choices=", ".join(GRADES))]
    responsible = str(args.get("responsible") or "").strip() or None
    if responsible is not None and len(responsible) > 64:
        errors["responsible"] = [_l("must be a user name")]
    raw_over = str(args.get("over_limit") or "").strip().lower()
    if raw_over not in _YES + _NO:
        errors["over_limit"] = [_l("must be 1 or 0")]
    raw_days = str(args.get("expiring_within") or "").strip()
    days = None
    if raw_days:
        if not raw_days.isdigit() or len(raw_days) > 5 or int(raw_days) > MAX_DAYS:
            errors["expiring_within"] = [_l("must be a whole number of days from 0 to %(max)s", max=MAX_DAYS)]
        else:
            days = int(raw_days)
    if errors:
        raise ValidationFailed(errors)
    return Filters(grade, responsible, raw_over in _YES, days)


def may_list(user: User) -> bool:
    """Credit roles read every file; a salesperson reads the files of their own customers."""
    return bool(roles_of(user) & (CREDIT_FILE_ROLES | {"salesperson"}))


def is_over_limit(customer: Customer) -> bool:
    """The latest balance above the current limit; a customer without a limit holds none (第三十二–三十四条)."""
    balance = customer.receivables_balance or Decimal("0")
    return balance > (customer.credit_limit or Decimal("0"))


def _grants(customer_ids: list[int]) -> dict[int, date | None]:
    """Each customer's latest approval's end of validity."""
    found: dict[int, date | None] = {}
    query = (
        db.select(CreditDecision.customer_id, CreditDecision.valid_until)
        .where(CreditDecision.decision == "approve", CreditDecision.customer_id.in_(customer_ids))
        .order_by(CreditDecision.decided_at.desc(), CreditDecision.id.desc())
    )
    for customer_id, valid_until in db.session.execute(query):
        found.setdefault(customer_id, valid_until)
    return found


def _matches(row: FileRow, filters: Filters, today: date) -> bool:
    c = row.customer
    if filters.grade is not None and (c.grade or "none") != filters.grade:
        return False
    if filters.responsible is not None and row.responsible != filters.responsible:
        return False
    if filters.over_limit and not row.over_limit:
        return False
    if filters.expiring_within is not None:
        end = today + timedelta(days=filters.expiring_within)
        holds = (c.credit_limit or Decimal("0")) > 0
        if not (holds and row.valid_until is not None and today <= row.valid_until <= end):
            return False
    return True


def rows_for(user: User, filters: Filters) -> list[FileRow]:
    """The files this reader may see that match, by code; nothing is recorded (see list_files)."""
    query = db.select(Customer).options(selectinload(Customer.responsible)).order_by(Customer.code)
    if not roles_of(user) & CREDIT_FILE_ROLES:
        query = query.where(Customer.responsible_id == user.id)
    customers = list(db.session.scalars(query))
    grants = _grants([c.id for c in customers])
    today = company_today()
    rows = [FileRow(c, grants.get(c.id), is_over_limit(c)) for c in customers]
    return [r for r in rows if _matches(r, filters, today)]


@transactional
def list_files(user: User, filters: Filters, where: str) -> list[FileRow]:
    """The matching files; each one listed is recorded as read by this person, `where` saying how."""
    if not may_list(user):
        raise Forbidden(_l("your role does not give access to credit files"))
    rows = rows_for(user, filters)
    if rows:
        # One statement for every read: a list of hundreds of files stays one round trip.
        now = clock.now()
        reads = [
            {"at": now, "actor_id": user.id, "action": "read_credit_file", "subject": f"customer:{row.customer.code}"}
            | {"details": {"in": where}}
            for row in rows
        ]
        db.session.execute(insert(AuditEvent), reads)
        # Only the audit trail was written: the files, their salespeople and the reader are shown as
        # read, instead of each being read again, one statement apiece, once the commit has passed.
        responsible = {row.customer.responsible for row in rows if row.customer.responsible is not None}
        current_after_commit(user, *(row.customer for row in rows), *responsible)
    return rows
