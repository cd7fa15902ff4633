"""What the credit file page shows about the limit after the grant: adjustments, an open over-limit
case, one-off allowances still running, and the contract year's renewal or expiry (read with the file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...extensions import db
from ...models import CreditAllowance, CreditDecision, Customer, LimitAdjustment, OverLimitCase, User
from ..people.access import roles_of
from .allowances import active
from .ledger import company_today
from .over_limit import open_case
from .renewal import cleared_once, latest_grant


@dataclass(frozen=True)
class LimitsView:
    adjustments: list[LimitAdjustment]
    allowances: list[CreditAllowance]
    over_limit: OverLimitCase | None
    grant: CreditDecision | None
    cleared_once: bool | None  # None: no grant to speak of
    may_propose_adjustment: bool
    may_ask_allowance: bool
    today: date


def file_view(customer: Customer, user: User) -> LimitsView:
    today = company_today()
    adjustments = list(
        db.session.scalars(
            db.select(LimitAdjustment)
            .where(LimitAdjustment.customer_id == customer.id)
            .order_by(LimitAdjustment.decided_at.desc(), LimitAdjustment.id.desc())
        )
    )
    grant = latest_grant(customer.id)
    cleared = None
    if grant is not None and grant.valid_until is not None:
        cleared = cleared_once(customer.id, grant.valid_from, min(today, grant.valid_until))
    roles = roles_of(user)
    return LimitsView(
        adjustments=adjustments,
        allowances=active(customer.id, today),
        over_limit=open_case(customer.id),
        grant=grant,
        cleared_once=cleared,
        may_propose_adjustment=(customer.credit_limit or 0) > 0 and "sales_manager" in roles,
        may_ask_allowance="salesperson" in roles and customer.responsible_id == user.id,
        today=today,
    )
