"""Rows for the external tasks an instance waits on, kept in line with the engine after each step."""

from __future__ import annotations

from datetime import datetime

from ...engine import ProcessRuntime, ReadyTask
from ...extensions import db
from ...models import ExternalTask, ProcessInstance


def is_external(task: ReadyTask) -> bool:
    return bool(task.extensions.get("external_topic"))


def _priority(task: ReadyTask) -> int:
    try:
        return int(str(task.extensions.get("priority") or 0))
    except ValueError:
        return 0


def sync(instance: ProcessInstance, runtime: ProcessRuntime, now: datetime) -> None:
    """One pending row per external task the engine waits on; rows whose task went away are cancelled."""
    if not runtime.waits_on_workers():
        return  # most processes have no external task: no query at all
    ready = runtime.ready_tasks()
    waiting = {t.id: t for t in ready if is_external(t)}
    rows = {
        row.engine_task_id: row
        for row in db.session.scalars(
            db.select(ExternalTask).where(ExternalTask.instance_id == instance.id, ExternalTask.status == "pending")
        )
    }
    if not waiting and not rows:
        return
    for engine_id, task in waiting.items():
        if engine_id not in rows:
            db.session.add(
                ExternalTask(
                    instance_id=instance.id,
                    engine_task_id=engine_id,
                    bpmn_id=task.bpmn_id,
                    topic=str(task.extensions["external_topic"])[:200],
                    priority=_priority(task),
                    status="pending",
                    available_at=now,
                    attempts=0,
                    extension_properties=dict(task.extensions.get("properties") or {}),
                    created_at=now,
                )
            )
    for engine_id, row in rows.items():
        if engine_id not in waiting:
            # Withdrawn by the process (an interrupting event, a cancel); a completed one is no longer pending.
            row.status = "cancelled"
            row.ended_at = now
            row.lease_owner = row.lease_until = None
