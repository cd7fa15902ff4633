"""Working together on an instance: delegations, drafts, comments, attachments and pending returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime
from .users import User


class Delegation(db.Model):
    """While [starts_at, ends_at) lasts, the delegator's tasks go to the delegate (委托)."""

    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_period", "delegator_id", "ends_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the work is handed over; the audit trail keeps it too, with the reason for any cancellation.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Set by the tick once the open tasks went back to the delegator, so it does that once.
    ended_handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    delegator: Mapped[User] = relationship(foreign_keys=[delegator_id])
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id])


class TaskDraft(db.Model):
    """A half-filled task form, kept outside the engine so nothing of it reaches the process."""

    __tablename__ = "task_drafts"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InstanceComment(db.Model):
    """A remark on an instance; append-only like the audit trail."""

    __tablename__ = "instance_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship()


class InstanceAttachment(db.Model):
    """A file attached to an instance; the bytes live in ATTACHMENT_DIR under `storage_name`."""

    __tablename__ = "instance_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User] = relationship()


class TaskReturn(db.Model):
    """A task sent back (退回); while unresolved, the resubmission goes straight back to `from_bpmn_id`."""

    __tablename__ = "task_returns"
    __table_args__ = (Index("ix_task_returns_open", "instance_id", "resolved_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    returned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_bpmn_id: Mapped[str] = mapped_column(String(100))
    to_bpmn_id: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(20))  # previous | filer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AddedSigner(db.Model):
    """A signer the holder of a task added (加签): before themselves (the task goes to them first and
    comes back) or after (they approve next, before the process goes on)."""

    __tablename__ = "added_signers"
    __table_args__ = (Index("ix_added_signers_for_task", "for_task_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    # The row the signer was added to, and the engine task the whole step stands for.
    for_task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    engine_task_id: Mapped[str] = mapped_column(String(36))
    # The added person's own row, once it is their turn.
    signer_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    position: Mapped[str] = mapped_column(String(10))  # before | after
    reason: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))  # waiting | open | approve | reject | cancelled
    # What the holder answered, kept while an added signer after them decides.
    held_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    added_by: Mapped[User] = relationship(foreign_keys=[added_by_id])
