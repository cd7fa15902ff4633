"""The writes every task completion makes, as prebuilt Core statements on the session's connection.

This module is also the instance row's one optimistic lock: ``store_state`` writes the engine's
state only where ``lock_version`` still has the value read at the start of the use case, and bumps
it; ``mark_incident`` bumps it too, so a completion that read the row before an incident was
recorded cannot overwrite the incident. A lost race raises ``StaleDataError``, which the
transaction turns into a 409.

A completion writes a handful of small rows. Through the ORM's unit of work each of them cost more
than the engine's whole step (bench/RESULTS.md); the same statements built once and executed on the
transaction's connection cost a few tens of microseconds. The ORM objects the callers hold are kept
in line with what was written, so the rest of the use case can go on reading them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import AuditEvent, HumanTask, OutboxMail, ProcessInstance, TaskCandidate

M = TypeVar("M", HumanTask, ProcessInstance)
_AUDIT_COLUMNS = ("at", "actor_id", "action", "instance_id", "task_id", "task_name", "subject", "comment", "details")
_INSERT_AUDIT = insert(AuditEvent)
_INSERT_TASKS = insert(HumanTask).returning(HumanTask.id)
_INSERT_MAIL = insert(OutboxMail)
_INSERT_CANDIDATES = insert(TaskCandidate)
_INSERT_INSTANCE = insert(ProcessInstance).returning(ProcessInstance.id)
# A row "held" waits while a signer its holder added before them decides (加签): it still stands for
# its engine task, and ends with it.
LIVE = ("open", "held")
_OPEN_TASKS = select(HumanTask.id, HumanTask.engine_task_id).where(
    HumanTask.instance_id == bindparam("instance_id"), HumanTask.status.in_(LIVE)
)
_CANCEL_TASKS = (
    update(HumanTask)
    .where(HumanTask.id.in_(bindparam("ids", expanding=True)), HumanTask.status.in_(LIVE))
    .values(status="cancelled", completed_at=bindparam("at"))
)
_STORE_STATE = (
    update(ProcessInstance)
    .where(ProcessInstance.id == bindparam("instance_id"), ProcessInstance.lock_version == bindparam("seen_version"))
    .values(
        state=bindparam("state"),
        data=bindparam("data"),
        status=bindparam("status"),
        ended_at=bindparam("ended_at"),
        lock_version=bindparam("next_version"),
    )
)

_MARK_INCIDENT = (
    update(ProcessInstance)
    .where(ProcessInstance.id == bindparam("instance_id"))
    .values(error=bindparam("error"), status=bindparam("status"), lock_version=ProcessInstance.lock_version + 1)
)

# Every column a new task row starts with, so the ORM object made from it never reloads one.
_TASK_DEFAULTS: dict[str, Any] = {
    "status": "open",
    "completed_at": None,
    "completed_by_id": None,
    "escalation_level": 0,
    "escalated_to_id": None,
    "priority": 50,
    "follow_up_at": None,
}


# Every column a new instance row starts with: its state and data come with the first step's write.
_INSTANCE_DEFAULTS: dict[str, Any] = {
    "error": None,
    "state": "{}",
    "lock_version": 1,
    "ended_at": None,
    "due_at": None,
    "case_closed_at": None,
}


def insert_instance(values: dict[str, Any]) -> ProcessInstance:
    """Insert a new instance row and hand back its ORM object, as if just loaded."""
    row = {**_INSTANCE_DEFAULTS, "data": {}, **values}
    row_id = db.session.connection().execute(_INSERT_INSTANCE, row).scalar_one()
    return _as_loaded(ProcessInstance, row_id, row)


def _as_loaded(model: type[M], row_id: int, row: dict[str, Any]) -> M:
    """The ORM object of a row just inserted by a Core statement, in the session as if read back."""
    obj = model(id=row_id, **row)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def audit(**values: Any) -> None:
    """Append one audit event."""
    row = {column: values.get(column) for column in _AUDIT_COLUMNS}
    row["details"] = row["details"] or {}
    db.session.connection().execute(_INSERT_AUDIT, row)


def open_tasks(instance_id: int) -> dict[str, int]:
    """The instance's open (or held) task rows: engine task id to row id."""
    rows = db.session.connection().execute(_OPEN_TASKS, {"instance_id": instance_id})
    return {engine_task_id: row_id for row_id, engine_task_id in rows}


def cancel_tasks(row_ids: list[int], at: datetime) -> None:
    if row_ids:
        db.session.connection().execute(_CANCEL_TASKS, {"ids": row_ids, "at": at})


def insert_tasks(values: list[dict[str, Any]]) -> list[HumanTask]:
    """Insert new task rows and hand back ORM objects for them, as if just loaded."""
    if not values:
        return []
    rows = [{**_TASK_DEFAULTS, **value} for value in values]
    connection = db.session.connection()
    # One statement per row: RETURNING over a multi-row insert does not promise the rows' order.
    ids = [connection.execute(_INSERT_TASKS, row).scalar_one() for row in rows]
    return [_as_loaded(HumanTask, row_id, row) for row_id, row in zip(ids, rows, strict=True)]


def insert_candidates(created: list[HumanTask], extras: list[tuple[list[str], list[int]]]) -> None:
    """The further candidate roles and the candidate people of new task rows (none for most tasks)."""
    values = [
        {"task_id": task.id, "role": role, "user_id": None}
        for task, (roles, _) in zip(created, extras, strict=True)
        for role in roles
    ] + [
        {"task_id": task.id, "role": None, "user_id": user_id}
        for task, (_, user_ids) in zip(created, extras, strict=True)
        for user_id in user_ids
    ]
    if values:
        db.session.connection().execute(_INSERT_CANDIDATES, values)
    for task, (roles, user_ids) in zip(created, extras, strict=True):
        if not roles and not user_ids:
            # Known to have none: the checks that follow need not ask the database.
            set_committed_value(task, "candidates", [])


def store_state(instance: ProcessInstance, state: str, data: dict[str, Any], status: str, ended_at: Any) -> None:
    """Write the engine's state with the instance's optimistic lock, and keep the ORM object in line.

    An instance not yet in the database (a process just starting) goes through the ORM as usual.
    """
    if not inspect(instance).persistent:
        instance.state, instance.data, instance.status, instance.ended_at = state, data, status, ended_at
        return
    seen = instance.lock_version
    written = (
        db.session.connection()
        .execute(
            _STORE_STATE,
            {
                "instance_id": instance.id,
                "seen_version": seen,
                "state": state,
                "data": data,
                "status": status,
                "ended_at": ended_at,
                "next_version": seen + 1,
            },
        )
        .rowcount
    )
    if written != 1:
        raise StaleDataError(f"process instance {instance.id} was changed by someone else")
    for name, value in (
        ("state", state),
        ("data", data),
        ("status", status),
        ("ended_at", ended_at),
        ("lock_version", seen + 1),
    ):
        set_committed_value(instance, name, value)


def mark_incident(instance: ProcessInstance, error: str | None, status: str | None = None) -> None:
    """Record (or clear) an incident on an instance, outside any engine step."""
    db.session.connection().execute(
        _MARK_INCIDENT,
        {"instance_id": instance.id, "error": error, "status": status or instance.status},
    )
    db.session.expire(instance, ["error", "status", "lock_version"])


def queue_mails(rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.connection().execute(_INSERT_MAIL, [{"status": "pending", "attempts": 0, **row} for row in rows])
