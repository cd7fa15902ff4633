"""The company's total credit against its cap (第二十四条): what is granted, the cap, the headroom."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, null, text

from ... import clock
from ...extensions import db
from ...i18n import format_cny
from ...models import CreditAllowance, Customer, ReceivablesRecord
from ..common.errors import ValidationFailed

# Any fixed number will do: it only has to be the same for every process that grants credit.
_CAP_LOCK_KEY = 24_0024


@dataclass(frozen=True)
class Totals:
    granted: Decimal
    cap: Decimal | None  # None: no cap configured and no 1 January receivables recorded
    cap_source: str  # setting | receivables | none
    own_limit: Decimal | None = None  # the asked-about customer's current limit, when one was named

    @property
    def headroom(self) -> Decimal | None:
        return None if self.cap is None else self.cap - self.granted

    def headroom_for(self, own_limit: Decimal | None) -> Decimal | None:
        """What one customer may hold at most: their own current limit is replaced, not added."""
        if self.cap is None:
            return None
        return self.cap - (self.granted - (own_limit or Decimal("0")))

    def as_data(self) -> dict[str, float | None]:
        """The figures as an instance carries them."""
        return {
            "credit_total_granted": float(self.granted),
            "credit_total_cap": None if self.cap is None else float(self.cap),
            "credit_headroom": None if self.headroom is None else float(self.headroom),
        }


def company_today(at: datetime | None = None) -> date:
    return (at or clock.now()).astimezone(clock.company_tz()).date()


@functools.cache
def _figures(with_january: bool, with_customer: bool) -> Any:
    """The statement reading the figures: built once per shape, bound per call."""
    limits = db.select(func.coalesce(func.sum(Customer.credit_limit), 0)).scalar_subquery()
    # A one-off allowance beyond a limit (第三十二条) counts in the total while it lasts.
    running = (
        db.select(func.coalesce(func.sum(CreditAllowance.amount), 0))
        .where(CreditAllowance.valid_until >= bindparam("today"))
        .scalar_subquery()
    )
    january: Any = null()
    if with_january:
        # The receivables balance recorded as of 1 January: each customer's latest recording of that day.
        latest = (
            db.select(func.max(ReceivablesRecord.id))
            .where(ReceivablesRecord.as_of == bindparam("new_year"))
            .group_by(ReceivablesRecord.customer_id)
        )
        january = (
            db.select(func.sum(ReceivablesRecord.balance)).where(ReceivablesRecord.id.in_(latest)).scalar_subquery()
        )
    own: Any = null()
    if with_customer:
        own = db.select(Customer.credit_limit).where(Customer.code == bindparam("code")).scalar_subquery()
    return db.select(limits, running, january, own)


def totals(customer_code: str | None = None) -> Totals:
    """The company's figures, and with a customer code that customer's own current limit: one statement."""
    today = company_today()
    setting = current_app.config.get("CREDIT_TOTAL_CAP")
    statement = _figures(setting is None, customer_code is not None)
    values = {"today": today, "new_year": date(today.year, 1, 1), "code": customer_code}
    granted_limits, allowed, january_total, own_limit = db.session.execute(statement, values).one()
    granted = Decimal(granted_limits or 0) + Decimal(allowed or 0)
    own_decimal = None if own_limit is None else Decimal(own_limit)
    if setting is not None:
        return Totals(granted, Decimal(str(setting)), "setting", own_decimal)
    if january_total is not None:
        return Totals(granted, Decimal(january_total), "receivables", own_decimal)
    return Totals(granted, None, "none", own_decimal)


def lock_totals() -> None:
    """Hold the company's credit total until this transaction ends, so two grants cannot both fit.

    PostgreSQL: a transaction-scoped advisory lock; a second grant waits and then reads the
    first one's limit. SQLite has one writer at a time, but the driver only opens a transaction
    at the first write: an empty write takes the writer's lock now, so the totals read next are
    current until the commit (a writer that overtook this snapshot makes the use case run again).
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CAP_LOCK_KEY})
    else:
        db.session.execute(text("UPDATE customers SET id = id WHERE id = -1"))


def check_headroom(limit: Decimal, customer_code: str, *, locked: bool) -> Totals:
    """Refuse a limit beyond what the cap leaves this customer (their own current limit is replaced).

    `locked` holds the total until the transaction ends: the step that writes the grant takes it, so two
    grants cannot both fit; an approval along the way only reads, telling the approver early without
    making every other approval in the company wait.
    """
    if locked:
        lock_totals()
    figures = totals(customer_code)
    room = figures.headroom_for(figures.own_limit)
    if room is not None and limit > room:
        raise ValidationFailed(
            {
                "approved_limit": [
                    _l(
                        "exceeds the company's total credit cap: the headroom for this customer is %(room)s",
                        room=format_cny(float(max(room, Decimal("0")))),
                    )
                ]
            }
        )
    return figures
