"""The message centre: what a person is told in the app, and the chat robots that tell a group or a person."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

if TYPE_CHECKING:
    from .users import User


class Notification(db.Model):
    """One line in a person's message centre (the bell); unread until they read it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_unread", "user_id", "read_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # assignment | returned | urge | copy | escalation | decision: the page words it in the reader's language.
    kind: Mapped[str] = mapped_column(String(20))
    # What it is about, as people typed or the diagram named it (data, shown as it is).
    subject: Mapped[str] = mapped_column(String(300))
    # The task's English title where the diagram gives one, for English readers.
    subject_en: Mapped[str | None] = mapped_column(String(300))
    # approve | reject | return | complete, for a decision; who did it, for an urge, copy or decision.
    decision: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChatWebhook(db.Model):
    """A group robot (企业微信, 钉钉 or 飞书) that hears what one person, or every holder of one role, is told."""

    __tablename__ = "chat_webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # wecom | dingtalk | feishu
    url: Mapped[str] = mapped_column(String(1000))
    # The robot's signing secret, for 钉钉 and 飞书 robots that are set to check signatures.
    secret: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()
