"""The process owner's overview of deployed models, counted in SQL: no workflow is ever loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func

from ...extensions import db
from ...models import AuditEvent, ProcessInstance, ProcessVersion, User


@dataclass
class ModelSummary:
    process_key: str
    name: str
    version: int
    deployed_at: datetime
    deployed_by: str | None
    # version number -> instances still running on it
    running: dict[int, int] = field(default_factory=dict)

    @property
    def running_total(self) -> int:
        return sum(self.running.values())


def overview() -> list[ModelSummary]:
    newest = (
        db.select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("version"))
        .group_by(ProcessVersion.process_key)
        .subquery()
    )
    rows = db.session.execute(
        db.select(
            ProcessVersion.process_key,
            ProcessVersion.name,
            ProcessVersion.version,
            ProcessVersion.deployed_at,
            User.display_name,
        )
        .join(
            newest, (newest.c.process_key == ProcessVersion.process_key) & (newest.c.version == ProcessVersion.version)
        )
        .outerjoin(User, User.id == ProcessVersion.deployed_by_id)
        .order_by(ProcessVersion.process_key)
    ).all()
    models = {key: ModelSummary(key, name, version, at, by) for key, name, version, at, by in rows}
    counts = db.session.execute(
        db.select(ProcessVersion.process_key, ProcessVersion.version, func.count(ProcessInstance.id))
        .join(ProcessInstance, ProcessInstance.process_version_id == ProcessVersion.id)
        .where(ProcessInstance.status == "running")
        .group_by(ProcessVersion.process_key, ProcessVersion.version)
    ).all()
    for key, version, count in counts:
        if key in models:
            models[key].running[version] = count
    return list(models.values())


def versions(process_key: str) -> list[tuple[ProcessVersion, int]]:
    """Every version of one process, newest first, with how many instances still run on it."""
    running = (
        db.select(ProcessInstance.process_version_id, func.count(ProcessInstance.id).label("n"))
        .where(ProcessInstance.status == "running", ProcessInstance.process_key == process_key)
        .group_by(ProcessInstance.process_version_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(ProcessVersion, func.coalesce(running.c.n, 0))
        .outerjoin(running, running.c.process_version_id == ProcessVersion.id)
        .where(ProcessVersion.process_key == process_key)
        .order_by(ProcessVersion.version.desc())
    ).all()
    return [(version, count) for version, count in rows]


@dataclass(frozen=True)
class VersionChanges:
    """What a deployment changed against the version before it, as its audit event recorded."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    restored_from: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "restored_from": self.restored_from,
        }


def changes_by_version(process_key: str) -> dict[int, VersionChanges]:
    """Version number -> its deployment's changes; a version deployed before changes were recorded has none."""
    return {version: c for (_key, version), c in _changes(AuditEvent.subject == f"process:{process_key}").items()}


def all_changes() -> dict[tuple[str, int], VersionChanges]:
    """(process key, version) -> its deployment's changes, for every process, in one query."""
    return _changes(AuditEvent.subject.like("process:%"))


def _changes(subject_filter: ColumnElement[bool]) -> dict[tuple[str, int], VersionChanges]:
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deploy", subject_filter).order_by(AuditEvent.id)
    )
    found: dict[tuple[str, int], VersionChanges] = {}
    for event in events:
        details = event.details or {}
        changes = details.get("changes")
        if not isinstance(details.get("version"), int) or not isinstance(changes, dict):
            continue
        found[(event.subject.removeprefix("process:"), details["version"])] = VersionChanges(
            added=list(changes.get("added", [])),
            removed=list(changes.get("removed", [])),
            changed=list(changes.get("changed", [])),
            restored_from=details.get("restored_from"),
        )
    return found
