"""Firing the timers instances wait on: claimed with a lease, fired inside the instance's transaction."""

from __future__ import annotations

from datetime import timedelta

from ... import clock
from ...engine import EngineError
from ...extensions import db
from ...models import AuditEvent, ProcessInstance, Timer
from ..common.errors import Conflict, ProcessFailed
from ..common.transactions import transactional
from ..instances import rows
from ..instances.projection import Step, load_runtime, project
from ..modeling.specs import bundle_for_id
from .leases import WORKER_ID, claim

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5


def claim_due_timers(limit: int = 100, owner: str = WORKER_ID) -> list[int]:
    db.session.rollback()
    return claim(Timer, Timer.fire_at, clock.now(), LEASE, limit, owner)


@transactional
def fire(timer_id: int, owner: str = WORKER_ID) -> bool:
    """Let the instance behind one claimed timer move on; False if someone else already did."""
    timer = db.session.get(Timer, timer_id)
    if timer is None or timer.status != "pending" or timer.lease_owner != owner:
        return False
    instance = db.session.get(ProcessInstance, timer.instance_id)
    if instance is None or instance.status != "running":
        timer.status, timer.lease_owner, timer.lease_until = "cancelled", None, None
        return False
    step = Step(actor=None)
    runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
    runtime.refresh_timers()
    project(instance, runtime, step)
    db.session.add(AuditEvent(at=step.now, action="timer", instance_id=instance.id, task_name=timer.bpmn_id))
    return True


@transactional
def _record_failure(timer_id: int, message: str) -> None:
    timer = db.session.get(Timer, timer_id)
    if timer is None:
        return
    timer.last_error = message[:2000]
    timer.lease_owner = timer.lease_until = None
    if timer.attempts >= MAX_ATTEMPTS:
        timer.status = "failed"
        instance = db.session.get(ProcessInstance, timer.instance_id)
        if instance is not None:
            rows.mark_incident(instance, f"timer {timer.bpmn_id}: {message}"[:2000], status="error")


def fire_due(batch: int = 100, most: int = 10_000, owner: str = WORKER_ID) -> int:
    """Fire what is due, a leased batch at a time, until nothing is left (or `most` were tried)."""
    fired = tried = 0
    while tried < most:
        claimed = claim_due_timers(batch, owner)
        if not claimed:
            break
        tried += len(claimed)
        for timer_id in claimed:
            try:
                fired += bool(fire(timer_id, owner))
            except Conflict:
                continue  # the instance moved on meanwhile; the timer row now says so
            except EngineError as err:
                _record_failure(timer_id, str(err))
            except ProcessFailed as err:  # the step ran, but left more data than an instance may hold
                _record_failure(timer_id, err.message)
    return fired
