"""Customer service beside the complaint itself: phone inquiries and their daily log, the monthly
penalty review of closed cases and the yearly satisfaction survey."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime
from .users import User


class PhoneInquiry(db.Model):
    """One call (第三篇 电话接听): answered at once, or owed a reply within INQUIRY_REPLY_MINUTES."""

    __tablename__ = "phone_inquiries"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    customer_code: Mapped[str | None] = mapped_column(String(32))
    customer_name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    answered_at_once: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str | None] = mapped_column(Text)
    responsible_role: Mapped[str | None] = mapped_column(String(64))
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PhoneCallLog(db.Model):
    """A day's calls handed to the general manager's office on the next working day, once."""

    __tablename__ = "phone_call_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    calls: Mapped[int] = mapped_column(Integer, default=0)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))


class PenaltyReview(db.Model):
    """Last month's closed cases, reviewed by the 10th for penalties, then published (第五篇 第十二条)."""

    __tablename__ = "complaint_penalty_reviews"
    __table_args__ = (UniqueConstraint("year", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    decisions: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    published_by: Mapped[User | None] = relationship()


class SatisfactionSurvey(db.Model):
    """The yearly customer satisfaction survey (000 §6) and what came of it."""

    __tablename__ = "satisfaction_surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    analysis: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
