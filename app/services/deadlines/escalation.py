"""Overdue escalation (逾期反应): a late task climbs the org chart until someone acts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ...extensions import db
from ...models import AuditEvent, Complaint, HumanTask, ProcessInstance, TaskEscalation, User
from ..common.errors import DomainError
from ..common.transactions import transactional
from ..instances import events
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from ..instances.projection import load_runtime, project
from ..modeling.specs import bundle_for_id, latest_version
from ..notifications import notices

ESCALATION_PROCESS = "overdue_escalation"


def _first_supervisor(users: Iterable[User]) -> User | None:
    for user in sorted(users, key=lambda u: u.username):
        if user.supervisor is not None and user.supervisor.active:
            return user.supervisor
    return None


@register("escalation_target")
def escalation_target(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Who the next level of escalation goes to; records it on the late task."""
    if data.get("case_instance_id"):
        return _case_target(ctx, data)
    task = db.session.get(HumanTask, int(data["original_task_id"]))
    previous = data.get("target") or {}
    level = int(previous.get("level", 0))
    if task is None or task.status != "open":
        return {"found": False, "level": level, "reason": "the task is no longer open"}
    if level == 0:
        holders = [task.assignee] if task.assignee else notices.role_holders(task.role or "")
        target = _first_supervisor(h for h in holders if h is not None)
    else:
        current = db.session.scalars(db.select(User).where(User.username == previous.get("escalate_to"))).first()
        target = current.supervisor if current is not None else None
    if target is None:
        return {"found": False, "level": level, "reason": "top of the org chart reached"}
    level += 1
    for row in db.session.scalars(
        db.select(TaskEscalation).where(TaskEscalation.task_id == task.id, TaskEscalation.status == "open")
    ):
        row.status, row.closed_at = "closed", ctx.now
    db.session.add(
        TaskEscalation(
            task_id=task.id, instance_id=ctx.instance.id, level=level, escalated_to_id=target.id, created_at=ctx.now
        )
    )
    task.escalation_level, task.escalated_to_id = level, target.id
    db.session.add(
        AuditEvent(
            at=ctx.now,
            action="escalate",
            instance_id=task.instance_id,
            task_id=task.id,
            task_name=task.name,
            comment=f"escalated to {target.username}, level {level}",
            details={"level": level, "to": target.username, "escalation_instance": ctx.instance.id},
        )
    )
    db.session.flush()
    return {"found": True, "level": level, "escalate_to": target.username, "escalate_to_name": target.display_name}


def _case_target(ctx: OperationContext, data: dict[str, Any]) -> dict[str, Any]:
    """A whole complaint case past its deadline: the general manager's office answers for it
    (第五篇 第七条(三)), then on up the org chart like any 督办."""
    previous = data.get("target") or {}
    level = int(previous.get("level", 0))
    complaint = db.session.scalars(
        db.select(Complaint).where(Complaint.instance_id == int(data["case_instance_id"]))
    ).first()
    if complaint is None or complaint.closed_at is not None:
        return {"found": False, "level": level, "reason": "the case is closed"}
    if level == 0:
        target = next(iter(notices.role_holders("general_manager")), None)
    else:
        current = db.session.scalars(db.select(User).where(User.username == previous.get("escalate_to"))).first()
        target = current.supervisor if current is not None else None
    if target is None:
        return {"found": False, "level": level, "reason": "top of the org chart reached"}
    level += 1
    db.session.add(
        AuditEvent(
            at=ctx.now,
            action="escalate",
            instance_id=complaint.instance_id,
            comment=f"case past its deadline, escalated to {target.username}, level {level}",
            details={"level": level, "to": target.username, "escalation_instance": ctx.instance.id},
        )
    )
    return {"found": True, "level": level, "escalate_to": target.username, "escalate_to_name": target.display_name}


SCAN_BATCH = 200


def overdue_task_ids(now: Any, limit: int = SCAN_BATCH) -> list[int]:
    return list(
        db.session.scalars(
            db.select(HumanTask.id)
            .where(
                HumanTask.status == "open",
                HumanTask.due_at <= now,
                HumanTask.escalation_level == 0,
                HumanTask.process_key != ESCALATION_PROCESS,
            )
            .order_by(HumanTask.due_at)
            .limit(limit)
        )
    )


@transactional
def escalate(task_id: int) -> ProcessInstance | None:
    """Start the escalation of one overdue task, once, however many schedulers race for it."""
    claimed = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "open", HumanTask.escalation_level == 0)
        .values(escalation_level=-1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    task = db.session.get(HumanTask, task_id)
    db.session.refresh(task)
    if latest_version(ESCALATION_PROCESS) is None:
        raise DomainError(_l("process '%(key)s' is not deployed", key=ESCALATION_PROCESS))
    data = {
        "original_task_id": task.id,
        "original_title": task.title,
        "original_instance_id": task.instance_id,
        "original_process_key": task.process_key,
        "original_due_at": task.due_at.isoformat() if task.due_at else None,
        "holder": task.assignee.username if task.assignee else None,
        "holder_role": task.role,
        "escalation_due": current_app.config["ESCALATION_DEADLINE"],
    }
    # If nobody stands above the holder the level stays -1: shown as such, never scanned again.
    return start_system_instance(ESCALATION_PROCESS, data, business_key=task.business_key)


@events.tasks_ended.connect
def _close_when_tasks_end(step: Any, task_ids: list[int]) -> None:
    close_escalations(task_ids, step)


def close_escalations(task_ids: list[int], step: Any) -> None:
    """The late task is done (or gone): its open escalations close themselves."""
    rows = list(
        db.session.scalars(
            db.select(TaskEscalation).where(TaskEscalation.task_id.in_(task_ids), TaskEscalation.status == "open")
        )
    )
    for row in rows:
        row.status, row.closed_at = "closed", step.now
    for instance_id in sorted({row.instance_id for row in rows}):
        cancel_escalation(instance_id, step, "the overdue task was done")


def cancel_escalation(instance_id: int, step: Any, why: str) -> None:
    """End one running escalation: what it urged is done, so its 督办 task goes away."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or instance.status != "running":
        return
    runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
    runtime.cancel()
    instance.status, instance.ended_at = "cancelled", step.now
    project(instance, runtime, step)
    db.session.add(AuditEvent(at=step.now, action="escalation_closed", instance_id=instance.id, comment=why))
