"""Incidents: an instance whose diagram failed. Recorded apart from the failed step, retried after a fix."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import clock
from ...engine import EngineError
from ...extensions import db
from ...models import AuditEvent, ProcessInstance, User
from ..common.errors import Conflict, Forbidden, NotFound, ProcessFailed
from ..common.transactions import transactional
from ..modeling.specs import bundle_for, latest_version
from . import rows, unowned
from .projection import Step, load_runtime, project


@transactional
def record(instance_id: int, message: str) -> None:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        return
    rows.mark_incident(instance, message[:2000])
    db.session.add(AuditEvent(at=clock.now(), action="incident", instance_id=instance_id, comment=message[:2000]))


def open_incidents(user: User) -> list[ProcessInstance]:
    """Every incident for process owners and administrators; a supervisor sees those of the people below them."""
    found = list(
        db.session.scalars(
            db.select(ProcessInstance)
            .where(ProcessInstance.error.is_not(None), ProcessInstance.status.in_(("running", "error")))
            .order_by(ProcessInstance.id)
        )
    )
    if user.has_role("process_owner") or user.has_role("admin"):
        return found
    return [i for i in found if unowned.may_assign(user, i)]


def retry(instance_id: int, actor: User) -> ProcessInstance:
    try:
        return _retry(instance_id, actor)
    except ProcessFailed as err:
        record(instance_id, err.message)
        raise


@transactional
def _retry(instance_id: int, actor: User) -> ProcessInstance:
    """Move the instance onto the newest deployed version of its process and let it run again."""
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may retry an incident"))
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_l("instance %(id)s does not exist", id=instance_id))
    if instance.error is None:
        raise Conflict(_l("this instance has no incident"))
    step = Step(actor=actor)
    runtime = load_runtime(bundle_for(instance.process_version), instance, step)
    latest = latest_version(instance.process_key)
    moved_to = None
    if latest is not None and latest.id != instance.process_version_id:
        blocked = runtime.migration_problems(bundle_for(latest))
        if blocked:
            raise Conflict(
                _l(
                    "version %(version)s no longer has the step %(step)s: move the instance by hand, mapping it",
                    version=latest.version,
                    step=blocked[0][0],
                )
            )
        runtime.migrate(bundle_for(latest))
        instance.process_version_id, moved_to = latest.id, latest.version
    try:
        runtime.refresh_timers()
    except EngineError as err:
        raise ProcessFailed(f"the process still cannot continue: {err}", instance.id) from err
    if instance.status == "error":
        instance.status = "running"
    instance.error = None
    project(instance, runtime, step)
    db.session.add(
        AuditEvent(
            at=step.now,
            actor_id=actor.id,
            action="incident_retried",
            instance_id=instance.id,
            details={"moved_to_version": moved_to},
        )
    )
    return instance
