"""The inbox and acting on human tasks."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, update
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from ... import clock
from ...engine import EngineError, TaskNotReady
from ...extensions import db
from ...models import AuditEvent, HumanTask, InstanceAttachment, ProcessInstance, ProcessVersion, TaskCandidate, User
from ...taskforms import FormDef, validate_data
from ..common.errors import Conflict, Forbidden, NotFound, ProcessFailed, ValidationFailed
from ..common.transactions import current_after_commit, transactional
from ..deadlines.escalation import close_escalations
from ..instances import incidents, rows, rules
from ..instances.lifecycle import instance_title
from ..instances.projection import (
    DEFAULT_APPROVAL_FORM,
    PLAIN_TASK_FORM,
    Step,
    load_runtime,
    process_variables,
    project,
)
from ..instances.signing_rows import ADDED, CO_SIGNING
from ..modeling.specs import bundle_for_id
from ..notifications import centre
from ..people.access import in_queue_of, may_act_on, may_claim, own_roles
from . import delegation, drafts, inbox, opinions, returns, signers

SCOPES = ("mine", "queue", "all")
DECISION_ACTIONS = {"approve", "reject", "return"}


def list_tasks(user: User, scope: str = "all", limit: int = 200) -> list[HumanTask]:
    """Open tasks for a user, soonest due first (no deadline last): the inbox's first page, read the same way."""
    if scope not in SCOPES:
        raise ValidationFailed({"scope": [_l("must be one of %(values)s", values=", ".join(SCOPES))]})
    return inbox.list_page(user, inbox.InboxQuery(tab=scope), limit=limit).rows


def count_open(user: User) -> int:
    return inbox.open_count(user)


def get_task_for(user: User, task_id: int) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    if not may_act_on(user, task) and task.completed_by_id != user.id:
        raise Forbidden(_l("this task is not yours"))
    return task


@transactional
def claim(task_id: int, user: User) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    if not in_queue_of(user, task):
        raise Forbidden(_l("only holders of the task's role may claim it"))
    if not may_claim(user, task):
        raise Forbidden(_l("you filed this application, so a step of it cannot be yours as someone's delegate"))
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    if task.assignee_id == user.id:
        return task
    claimed = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "open", HumanTask.assignee_id.is_(None))
        .values(assignee_id=user.id)
    ).rowcount
    if claimed != 1:
        raise Conflict(_l("someone else claimed this task first"))
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=user.id,
            action="claim",
            instance_id=task.instance_id,
            task_id=task.id,
            task_name=task.name,
        )
    )
    db.session.refresh(task)
    return task


# Audit actions that change who holds a task; the latest one tells how the holder got it.
_HOLDER_CHANGES = ("claim", "unclaim", "transfer", "reassign")


