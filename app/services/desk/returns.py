"""Returning a task (退回) to the previous person or to the filer, and coming straight back after.

The engine is reset to the step returned to; when that step is done again, steps the
returner had already seen approved are passed through with their earlier answers
(recorded as skipped), so the task lands again on the person who returned it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ...engine import EngineError, ProcessRuntime, TaskNotReady
from ...extensions import db
from ...models import AuditEvent, HumanTask, ProcessInstance, TaskReturn, User
from ..common.errors import Conflict, Forbidden, NotFound, ProcessFailed, ValidationFailed
from ..common.transactions import transactional
from ..deadlines.durations import parse_deadline
from ..deadlines.escalation import close_escalations
from ..instances import rules
from ..instances.lifecycle import start_form
from ..instances.projection import Step, due_for, load_runtime, project
from ..modeling.specs import bundle_for_id
from ..notifications import notices
from ..people.access import may_act_on
from . import drafts
from .opinions import MAX_OPINION

TARGETS = ("previous", "filer")
# A step that exists only here, not in the diagram: the filer files the application again.
RESUBMIT_STEP = "resubmit_application"
# Its name in both languages, like the names the diagram gives its own steps.
RESUBMIT_NAME, RESUBMIT_NAME_EN = "重新提交申请", "Resubmit the application"
_MAX_SKIPS = 50


def _opinion(comment: object) -> str:
    if not isinstance(comment, str) or not comment.strip():
        raise ValidationFailed({"comment": [_l("an opinion is required to return a task")]})
    if len(comment) > MAX_OPINION:
        raise ValidationFailed({"comment": [_l("at most %(count)s characters", count=MAX_OPINION)]})
    return comment.strip()


def _completed_steps(instance: ProcessInstance, runtime: ProcessRuntime, by: int | None = None) -> list[HumanTask]:
    query = (
        db.select(HumanTask)
        .where(
            HumanTask.instance_id == instance.id,
            HumanTask.status == "completed",
            HumanTask.bpmn_id != RESUBMIT_STEP,
        )
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    )
    if by is not None:
        query = query.where(HumanTask.completed_by_id == by)
    return [row for row in db.session.scalars(query) if runtime.was_completed(row.engine_task_id)]


def _audit(step: Step, action: str, instance: ProcessInstance, task: HumanTask | None, **kw: Any) -> None:
    db.session.add(
        AuditEvent(
            at=step.now,
            actor_id=step.actor.id if step.actor else None,
            action=action,
            instance_id=instance.id,
            task_id=task.id if task else None,
            task_name=task.name if task else kw.pop("task_name", None),
            **kw,
        )
    )


@transactional
def return_task(task_id: int, actor: User, target: object, comment: object) -> HumanTask:
    """The holder sends the task back; returns the task row that now waits for the other person."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    if not may_act_on(actor, task):
        raise Forbidden(_l("only the holder of the task may return it"))
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    if target not in TARGETS:
        raise ValidationFailed({"target": [_l("must be one of %(values)s", values=", ".join(TARGETS))]})
    opinion = _opinion(comment)
    instance = db.session.get(ProcessInstance, task.instance_id)
    if instance is None or instance.status != "running":
        raise Conflict(_l("this process has already ended"))
    if task.bpmn_id == RESUBMIT_STEP:
        raise Conflict(_l("the application is already back with its filer"))
    if task.sign_kind:
        # One of several signing a step approves or rejects; sending the whole step back is for its holder.
        raise Conflict(_l("a signer approves or rejects; this step cannot be returned from here"))
    step = Step(actor=actor)
    runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
    filer_id = instance.started_by_id
    candidates = _completed_steps(instance, runtime, by=filer_id if target == "filer" else None)
    if target == "previous" and not candidates:
        raise ValidationFailed({"target": [_l("there is no earlier step to return to; return it to the filer")]})
    if target == "filer" and filer_id is None:
        raise ValidationFailed({"target": [_l("this process was started by the system and has no filer")]})
    # The conditional update is the claim: a completion at the same moment wins or loses as a whole.
    taken = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.status == "open")
        .values(status="returned", completed_at=step.now, completed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Conflict(_l("this task has already been handled"))
    try:
        if candidates:
            back_to = candidates[0]
            runtime.reset_to(back_to.engine_task_id)
            to_bpmn_id, to_name = back_to.bpmn_id, back_to.name
        else:
            runtime.reset_to(runtime.start_event_id())
            to_bpmn_id, to_name = RESUBMIT_STEP, RESUBMIT_NAME
    except (TaskNotReady, EngineError) as err:
        raise Conflict(_l("this task cannot be returned: %(reason)s", reason=str(err))) from err
    db.session.add(
        TaskReturn(
            instance_id=instance.id,
            returned_by_id=actor.id,
            from_bpmn_id=task.bpmn_id,
            to_bpmn_id=to_bpmn_id,
            target=str(target),
            created_at=step.now,
        )
    )
    _audit(step, "return", instance, task, comment=opinion, details={"target": target, "to": to_name})
    if task.escalation_level > 0:
        close_escalations([task.id], step)
    if candidates:
        # The earlier step's own row opens again for the person who did it: one row per engine task.
        db.session.execute(
            update(HumanTask)
            .where(HumanTask.id == back_to.id)
            .values(
                status="open",
                assignee_id=back_to.completed_by_id,
                completed_at=None,
                completed_by_id=None,
                created_at=step.now,
                # A fresh deadline counted from now: the old one passed with the step itself, and a
                # step without one gets RETURN_DEADLINE, since escalation only watches deadlines.
                due_at=due_for(instance, runtime, back_to.engine_task_id, step) or _return_due(step),
                escalation_level=0,
                escalated_to_id=None,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.expire(back_to)
        project(instance, runtime, step)
        db.session.refresh(back_to)
        notices.assignment(back_to, step.now, kind="returned")
        return back_to
    project(instance, runtime, step)
    resubmit = HumanTask(
        instance_id=instance.id,
        engine_task_id=f"resubmit-{uuid4().hex[:24]}",
        process_key=instance.process_key,
        business_key=instance.business_key,
        bpmn_id=RESUBMIT_STEP,
        name=RESUBMIT_NAME,
        title=f"{RESUBMIT_NAME} · {instance.title}"[:300],
        name_en=RESUBMIT_NAME_EN,
        title_en=f"{RESUBMIT_NAME_EN} · {instance.title}"[:300],
        form_key=_start_form_key(instance),
        role=None,
        assignee_id=filer_id,
        status="open",
        created_at=step.now,
        due_at=_return_due(step),
    )
    db.session.add(resubmit)
    db.session.flush()
    # The filer corrects what they filed rather than typing it all again.
    drafts.prepare(resubmit, filer_id, _filed_values(instance))
    notices.assignment(resubmit, step.now, kind="returned")
    return resubmit


def _return_due(step: Step) -> datetime:
    """Work sent back is due like any other (RETURN_DEADLINE), so a filer who sits on it is escalated."""
    return parse_deadline(current_app.config["RETURN_DEADLINE"]).due(step.now, step.calendar)


def _start_form_key(instance: ProcessInstance) -> str | None:
    form = start_form(instance.process_key).form
    return form.key if form is not None else None


def _filed_values(instance: ProcessInstance) -> dict[str, Any]:
    form = start_form(instance.process_key).form
    data = instance.data or {}
    return {f.name: data[f.name] for f in form.fields if f.name in data} if form is not None else {}


def resubmit(runtime: ProcessRuntime, data: dict[str, Any], instance: ProcessInstance, step: Step) -> None:
    """The filer files again: the instance restarts from its start event with the corrected data.

    When what the approvers approved has changed, their approvals no longer hold: the pending
    return is settled here, so every step is done again by a person instead of passed through.
    """
    policy = rules.for_process(instance.process_key)
    if policy is not None and policy.material_change(instance, data):
        for pending in db.session.scalars(
            db.select(TaskReturn).where(TaskReturn.instance_id == instance.id, TaskReturn.resolved_at.is_(None))
        ):
            pending.resolved_at = step.now
        _audit(step, "supersede", instance, None, task_name=RESUBMIT_NAME, details={"reason": "changed"})
    try:
        runtime.refile({k: v for k, v in data.items() if v is not None})
    except TaskNotReady as err:
        raise Conflict(_l("this application can no longer be resubmitted")) from err


def pending_exists(instance_id: Any) -> Any:
    """A SQL flag: whether the instance has a return still waiting to land (usually it has none)."""
    return (
        db.select(TaskReturn.id)
        .where(TaskReturn.instance_id == instance_id, TaskReturn.resolved_at.is_(None))
        .exists()
        .label("return_pending")
    )


def _pending(instance: ProcessInstance) -> TaskReturn | None:
    return db.session.scalars(
        db.select(TaskReturn)
        .where(TaskReturn.instance_id == instance.id, TaskReturn.resolved_at.is_(None))
        .order_by(TaskReturn.id.desc())
        .limit(1)
    ).first()


def _earlier_answer(instance: ProcessInstance, bpmn_id: str) -> dict[str, Any] | None:
    """What the step was last answered with, if it was approved or completed (never a refusal)."""
    event = db.session.scalars(
        db.select(AuditEvent)
        .join(HumanTask, HumanTask.id == AuditEvent.task_id)
        .where(
            AuditEvent.instance_id == instance.id,
            HumanTask.bpmn_id == bpmn_id,
            AuditEvent.action.in_(("approve", "complete")),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return None
    answer = {k: v for k, v in (event.details or {}).items() if v is not None and k != "on_behalf_of"}
    if event.comment:
        answer["comment"] = event.comment
    return answer


def fast_forward(instance: ProcessInstance, runtime: ProcessRuntime, step: Step) -> TaskReturn | None:
    """After a returned-to step is done, pass steps already approved until the returner's step is ready."""
    pending = _pending(instance)
    if pending is None:
        return None
    for _ in range(_MAX_SKIPS):
        ready = runtime.ready_tasks()
        if not ready or any(t.bpmn_id == pending.from_bpmn_id for t in ready):
            break
        skippable = [(t, _earlier_answer(instance, t.bpmn_id)) for t in ready]
        skippable = [(t, answer) for t, answer in skippable if answer is not None]
        if not skippable:
            break  # a step nobody answered before must be done by a person
        ready_task, answer = skippable[0]
        try:
            runtime.complete(ready_task.id, answer)
        except EngineError as err:
            # Plain text on purpose: it is stored as the incident, the same words completing a task stores.
            raise ProcessFailed(f"the process could not continue: {err}", instance.id) from err
        # Nobody acted here: the system passed the step on with its earlier answer.
        db.session.add(
            AuditEvent(
                at=step.now,
                actor_id=None,
                action="skip",
                instance_id=instance.id,
                task_name=ready_task.name,
                details={"reason": "returned", "returned_by": pending.returned_by_id, "reused": answer.get("decision")},
            )
        )
    return pending


def land(pending: TaskReturn | None, instance: ProcessInstance, created: list[HumanTask], step: Step) -> None:
    """Give the returner's step back to the returner; the return is then settled."""
    if pending is None:
        return
    for row in created:
        if row.bpmn_id == pending.from_bpmn_id:
            row.assignee_id = pending.returned_by_id
            pending.resolved_at = step.now
            notices.assignment(row, step.now)
    if instance.status != "running":
        pending.resolved_at = step.now
