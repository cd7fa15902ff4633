"""Messages, signals and BPMN errors sent into running instances from outside (Camunda's REST calls)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ...engine import EngineError
from ...extensions import db
from ...models import AuditEvent, ExternalTask, ProcessInstance, ProcessVersion, User
from ..common.errors import Conflict, ProcessFailed
from ..common.transactions import transactional
from ..instances.projection import Step, load_runtime, process_variables, project
from ..modeling.specs import bundle_for_id
from .work import held, require_worker


def _candidates(name: str, business_key: str | None, instance_id: int | None) -> list[ProcessInstance]:
    """Running instances that might wait for `name`: only versions whose diagram mentions it are loaded."""
    query = (
        db.select(ProcessInstance)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
        .where(ProcessInstance.status == "running", ProcessVersion.bpmn_xml.contains(name))
        .order_by(ProcessInstance.id)
    )
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key)
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    return list(db.session.scalars(query))


def _deliver(
    instances: list[ProcessInstance], kind: str, name: str, variables: dict[str, Any], step: Step
) -> list[int]:
    reached = []
    for instance in instances:
        runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
        if not runtime.waits_for(kind, name):
            continue
        try:
            runtime.deliver(kind, name, variables)
        except EngineError as err:
            raise ProcessFailed(f"the process could not continue: {err}", instance.id) from err
        db.session.add(
            AuditEvent(
                at=step.now,
                actor_id=step.actor.id if step.actor else None,
                action=kind,
                instance_id=instance.id,
                task_name=name[:200],
            )
        )
        project(instance, runtime, step)
        reached.append(instance.id)
    return reached


@transactional
def correlate_message(
    user: User,
    name: str,
    variables: dict[str, Any],
    business_key: str | None = None,
    instance_id: int | None = None,
    to_all: bool = False,
) -> list[int]:
    """Deliver a message to the instance waiting for it (to every one with `to_all`); the ids reached.

    As in Camunda, without `to_all` exactly one instance must wait for it.
    """
    require_worker(user)
    clean = process_variables(variables)
    step = Step(actor=user)
    waiting = [
        i
        for i in _candidates(name, business_key, instance_id)
        if load_runtime(bundle_for_id(i.process_version_id), i, step).waits_for("message", name)
    ]
    if not waiting:
        raise Conflict(_l("no instance waits for the message '%(name)s'", name=name))
    if len(waiting) > 1 and not to_all:
        raise Conflict(
            _l("%(count)s instances wait for the message '%(name)s': name one", count=len(waiting), name=name)
        )
    return _deliver(waiting, "message", name, clean, step)


@transactional
def throw_signal(user: User, name: str, variables: dict[str, Any]) -> list[int]:
    """Deliver a signal to every instance waiting for it; nobody waiting is not an error (as in Camunda)."""
    require_worker(user)
    step = Step(actor=user)
    return _deliver(_candidates(name, None, None), "signal", name, process_variables(variables), step)


@transactional
def bpmn_error(task_id: int, user: User, worker_id: str, code: str, variables: dict[str, Any]) -> None:
    """The worker reports a business error: the error boundary event with this code takes the path on."""
    require_worker(user)
    step = Step(actor=user)
    task: ExternalTask = held(task_id, worker_id, step.now)
    instance = db.session.get(ProcessInstance, task.instance_id)
    runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
    if not runtime.waits_for("error", code):
        raise Conflict(_l("no error event catches the error code '%(code)s' here", code=code))
    try:
        runtime.deliver("error", code, process_variables(variables))
    except EngineError as err:
        raise ProcessFailed(f"the process could not continue: {err}", instance.id) from err
    task.status, task.ended_at, task.lease_owner, task.lease_until = "error", step.now, None, None
    project(instance, runtime, step)
