"""Adding a signer to a task (加签): before oneself, so the task goes to them first and comes back, or
after oneself, so they approve next, before the process goes on.

An added signer gets a row of their own with the standard approval (同意 / 驳回 with an opinion);
it stands for the same engine task as the holder's row (``signing_rows.anchors``), so nothing else
opens for that step meanwhile. A signer added before sends the task back to its holder whatever
they decide, their opinion in the chain for the holder to read; a signer added after decides the
step: their rejection rejects it. Every change bumps the instance's optimistic lock, so of two
people acting at once on the same step one wins and the other is told to reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import AddedSigner, AuditEvent, HumanTask, ProcessInstance, User
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..instances.projection import DEFAULT_APPROVAL_FORM, Step
from ..instances.signing_rows import ADDED, ADDED_PREFIX
from ..notifications import notices
from ..people.accounts import user_named
from ..people.search import added_signer_candidates
from . import delegation, opinions
from .returns import RESUBMIT_STEP

POSITIONS = ADDED
MAX_REASON = opinions.MAX_OPINION
# The names an added signer's step carries, beside the holder's step name, in both languages.
PREFIX_ZH = {"before": "加签（前）", "after": "加签（后）"}
PREFIX_EN = {"before": "Added signer (before)", "after": "Added signer (after)"}


@dataclass(frozen=True)
class Proceed:
    """The engine step to complete now, on behalf of the row that stands for it, with what was answered."""

    row: HumanTask
    data: dict[str, Any]
    rejected: bool


def _bump(instance: ProcessInstance) -> None:
    """The instance's optimistic lock, taken for a change that does not run the engine."""
    seen = instance.lock_version
    written = db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance.id, ProcessInstance.lock_version == seen)
        .values(lock_version=seen + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        raise StaleDataError(f"process instance {instance.id} was changed by someone else")
    db.session.expire(instance, ["lock_version"])


def _reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed({"reason": [_l("a reason is required to add a signer")]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": [_l("at most %(count)s characters", count=MAX_REASON)]})
    return reason.strip()


def record_of(row: HumanTask) -> AddedSigner | None:
    """The added signer a row belongs to, if it is an added signer's row."""
    if row.sign_kind not in ADDED:
        return None
    return db.session.scalars(db.select(AddedSigner).where(AddedSigner.signer_task_id == row.id)).first()


def _anchor(row: HumanTask) -> str:
    record = record_of(row)
    return record.engine_task_id if record is not None else row.engine_task_id


@transactional
def add_signer(task_id: int, actor: User, username: object, position: object, reason: object) -> AddedSigner:
    """The holder of an open task adds a signer before or after themselves, with a reason."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    if task.assignee_id != actor.id:
        raise Forbidden(_l("only the person holding the task may add a signer (claim it first)"))
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    instance = db.session.get(ProcessInstance, task.instance_id)
    if instance is None or instance.status != "running":
        raise Conflict(_l("this process has already ended"))
    if task.bpmn_id == RESUBMIT_STEP:
        raise Conflict(_l("a resubmitted application is the filer's own: nobody signs it with them"))
    if position not in POSITIONS:
        raise ValidationFailed({"position": [_l("must be one of %(values)s", values=", ".join(POSITIONS))]})
    text = _reason(reason)
    signer = user_named(username.strip()) if isinstance(username, str) and username.strip() else None
    if signer is None or not signer.active:
        raise ValidationFailed({"user": [_l("no active user '%(name)s'", name=str(username or "")[:64])]})
    if signer.id == actor.id:
        raise ValidationFailed({"user": [_l("the task is yours already")]})
    if signer not in added_signer_candidates(task, actor, [signer]):
        raise ValidationFailed({"user": [_l("%(name)s cannot sign this step", name=signer.display_name)]})
    step = Step(actor=actor)
    # The task row first, then the instance, in the order a completion takes them: of the two at once,
    # one waits for the other instead of both waiting for each other. The conditional update is the
    # claim: a completion of the same task at once finds it held (before) or the instance changed (after).
    taken = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.status == "open", HumanTask.assignee_id == actor.id)
        .values(status="held" if position == "before" else "open")
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Conflict(_l("this task has already been handled"))
    db.session.expire(task, ["status"])
    _bump(instance)
    record = AddedSigner(
        instance_id=instance.id,
        for_task_id=task.id,
        engine_task_id=_anchor(task),
        user_id=signer.id,
        position=str(position),
        reason=text,
        added_by_id=actor.id,
        created_at=step.now,
        status="waiting",
    )
    db.session.add(record)
    if position == "before":
        _open(record, task, step)
    db.session.add(
        AuditEvent(
            at=step.now,
            actor_id=actor.id,
            action="add_signer",
            instance_id=instance.id,
            task_id=task.id,
            task_name=task.name,
            comment=text,
            details={"user": signer.username, "position": str(position)},
        )
    )
    db.session.flush()
    return record


def _open(record: AddedSigner, for_task: HumanTask, step: Step, held_data: dict[str, Any] | None = None) -> HumanTask:
    """The added signer's turn: their own row, with the standard approval, due when the step is."""
    position = record.position
    row = HumanTask(
        instance_id=record.instance_id,
        engine_task_id=f"{ADDED_PREFIX}{uuid4().hex[:24]}",
        process_key=for_task.process_key,
        business_key=for_task.business_key,
        bpmn_id=for_task.bpmn_id,
        name=f"{PREFIX_ZH[position]}{for_task.name}"[:200],
        title=f"{PREFIX_ZH[position]}{for_task.title}"[:300],
        name_en=f"{PREFIX_EN[position]}: {for_task.name_en or for_task.name}"[:200],
        title_en=f"{PREFIX_EN[position]}: {for_task.title_en or for_task.title}"[:300],
        form_key=DEFAULT_APPROVAL_FORM,
        role=None,
        assignee_id=record.user_id,
        status="open",
        created_at=step.now,
        due_at=for_task.due_at,
        customer=for_task.customer,
        search_text=for_task.search_text,
        sign_kind=position,
    )
    db.session.add(row)
    db.session.flush()
    record.signer_task_id = row.id
    record.status = "open"
    if held_data is not None:
        record.held_data = held_data
    delegation.route_new_tasks([row])
    notices.assignment(row, step.now)
    return row


def _waiting_after(row: HumanTask) -> list[AddedSigner]:
    return list(
        db.session.scalars(
            db.select(AddedSigner)
            .where(AddedSigner.for_task_id == row.id, AddedSigner.status == "waiting", AddedSigner.position == "after")
            .order_by(AddedSigner.id)
        )
    )


def _has_reject(form_key: str | None) -> bool:
    forms = current_app.extensions["forms"]
    if not form_key or not forms.has(form_key):
        return False
    fields = forms.get(form_key).fields
    return any(f.name == "decision" and any(value == "reject" for value, _label in f.choices) for f in fields)


def answered(row: HumanTask, clean: dict[str, Any], instance: ProcessInstance, step: Step) -> Proceed | None:
    """A row was answered (its own row already marked done): open the next signer added after it, or give
    the task back to the holder a signer was added before, or say which engine step to complete now.

    None means the step waits for someone: nothing runs in the engine this time.
    """
    data = dict(clean)
    decision = data.get("decision")
    while True:
        waiting = _waiting_after(row)
        if waiting and decision not in ("reject", "return"):
            _bump(instance)
            _open(waiting[0], row, step, held_data=data)
            return None
        for later in waiting:  # a rejection needs nobody's signature after it
            later.status, later.decided_at = "cancelled", step.now
        record = record_of(row)
        if record is None:
            return Proceed(row=row, data=data, rejected=decision == "reject")
        record.status, record.decided_at = ("reject" if decision == "reject" else "approve"), step.now
        holder = db.session.get(HumanTask, record.for_task_id)
        if holder is None:
            raise Conflict(_l("this task has already been handled"))
        if record.position == "before":
            _bump(instance)
            back = db.session.execute(
                update(HumanTask)
                .where(HumanTask.id == holder.id, HumanTask.status == "held")
                .values(status="open", created_at=step.now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if back != 1:
                raise Conflict(_l("this task has already been handled"))
            db.session.expire(holder)
            notices.assignment(holder, step.now, kind="returned")
            return None
        # A signer after the holder: the holder's own answer goes on, unless the signer rejected it.
        data = dict(record.held_data or {})
        if decision == "reject":
            data["decision"] = "reject"
        decision = data.get("decision")
        row = holder


def ends_rejected(proceed: Proceed) -> bool:
    """A rejection the step's own form cannot say (no reject among its decisions) ends the request."""
    return proceed.rejected and not _has_reject(proceed.row.form_key)


def waiting_for(task: HumanTask) -> list[AddedSigner]:
    """Signers added to this row who have not decided yet, in turn."""
    return list(
        db.session.scalars(
            db.select(AddedSigner)
            .where(AddedSigner.for_task_id == task.id, AddedSigner.status.in_(("waiting", "open")))
            .order_by(AddedSigner.id)
        )
    )


def pending_exists(task_id: Any) -> Any:
    """A SQL flag: whether signers were added after the holder of this row (usually none were)."""
    return (
        db.select(AddedSigner.id)
        .where(AddedSigner.for_task_id == task_id, AddedSigner.status == "waiting")
        .exists()
        .label("signers_pending")
    )
