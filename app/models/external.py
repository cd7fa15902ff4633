"""Work that workers outside the app take on: Camunda-style external tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class ExternalTask(db.Model):
    """A service task waiting for a worker (camunda:type="external"), written with its instance.

    A worker's lock is a lease in this row: whoever's conditional update sets `lease_owner` has
    it until `lease_until`, so several workers never hold the same task.
    """

    __tablename__ = "external_tasks"
    __table_args__ = (
        Index("ix_external_tasks_fetch", "status", "topic", "available_at"),
        UniqueConstraint("instance_id", "engine_task_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # pending (waiting for a worker) | completed | cancelled | failed (no retries left: an incident)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # A failure with a retry timeout hides the task until then.
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    extension_properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
