"""The customer credit file (客户信用档案) and its history of decisions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime
from .users import User


class Customer(db.Model):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(1))
    credit_limit: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    term_days: Mapped[int | None] = mapped_column(Integer)
    credit_type: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    decisions: Mapped[list[CreditDecision]] = relationship(
        back_populates="customer", order_by="CreditDecision.decided_at.desc(), CreditDecision.id.desc()"
    )


class CreditDecision(db.Model):
    __tablename__ = "credit_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(20))  # approve | reject
    grade: Mapped[str | None] = mapped_column(String(1))
    credit_type: Mapped[str | None] = mapped_column(String(20))
    requested_limit: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    credit_limit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    term_days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship(back_populates="decisions")
    filed_by: Mapped[User | None] = relationship()
