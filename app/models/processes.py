"""Deployed process versions, running instances, their human tasks and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime
from .users import User


class ProcessVersion(db.Model):
    """One deployed version of a process: its BPMN and the DMN tables it uses, frozen."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    source_name: Mapped[str] = mapped_column(String(200))
    # Deferred: only a cache miss of the parsed spec needs the XML.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    dmn_xml: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, deferred=True)
    # The diagrams of the processes its call activities call from other files, frozen as deployed.
    called_bpmn: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    deployed_by: Mapped[User | None] = relationship()


class ProcessInstance(db.Model):
    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_instances_key_status", "process_key", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))  # running | completed | cancelled | error
    error: Mapped[str | None] = mapped_column(Text)
    # The engine's serialized state (without the spec) is the source of truth;
    # `data` is a projection kept so pages never have to deserialize it.
    state: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The optimistic lock: every write of this row goes through app/services/instances/rows.py, which
    # bumps it, and a write of the engine's state only lands if nobody bumped it since it was read.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The whole case's deadline (e.g. a complaint closed within 15/20 days), and when the case was closed.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    case_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    process_version: Mapped[ProcessVersion] = relationship()
    started_by: Mapped[User | None] = relationship()


class HumanTask(db.Model):
    """A projection of one ready user task: what inboxes and supervisors query."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_open", "assignee_id", "status", "due_at"),
        Index("ix_tasks_role_open", "role", "status", "due_at"),
        Index("ix_tasks_instance", "instance_id", "status"),
        Index("ix_tasks_open_due", "status", "due_at"),
        # The inbox reads one person's rows, or one role's unclaimed rows, already in the page's order.
        # assignee_id is in the queue indexes because "IS NULL" matches half the table: without it the
        # planner may take the assignee index for a role's queue and walk every unclaimed task.
        Index("ix_tasks_assignee_created", "assignee_id", "status", "created_at"),
        Index("ix_tasks_queue_due", "role", "assignee_id", "status", "due_at"),
        Index("ix_tasks_queue_created", "role", "assignee_id", "status", "created_at"),
        Index("ix_tasks_completed_by", "completed_by_id", "status", "completed_at"),
        Index("ix_tasks_assignee_priority", "assignee_id", "status", "priority"),
        Index("ix_tasks_queue_priority", "role", "assignee_id", "status", "priority"),
        UniqueConstraint("instance_id", "engine_task_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    engine_task_id: Mapped[str] = mapped_column(String(36))
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    # English beside the diagram's Chinese, when the diagram gives it (nameEn / titleEn).
    name_en: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    form_key: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | completed | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Denormalised from task_escalations so lists show "escalated to X, level N" without a join.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Denormalised for the inbox's filters, so a search never joins the instance or reads its JSON.
    customer: Mapped[str | None] = mapped_column(String(200))
    search_text: Mapped[str | None] = mapped_column(String(600))  # lower-cased title and business key
    # Camunda's task priority (0..100 by convention, 50 when the diagram gives none) and follow-up date.
    priority: Mapped[int] = mapped_column(Integer, default=50)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How this row came to be when it is one of several signing one step: a co-signer of the diagram's
    # 会签 / 或签 (all | share | any), or a signer its holder added (加签: before | after).
    sign_kind: Mapped[str | None] = mapped_column(String(10))

    instance: Mapped[ProcessInstance] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id])
    # Beyond `role`: the further candidate groups and the candidate users of a task drawn with several.
    candidates: Mapped[list[TaskCandidate]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="TaskCandidate.id"
    )

    @property
    def candidate_roles(self) -> list[str]:
        """Every role whose holders may take the task from their queue: `role` first."""
        extra = [c.role for c in self.candidates if c.role and c.role != self.role]
        return ([self.role] if self.role else []) + list(dict.fromkeys(extra))

    @property
    def candidate_user_ids(self) -> set[int]:
        return {c.user_id for c in self.candidates if c.user_id is not None}

    @property
    def display_name(self) -> str:
        """The task's name in the reader's language, the diagram's own name when it has no English."""
        return self.name_en if self.name_en and _reads_english() else self.name

    @property
    def display_title(self) -> str:
        return self.title_en if self.title_en and _reads_english() else self.title


class TaskCandidate(db.Model):
    """One more role, or one person, who may take an open task (Camunda's several candidates)."""

    __tablename__ = "task_candidates"
    __table_args__ = (
        Index("ix_task_candidates_role", "role", "task_id"),
        Index("ix_task_candidates_user", "user_id", "task_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


def _reads_english() -> bool:
    from ..i18n import current_locale

    return current_locale() == "en"


class AuditEvent(db.Model):
    """Append-only: who did what, when, with which comment."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    task_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    task: Mapped[HumanTask | None] = relationship()

    @property
    def display_task_name(self) -> str | None:
        """The task's name in the reader's language; `task_name` keeps the diagram's own name as recorded."""
        if self.task is not None and self.task.name_en and _reads_english():
            return self.task.name_en
        return self.task_name


class InstanceWatcher(db.Model):
    """A colleague copied on an instance (抄送): may read it, may not act on it."""

    __tablename__ = "instance_watchers"
    __table_args__ = (UniqueConstraint("instance_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Until the colleague opens the instance, it is marked unread in their list of copies.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
