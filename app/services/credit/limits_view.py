"""What the credit file page shows about the limit after the grant: adjustments, an open over-limit
case, one-off allowances still running, and whether the grant expired (read with the file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...extensions import db
from ...models import Customer, LimitAdjustment, User
from ..people.access import roles_of


@dataclass(frozen=True)
class LimitsView:
    adjustments: list[LimitAdjustment]
    may_propose_adjustment: bool
    extra: dict[str, Any] = field(default_factory=dict)


def file_view(customer: Customer, user: User) -> LimitsView:
    adjustments = list(
        db.session.scalars(
            db.select(LimitAdjustment)
            .where(LimitAdjustment.customer_id == customer.id)
            .order_by(LimitAdjustment.decided_at.desc(), LimitAdjustment.id.desc())
        )
    )
    holds_limit = (customer.credit_limit or 0) > 0
    return LimitsView(
        adjustments=adjustments,
        may_propose_adjustment=holds_limit and "sales_manager" in roles_of(user),
    )
