"""Writing the engine's state back: the instance row, its task rows, one step at a time."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .. import clock
from ..engine import EngineError, ProcessRuntime, ReadyTask, SpecBundle, evaluate
from ..extensions import db
from ..models import HumanTask, ProcessInstance, User
from .deadlines import due_at
from .errors import ProcessFailed
from .operations import OPERATIONS, OperationContext


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


def service_handler(instance: ProcessInstance, actor: User | None):  # noqa: ANN201 - engine callback
    context = OperationContext(instance=instance, actor=actor)

    def handle(name: str, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        operation = OPERATIONS.get(name)
        if operation is None:
            raise EngineError(f"unknown service operation '{name}'")
        return operation(context, params, data)

    return handle


def _assignee_name(task: ReadyTask) -> str | None:
    expression = task.extensions.get("assignee")
    if not expression:
        return None
    expression = expression.strip()
    if expression.startswith("${") and expression.endswith("}"):
        expression = expression[2:-1]
    if expression in task.data:
        return str(task.data[expression])
    try:
        value = evaluate(expression, task.data)
    except Exception:  # noqa: BLE001 - a plain user name is also allowed
        return expression
    return None if value is None else str(value)


def _role(task: ReadyTask) -> str | None:
    candidates = task.extensions.get("candidate_roles")
    if candidates:
        return str(candidates).split(",")[0].strip()
    return task.lane


def _title(task: ReadyTask, instance: ProcessInstance) -> str:
    parts = [task.name]
    if instance.business_key:
        parts.append(instance.business_key)
    name = task.data.get("customer_name")
    if name:
        parts.append(str(name))
    return " · ".join(parts)[:300]


def _user_id(username: str | None) -> int | None:
    if not username:
        return None
    return db.session.scalars(db.select(User.id).where(User.username == username)).first()


def project(instance: ProcessInstance, runtime: ProcessRuntime, now: datetime) -> list[HumanTask]:
    """Store the runtime's state and bring the task rows in line with it; returns new task rows."""
    ready = runtime.ready_tasks()
    open_rows = {
        row.engine_task_id: row
        for row in db.session.scalars(
            db.select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        )
    }
    created: list[HumanTask] = []
    for task in ready:
        if task.id in open_rows:
            continue
        row = HumanTask(
            instance_id=instance.id,
            engine_task_id=task.id,
            process_key=instance.process_key,
            business_key=instance.business_key,
            bpmn_id=task.bpmn_id,
            name=task.name,
            title=_title(task, instance),
            form_key=task.form_key,
            role=_role(task),
            assignee_id=_user_id(_assignee_name(task)),
            status="open",
            created_at=now,
            due_at=due_at(task.extensions.get("due"), now),
        )
        db.session.add(row)
        created.append(row)
    ready_ids = {t.id for t in ready}
    for engine_id, row in open_rows.items():
        if engine_id not in ready_ids:
            row.status = "cancelled"
            row.completed_at = now
    instance.state = runtime.dump()
    instance.data = jsonable(runtime.data())
    if runtime.completed:
        instance.status = "completed"
        instance.ended_at = now
    db.session.flush()
    return created


def start_runtime(
    bundle: SpecBundle, instance: ProcessInstance, data: dict[str, Any], actor: User | None
) -> ProcessRuntime:
    try:
        return ProcessRuntime.start(bundle, data, service_handler(instance, actor))
    except EngineError as err:
        raise ProcessFailed(f"the process could not start: {err}") from err


def load_runtime(bundle: SpecBundle, instance: ProcessInstance, actor: User | None) -> ProcessRuntime:
    return ProcessRuntime.load(bundle, instance.state, service_handler(instance, actor))


def now() -> datetime:
    return clock.now()