@transactional
def unclaim(task_id: int, user: User) -> HumanTask:
    """Put a task back in its role's queue: only its holder, and only if they took it from that queue."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    if task.assignee_id != user.id:
        raise Forbidden(_l("only the person holding this task may give it back"))
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    last = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.task_id == task_id, AuditEvent.action.in_(_HOLDER_CHANGES))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if (
        not (task.candidate_roles or task.candidate_user_ids)
        or last is None
        or last.action != "claim"
        or last.actor_id != user.id
    ):
        raise Forbidden(_l("only a task claimed from a role's queue can be given back"))
    released = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "open", HumanTask.assignee_id == user.id)
        .values(assignee_id=None)
    ).rowcount
    if released != 1:
        raise Conflict(_l("the task changed meanwhile; reload and try again"))
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=user.id,
            action="unclaim",
            instance_id=task.instance_id,
            task_id=task.id,
            task_name=task.name,
        )
    )
    db.session.refresh(task)
    return task


def _action_of(task: HumanTask, data: dict[str, Any]) -> str:
    decision = data.get("decision")
    return str(decision) if decision in DECISION_ACTIONS else "complete"


def complete(task_id: int, user: User, data: dict[str, Any]) -> HumanTask:
    """Complete a task; if the diagram itself fails, the instance is marked as an incident for the process owner."""
    try:
        return _complete(task_id, user, data)
    except ProcessFailed as err:
        if err.instance_id is not None:
            incidents.record(err.instance_id, err.message)
        raise


@functools.cache
def _task_to_complete() -> Any:
    """The task, its instance, its version and the rare-case flags: built once, bound per call."""
    return (
        db.select(
            HumanTask,
            ProcessInstance,
            ProcessVersion,
            returns.pending_exists(HumanTask.instance_id),
            drafts.exists_for(HumanTask.id),
            delegation.was_delegated(HumanTask.instance_id, HumanTask.id),
            signers.pending_exists(HumanTask.id),
            db.select(TaskCandidate.id).where(TaskCandidate.task_id == HumanTask.id).exists(),
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
        .where(HumanTask.id == bindparam("task_id"))
        # The instance's version comes with it: the filer's message names the process from it.
        .options(contains_eager(ProcessInstance.process_version))
    )


_COMPLETE_TASK = (
    update(HumanTask)
    .where(HumanTask.id == bindparam("task_id"), HumanTask.status == "open")
    .values(
        status="completed",
        completed_at=bindparam("at"),
        completed_by_id=bindparam("user_id"),
        assignee_id=bindparam("user_id"),
    )
)


@transactional
def _complete(task_id: int, user: User, data: dict[str, Any]) -> HumanTask:
    # The task, its instance and the version's content hash in one read: the hash finds the cached spec.
    # The flags say whether the rare cases (a pending return, a draft, a delegated task) need their own reads.
    found = db.session.execute(_task_to_complete(), {"task_id": task_id}).first()
    if found is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    task, instance, version, return_pending, has_draft, delegated, signers_pending, has_candidates = found
    if not has_candidates:
        set_committed_value(task, "candidates", [])  # most tasks have none: the access check need not ask
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    if not may_act_on(user, task):
        raise Forbidden(_l("this task is not yours"))
    opinions.refuse_own_application(user, instance, task)
    clean = _validated(task, instance, data, user)
    opinions.require_opinion(clean)
    step = Step(actor=user, claimed_row=task.id)
    step.before_writes = lambda: _claim(task, instance, user, clean, delegated, step.now)
    # The row that stands for the engine step, and what it is completed with: the task itself, unless
    # signers were added to it (加签) or it is an added signer's own.
    proceed = signers.Proceed(row=task, data=clean, rejected=clean.get("decision") == "reject")
    if signers_pending or task.sign_kind in ADDED:
        step.writes()
        found_step = signers.answered(task, clean, instance, step)
        if found_step is None:
            _after_step(task, has_draft, step)
            return task
        proceed = found_step
    runtime = load_runtime(bundle_for_id(instance.process_version_id, version.content_hash), instance, step)
    row = proceed.row
    try:
        if row.bpmn_id == returns.RESUBMIT_STEP:
            step.writes()
            returns.resubmit(runtime, proceed.data, instance, step)
        elif proceed.row is not task and signers.ends_rejected(proceed):
            runtime.cancel()  # a signer after the holder rejected what the step's form cannot reject
            instance.status, instance.ended_at = "rejected", step.now
        else:
            runtime.complete(row.engine_task_id, {k: v for k, v in proceed.data.items() if v is not None})
    except TaskNotReady as err:
        raise Conflict(_l("this task has already been handled")) from err
    except EngineError as err:
        raise ProcessFailed(f"the process could not continue: {err}", instance.id) from err
    # The claim is the first write: made once the engine has stepped and the projection has worked out
    # its rows (or when a service operation of the step first writes), so that on SQLite the single
    # writer is held for the writes and the commit alone. The rare paths that write sooner claim sooner.
    if row.sign_kind in CO_SIGNING:
        step.writes()
        _signing_outcome(runtime, row, instance, step)
    elif row.form_key == DEFAULT_APPROVAL_FORM and proceed.data.get("decision") == "reject":
        # The standard approval has no path for a rejection in the diagram: it ends the request, as
        # a rejection does in every approval chain.
        runtime.cancel()
        instance.status, instance.ended_at = "rejected", step.now
    if return_pending:
        step.writes()
    pending_return = returns.fast_forward(instance, runtime, step) if return_pending else None
    returns.land(pending_return, instance, project(instance, runtime, step), step)
    _after_step(task, has_draft, step)
    if proceed.row is task and pending_return is None:
        # The claim set every value the step wrote on the row, so the caller's answer needs no new read.
        current_after_commit(task, user)
    return task


def _claim(
    task: HumanTask, instance: ProcessInstance, user: User, clean: dict[str, Any], delegated: bool, now: datetime
) -> None:
    # The conditional update is the claim: of two people completing at once,
    # exactly one changes the row; the other sees 0 rows and is told so.
    done = db.session.connection().execute(_COMPLETE_TASK, {"task_id": task.id, "at": now, "user_id": user.id}).rowcount
    if done != 1:
        raise Conflict(_l("this task has already been handled"))
    # The loaded row says what the claim wrote, as if read again.
    written = {"status": "completed", "completed_at": now, "completed_by_id": user.id, "assignee_id": user.id}
    for name, value in (written | {"assignee": user}).items():
        set_committed_value(task, name, value)
    rows.audit(
        at=now,
        actor_id=user.id,
        action=_action_of(task, clean),
        instance_id=instance.id,
        task_id=task.id,
        task_name=task.name,
        comment=clean.get("comment") or None,
        details=_details(task, user, clean, delegated),
    )
    _tell_filer(instance, task, user, _action_of(task, clean), now)


def _after_step(task: HumanTask, has_draft: bool, step: Step) -> None:
    if has_draft:
        drafts.discard_for_task(task.id)
    if task.escalation_level > 0:
        close_escalations([task.id], step)


def _signing_outcome(runtime: Any, row: HumanTask, instance: ProcessInstance, step: Step) -> None:
    """When the last needed signature of a 会签 or 或签 step is in, its outcome goes into the history;
    with the standard approval, a step that ends rejected ends the request."""
    result = runtime.signing(row.engine_task_id)
    if not result or not result.get("finished"):
        return
    rows.audit(
        at=step.now,
        actor_id=None,
        action="signing_result",
        instance_id=instance.id,
        task_id=row.id,
        task_name=row.name,
        details={k: result[k] for k in ("mode", "signers", "approved", "rejected", "needed", "decision")},
    )
    if row.form_key == DEFAULT_APPROVAL_FORM and result["decision"] == "reject" and instance.status == "running":
        runtime.cancel()
        instance.status, instance.ended_at = "rejected", step.now


def _tell_filer(instance: ProcessInstance, task: HumanTask, user: User, action: str, now: Any) -> None:
    """The filer hears of every decision on their application, in the message centre and on their robot."""
    if action in centre.DECISIONS and instance.started_by_id is not None and instance.started_by_id != user.id:
        centre.record(
            [instance.started_by_id],
            "decision",
            instance.title,
            now,
            actor=user,
            instance_id=instance.id,
            decision=action,
            subject_en=instance_title(instance, "en"),
        )


def _details(task: HumanTask, user: User, clean: dict[str, Any], delegated: bool) -> dict[str, Any]:
    details = {k: v for k, v in clean.items() if k != "comment"}
    # Someone acts for another only on a task a delegation handed them, or from a queue of a role
    # that is not their own.
    if delegated or (
        task.assignee_id is None
        and task.candidate_roles
        and user.id not in task.candidate_user_ids
        and not any(role in own_roles(user) for role in task.candidate_roles)
    ):
        absent = delegation.on_behalf_of(task, user)
        if absent is not None:
            details["on_behalf_of"] = absent
    return details


def _attachment_ids(instance: ProcessInstance, form_def: FormDef) -> set[int] | None:
    """The files a file field may name: those attached to this instance (read only when the form asks for files)."""
    if not any(f.type == "file" for f in form_def.fields):
        return None
    return set(
        db.session.scalars(db.select(InstanceAttachment.id).where(InstanceAttachment.instance_id == instance.id))
    )


def _validated(task: HumanTask, instance: ProcessInstance, data: dict[str, Any], user: User) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed({"data": [_l("must be an object")]})
    if not task.form_key:
        return {}
    form_def = current_app.extensions["forms"].get(task.form_key)
    variables: dict[str, Any] = {}
    if task.form_key == PLAIN_TASK_FORM:
        # A task drawn in Camunda Modeler takes the variables its caller sends, named as the diagram names them.
        fields = {f.name for f in form_def.fields}
        variables = process_variables({k: v for k, v in data.items() if k not in fields})
        data = {k: v for k, v in data.items() if k in fields}
    clean, errors = validate_data(form_def, data, context=instance.data, files=_attachment_ids(instance, form_def))
    # An added signer (加签) approves or rejects with an opinion; the company policy applies to the
    # holder's own answer, which is what reaches the process.
    policy = rules.for_process(instance.process_key) if task.sign_kind not in ADDED else None
    refused = policy.refused_fields(data) if policy else {}
    if errors or refused:
        raise ValidationFailed({**errors, **refused})
    if policy is not None:
        clean.update(policy.before_complete(user, task, instance, clean))
    return {**variables, **clean}
