"""The process owner's overview of deployed models, counted in SQL: no workflow is ever loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func

from ..extensions import db
from ..models import ProcessInstance, ProcessVersion, User


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
