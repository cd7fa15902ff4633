"""External tasks: fetch and lock, complete, fail with retries, report a BPMN error, extend, unlock.

A lock is a lease in the task's row, taken with a conditional update, so any number of workers
(and app processes) may fetch at once and each task goes to one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update

from ... import clock
from ...engine import EngineError, TaskNotReady
from ...extensions import db
from ...models import AuditEvent, ExternalTask, ProcessInstance, User
from ..common.errors import Conflict, Forbidden, NotFound, ProcessFailed, ValidationFailed
from ..common.transactions import transactional
from ..instances import incidents
from ..instances.projection import Step, load_runtime, project
from ..modeling.specs import bundle_for_id

WORKER_ROLES = ("process_owner", "admin")


@dataclass(frozen=True)
class LockedTask:
    task: ExternalTask
    instance: ProcessInstance


def require_worker(user: User) -> None:
    if not any(user.has_role(role) for role in WORKER_ROLES):
        raise Forbidden(_l("only a process owner or an administrator may work external tasks"))


def _free(now: datetime) -> Any:
    return and_(
        ExternalTask.status == "pending",
        ExternalTask.available_at <= now,
        or_(ExternalTask.lease_until.is_(None), ExternalTask.lease_until <= now),
    )


@transactional
def fetch_and_lock(user: User, worker_id: str, topics: dict[str, int], max_tasks: int) -> list[LockedTask]:
    """Lease up to `max_tasks` free tasks of the given topics (topic -> lock in ms) to `worker_id`."""
    require_worker(user)
    now = clock.now()
    locked: list[LockedTask] = []
    for topic, lock_ms in topics.items():
        if len(locked) >= max_tasks:
            break
        free = _free(now) & (ExternalTask.topic == topic)
        candidates = db.session.scalars(
            select(ExternalTask.id)
            .where(free)
            .order_by(ExternalTask.priority.desc(), ExternalTask.id)
            .limit(max_tasks - len(locked))
        ).all()
        for task_id in candidates:
            # Of several workers fetching at once, exactly one update changes the row.
            won = db.session.execute(
                update(ExternalTask)
                .where(ExternalTask.id == task_id, free)
                .values(
                    lease_owner=worker_id,
                    lease_until=now + timedelta(milliseconds=lock_ms),
                    attempts=ExternalTask.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if won == 1:
                task = db.session.get(ExternalTask, task_id)
                db.session.refresh(task)
                locked.append(LockedTask(task, db.session.get(ProcessInstance, task.instance_id)))
    return locked


def held(task_id: int, worker_id: str, now: datetime) -> ExternalTask:
    task = db.session.get(ExternalTask, task_id, with_for_update=True)
    if task is None or task.status != "pending":
        raise NotFound(_l("external task %(id)s does not exist", id=task_id))
    if task.lease_owner != worker_id or task.lease_until is None or task.lease_until <= now:
        holder = task.lease_owner if task.lease_until and task.lease_until > now else None
        raise Conflict(
            _l(
                "external task %(id)s cannot be worked by worker '%(worker)s': it is locked by '%(holder)s'",
                id=task_id,
                worker=worker_id,
                holder=holder or "nobody",
            )
        )
    return task


def complete(task_id: int, user: User, worker_id: str, variables: dict[str, Any]) -> None:
    try:
        _complete(task_id, user, worker_id, variables)
    except ProcessFailed as err:
        if err.instance_id is not None:
            incidents.record(err.instance_id, err.message)
        raise


@transactional
def _complete(task_id: int, user: User, worker_id: str, variables: dict[str, Any]) -> None:
    require_worker(user)
    step = Step(actor=user)
    task = held(task_id, worker_id, step.now)
    instance = db.session.get(ProcessInstance, task.instance_id)
    runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
    try:
        runtime.complete(task.engine_task_id, variables)
    except TaskNotReady as err:
        raise Conflict(_l("this task has already been handled")) from err
    except EngineError as err:
        raise ProcessFailed(f"the process could not continue: {err}", instance.id) from err
    task.status, task.ended_at, task.lease_owner, task.lease_until = "completed", step.now, None, None
    db.session.add(
        AuditEvent(
            at=step.now,
            actor_id=user.id,
            action="external_complete",
            instance_id=instance.id,
            task_name=task.bpmn_id,
            details={"worker": worker_id[:200], "topic": task.topic},
        )
    )
    project(instance, runtime, step)


@transactional
def failure(
    task_id: int, user: User, worker_id: str, message: str, details: str | None, retries: int, retry_ms: int
) -> None:
    """The worker could not do the task: try again after `retry_ms`, or, with no retries left, an incident."""
    require_worker(user)
    if retries < 0 or retry_ms < 0:
        raise ValidationFailed({"retries": [_l("must not be negative")]})
    now = clock.now()
    task = held(task_id, worker_id, now)
    task.retries, task.error_message, task.error_details = retries, message[:2000], (details or None)
    task.lease_owner = task.lease_until = None
    task.available_at = now + timedelta(milliseconds=retry_ms)
    if retries == 0:
        incidents.record(task.instance_id, f"external task '{task.bpmn_id}' failed: {message}")
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=user.id,
            action="external_failure",
            instance_id=task.instance_id,
            task_name=task.bpmn_id,
            comment=message[:2000],
            details={"worker": worker_id[:200], "retries": retries},
        )
    )


@transactional
def extend_lock(task_id: int, user: User, worker_id: str, new_duration_ms: int) -> None:
    require_worker(user)
    if new_duration_ms <= 0:
        raise ValidationFailed({"newDuration": [_l("must be positive")]})
    now = clock.now()
    task = held(task_id, worker_id, now)
    task.lease_until = now + timedelta(milliseconds=new_duration_ms)


@transactional
def unlock(task_id: int, user: User) -> None:
    require_worker(user)
    task = db.session.get(ExternalTask, task_id)
    if task is None or task.status != "pending":
        raise NotFound(_l("external task %(id)s does not exist", id=task_id))
    task.lease_owner = task.lease_until = None


def get(task_id: int, user: User) -> LockedTask:
    require_worker(user)
    task = db.session.get(ExternalTask, task_id)
    if task is None:
        raise NotFound(_l("external task %(id)s does not exist", id=task_id))
    return LockedTask(task, db.session.get(ProcessInstance, task.instance_id))


def has_free(topics: list[str]) -> bool:
    """Whether a fetch for these topics would find work now (long polling asks before waiting again)."""
    return (
        db.session.scalar(select(ExternalTask.id).where(_free(clock.now()), ExternalTask.topic.in_(topics)).limit(1))
        is not None
    )
