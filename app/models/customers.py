"""The customer credit file (客户信用档案): its decisions, its responsible salesperson and finance's
receivables records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text
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
    # 客户归属: the salesperson who files for this customer (the filer of its first application).
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The latest of finance's receivables records, copied here so the policy reads one row.
    receivables_balance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    overdue_balance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    receivables_as_of: Mapped[date | None] = mapped_column(Date)

    responsible: Mapped[User | None] = relationship()
    decisions: Mapped[list[CreditDecision]] = relationship(
        back_populates="customer", order_by="CreditDecision.decided_at.desc(), CreditDecision.id.desc()"
    )
    receivables: Mapped[list[ReceivablesRecord]] = relationship(
        back_populates="customer",
        order_by="ReceivablesRecord.as_of.desc(), ReceivablesRecord.id.desc()",
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
    # The decision table's own English wording of the reason, for a reader of English; a reason a person
    # typed has none.
    reason_en: Mapped[str | None] = mapped_column(Text)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A grant holds for the contract year (第三十六条); a rejection has no term of validity.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The contract year's end (第三十六条): the renewal task given, what was chosen, the expiry.
    renewal_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    renewal_choice: Mapped[str | None] = mapped_column(String(20))  # renew | end
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship(back_populates="decisions")
    filed_by: Mapped[User | None] = relationship()


class ReceivablesRecord(db.Model):
    """One recording of a customer's receivables by finance; never changed, a correction is a new row."""

    __tablename__ = "receivables_records"
    __table_args__ = (Index("ix_receivables_customer_as_of", "customer_id", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    overdue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    as_of: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(20))  # api | sheet

    customer: Mapped[Customer] = relationship(back_populates="receivables")
    recorded_by: Mapped[User | None] = relationship()
