"""Timer start events: each deployed process's schedule, and the instances it starts.

A row per timer start event of the newest version holds its next firing. The scheduler tick
starts an instance for each row that is due, in one transaction with moving the row on to its
next firing; the move is compared and set on the firing it read, so however many processes
tick at once, each firing starts exactly one instance. Deploying a new version replaces the
schedule of the one before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from ... import clock
from ...engine import DiagramError, EngineError, ExpressionError, SpecBundle, next_firing, timer_starts
from ...extensions import db
from ...models import AuditEvent, ProcessVersion, StartTimer
from ..common.errors import DomainError
from ..common.transactions import transactional
from ..instances.lifecycle import start_system_instance
from ..modeling.specs import bundle_for_id

_BROKEN = (ValueError, TypeError, ArithmeticError, ExpressionError, EngineError, DiagramError)


def _next(version: ProcessVersion, bundle: SpecBundle, bpmn_id: str, after: datetime, fired: int) -> datetime | None:
    start = next(s for s in timer_starts(bundle) if s.bpmn_id == bpmn_id)
    return next_firing(start, deployed_at=version.deployed_at, after=after, fired=fired, tz=clock.company_tz())


def schedule(version: ProcessVersion, bundle: SpecBundle) -> None:
    """Give a newly deployed version its timer start events' schedule; part of the deploy's transaction."""
    db.session.execute(
        update(StartTimer)
        .where(StartTimer.process_key == version.process_key, StartTimer.status == "pending")
        .values(status="replaced")
    )
    now = clock.now()
    for start in timer_starts(bundle):
        error = None
        try:
            fire_at = _next(version, bundle, start.bpmn_id, now, 0)
        except _BROKEN as err:
            fire_at, error = None, f"{start.bpmn_id}: {err}"[:2000]
        db.session.add(
            StartTimer(
                version_id=version.id,
                process_key=version.process_key,
                bpmn_id=start.bpmn_id,
                fire_at=fire_at,
                status="pending" if fire_at is not None else "done",
                fired=0,
                last_error=error,
            )
        )


def _due(now: datetime, limit: int) -> list[tuple[int, datetime]]:
    db.session.rollback()
    found = db.session.execute(
        db.select(StartTimer.id, StartTimer.fire_at)
        .where(StartTimer.status == "pending", StartTimer.fire_at <= now)
        .order_by(StartTimer.fire_at, StartTimer.id)
        .limit(limit)
    )
    return [(row_id, fire_at) for row_id, fire_at in found]


@transactional
def fire(row_id: int, seen: datetime) -> bool:
    """Start the instance of one due firing; False when another process already did."""
    row = db.session.get(StartTimer, row_id)
    if row is None or row.status != "pending" or row.fire_at is None:
        return False
    version = db.session.get(ProcessVersion, row.version_id)
    bundle = bundle_for_id(version.id, version.content_hash)
    now = clock.now()
    upcoming = _next(version, bundle, row.bpmn_id, max(now, row.fire_at), row.fired + 1)
    moved = db.session.execute(
        update(StartTimer)
        .where(StartTimer.id == row_id, StartTimer.status == "pending", StartTimer.fire_at == seen)
        .values(fire_at=upcoming, fired=StartTimer.fired + 1, status="pending" if upcoming else "done")
    ).rowcount
    if moved != 1:
        return False
    instance = start_system_instance(row.process_key, {}, fired_start=row.bpmn_id)
    db.session.add(AuditEvent(at=now, action="timer", instance_id=instance.id, task_name=row.bpmn_id))
    return True


@transactional
def _record_failure(row_id: int, seen: datetime, message: str) -> None:
    """A firing that cannot start its instance is skipped, with the reason kept; the next one still comes."""
    row = db.session.get(StartTimer, row_id)
    if row is None or row.fire_at != seen:
        return
    row.last_error = message[:2000]
    version = db.session.get(ProcessVersion, row.version_id)
    try:
        upcoming = _next(version, bundle_for_id(version.id, version.content_hash), row.bpmn_id, clock.now(), row.fired)
    except _BROKEN:
        upcoming = None
    row.fire_at, row.status = upcoming, "pending" if upcoming else "done"


def fire_due(batch: int = 100) -> int:
    """Start an instance for every due firing of a timer start event."""
    started = 0
    for row_id, seen in _due(clock.now(), batch):
        try:
            started += bool(fire(row_id, seen))
        except (DomainError, *_BROKEN) as err:
            _record_failure(row_id, seen, getattr(err, "message", None) or str(err))
    return started
