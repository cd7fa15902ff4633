"""What happens to a credit file after the grant: limit adjustments, over-limit cases, one-off
allowances beyond the limit, and each grant's renewal or expiry (第三十二–三十六条, 第四十一–四十二条)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .customers import Customer
from .types import UTCDateTime


class LimitAdjustment(db.Model):
    """An approved lower limit (第四十二条), with its reason and every approver's opinion."""

    __tablename__ = "limit_adjustments"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    previous_limit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    new_limit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(Text)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship()


class OverLimitCase(db.Model):
    """A customer whose balance went above their limit (第三十三条), or up without a limit (第三十四条)."""

    __tablename__ = "over_limit_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # over_limit | no_limit_rise
    # The most the balance may be: the limit (with any allowance), or the earlier balance without a limit.
    ceiling: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    as_of: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    target_date: Mapped[date | None] = mapped_column(Date)
    target_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closing_balance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    closing_as_of: Mapped[date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship()


class CreditAllowance(db.Model):
    """A one-off shipment or prepayment beyond the limit, formally approved (第三十二条)."""

    __tablename__ = "credit_allowances"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(Text)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship()
