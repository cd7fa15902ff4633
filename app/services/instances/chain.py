"""The approval chain at a glance (审批流程): the steps done, the ones open now and the ones still to
come, read from the task rows, the audit trail and the diagram. Nothing here changes anything.

Each done step carries what was entered at it, read back from its own audit entry: a value that a
later step overwrites in the process data (an opinion, a decision) still shows where it was given,
and a complaint's on-site memo, committee decision or reply stays visible to every later step.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import joinedload

from ... import clock
from ...engine import ExpressionError, XmlRefused, evaluate
from ...engine.outline import Outline, StepAhead, outline_of, steps_ahead
from ...extensions import db
from ...models import AuditEvent, HumanTask, InstanceAttachment, ProcessInstance, ProcessVersion, User
from ...taskforms import FormDef
from ...taskforms.definitions import FormDefinitionError
from ..deadlines.lateness import Lateness, lateness
from ..deadlines.workdays import load_calendar
from ..people.access import sees_every_step

# The audit actions that finish a step.
FINISHING = ("approve", "reject", "return", "complete", "skip")
# Lines of the chain that finish no step: a signer added (加签), a signing step's outcome (会签, 或签).
SIGNING = ("add_signer", "signing_result")
# Entered values the chain shows on their own line (the decision and the opinion), not among the facts.
OWN_LINES = {"decision", "comment", "on_behalf_of"}


@dataclass
class DoneStep:
    task: HumanTask
    actor: User | None
    at: datetime
    action: str
    opinion: str | None
    details: dict[str, Any]
    form: FormDef | None
    files: list[InstanceAttachment] = field(default_factory=list)


@dataclass
class OpenStep:
    task: HumanTask
    late: Lateness | None


@dataclass
class Chain:
    filed_by: User | None
    filed_at: datetime
    done: list[DoneStep]
    current: list[OpenStep]
    ahead: list[StepAhead]
    # Open steps waiting while a signer added before their holder decides (加签).
    held: list[HumanTask] = field(default_factory=list)


def _form(form_key: str | None) -> FormDef | None:
    if not form_key:
        return None
    try:
        return current_app.extensions["forms"].get(form_key)
    except FormDefinitionError:
        return None  # a form since removed: the step shows without its facts


def _holds(data: dict[str, Any]):  # noqa: ANN202 - a predicate over condition texts
    def holds(condition: str) -> bool | None:
        try:
            return bool(evaluate(condition, data))
        except ExpressionError:
            return None  # it depends on something not decided yet

    return holds


def _ahead(instance: ProcessInstance, open_ids: list[str]) -> list[StepAhead]:
    if instance.status != "running" or not open_ids:
        return []
    version = db.session.get(ProcessVersion, instance.process_version_id)
    outline = _outline(version.content_hash, instance.process_key, version.id)
    return [] if outline is None else steps_ahead(outline, open_ids, _holds(dict(instance.data or {})))


@functools.lru_cache(maxsize=256)
def _outline(content_hash: str, process_key: str, version_id: int) -> Outline | None:
    """The diagram's outline, read from its XML on the first page that needs it. A deployed version
    never changes, and its content hash keeps two databases' versions of the same id apart."""
    try:
        return outline_of(db.session.get(ProcessVersion, version_id).bpmn_xml, process_key)
    except XmlRefused:
        return None


def chain(instance: ProcessInstance, reader: User | None = None) -> Chain:
    """The approval chain; a reader who may not see every step (PRIVATE_STEPS) sees only their own."""
    whole = _chain(instance)
    if reader is None or sees_every_step(reader, instance):
        return whole
    mine = {t.id for t in [d.task for d in whole.done] + [o.task for o in whole.current] if t.assignee_id == reader.id}
    return Chain(
        filed_by=whole.filed_by,
        filed_at=whole.filed_at,
        done=[d for d in whole.done if d.task.id in mine or (d.actor is not None and d.actor.id == reader.id)],
        current=[o for o in whole.current if o.task.id in mine],
        ahead=[],
        held=[],
    )


def _chain(instance: ProcessInstance) -> Chain:
    tasks = {t.id: t for t in db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance.id))}
    events = list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(
                AuditEvent.instance_id == instance.id,
                AuditEvent.task_id.is_not(None),
                AuditEvent.action.in_(FINISHING + SIGNING),
            )
            .order_by(AuditEvent.at, AuditEvent.id)
            # Who acted, read with the steps rather than one by one; their roles are not shown here.
            .options(joinedload(AuditEvent.actor).lazyload(User.roles))
        )
    )
    files = list(
        db.session.scalars(
            db.select(InstanceAttachment)
            .where(InstanceAttachment.instance_id == instance.id)
            .order_by(InstanceAttachment.created_at)
        )
    )
    forms: dict[str | None, FormDef | None] = {}
    done = []
    for event in events:
        task = tasks.get(event.task_id or 0)
        if task is None:
            continue
        # A file belongs to the step when its actor attached it while the step was theirs to do.
        own = [
            f
            for f in files
            if event.action not in SIGNING
            and f.uploaded_by_id == event.actor_id
            and task.created_at <= f.created_at <= event.at
        ]
        if task.form_key not in forms:
            forms[task.form_key] = _form(task.form_key)  # each form once: a long record repeats its steps
        done.append(
            DoneStep(
                task=task,
                actor=event.actor,
                at=event.at,
                action=event.action,
                opinion=event.comment,
                details=dict(event.details or {}),
                form=forms[task.form_key],
                files=own,
            )
        )
    now = clock.now()
    calendar = load_calendar()
    current = [
        OpenStep(task=t, late=lateness(t.due_at, now, calendar))
        for t in sorted(tasks.values(), key=lambda t: (t.created_at, t.id))
        if t.status == "open"
    ]
    held = [t for t in sorted(tasks.values(), key=lambda t: (t.created_at, t.id)) if t.status == "held"]
    return Chain(
        filed_by=instance.started_by,
        filed_at=instance.started_at,
        done=done,
        current=current,
        ahead=_ahead(instance, [s.task.bpmn_id for s in current]),
        held=held,
    )
