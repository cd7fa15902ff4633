"""Customer complaints (客户投诉): numbering, the case record and the monthly reports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime
from .users import User


class ComplaintCounter(db.Model):
    """The running count of a year's complaints; incremented in the intake's own transaction."""

    __tablename__ = "complaint_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Complaint(db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_closed", "closed_at"),
        Index("ix_complaints_open_due", "closed_at", "due_at"),
        UniqueConstraint("year", "sequence"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    customer_code: Mapped[str | None] = mapped_column(String(32))
    customer_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(30))
    amount_claimed: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(30))
    responsibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reopened_from_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The case clock (第五篇 第十条): when the whole case passed its deadline and the general manager's
    # 督办 started; closing the case ends that escalation.
    case_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    case_escalation_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))

    reopened_from: Mapped[Complaint | None] = relationship(remote_side=[id])
    recorded_by: Mapped[User | None] = relationship()


class ComplaintReport(db.Model):
    """Last month's statistics, made once on the 1st and handed to the general manager."""

    __tablename__ = "complaint_reports"
    __table_args__ = (UniqueConstraint("year", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    csv: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))


class RoleStandIn(db.Model):
    """Someone named to hold a role for a period, e.g. the customer-service director's stand-in."""

    __tablename__ = "role_stand_ins"
    id: Mapped[int] = mapped_column(primary_key=True)
    role_key: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
