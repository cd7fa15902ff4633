"""Durable timers, escalations and the mail outbox: rows the scheduler tick claims."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime
from .users import User


class Timer(db.Model):
    """A timer event an instance waits on; written in the same transaction as the instance."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_due", "status", "fire_at"),
        UniqueConstraint("instance_id", "engine_task_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    engine_task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | fired | cancelled
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class StartTimer(db.Model):
    """The next firing of a timer start event of a deployed version; the scheduler starts an instance
    when it is due and moves `fire_at` on in the same transaction, compared and set, so one firing
    starts one instance however many processes tick."""

    __tablename__ = "start_timers"
    __table_args__ = (
        Index("ix_start_timers_due", "status", "fire_at"),
        UniqueConstraint("version_id", "bpmn_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | replaced
    fired: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class TaskEscalation(db.Model):
    """One level of escalation (督办) of an overdue task."""

    __tablename__ = "task_escalations"
    __table_args__ = (UniqueConstraint("task_id", "level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    escalated_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    escalated_to: Mapped[User] = relationship()


class OutboxMail(db.Model):
    """A mail to send, written with the change it reports; a sender delivers it later, with retries."""

    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # assignment | escalation | digest
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # mail, or the chat robot it goes to (wecom | dingtalk | feishu): the same retries carry both.
    channel: Mapped[str] = mapped_column(String(20), default="mail", server_default="mail")
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("chat_webhooks.id", ondelete="CASCADE"))
