"""Moving running instances onto a newer (or any other) version of their process.

A process owner picks instances still running on an older version; each is checked against the
target version first. A step the instance has done or is waiting at must exist in the target, with
the same element id or mapped by hand to another element; otherwise the instance cannot move and
the check says which step and why. A move keeps the instance's task rows (same task, same holder,
same deadline) and is audited with who moved what from where to where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ...engine import EngineError
from ...extensions import db
from ...models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion, User
from ..common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..instances.projection import Step, load_runtime, project
from .specs import bundle_for

MAX_INSTANCES = 500

_REASONS = {
    "waiting_step_missing": _l("the instance is waiting at this step, which version %(to)s does not have"),
    "done_step_missing": _l("the instance has done this step, which version %(to)s does not have"),
    "mapped_to_missing": _l("this step is mapped to an element that version %(to)s does not have"),
    "subprocess_missing": _l("a called subprocess of this instance is missing from version %(to)s"),
}


class MigrationRefused(DomainError):
    """Some selected instances cannot move; nothing was moved."""

    status = 422

    def __init__(self, plans: list[MigrationPlan]) -> None:
        super().__init__(_l("some instances cannot move to the chosen version"))
        self.plans = [p for p in plans if not p.movable]


@dataclass
class MigrationPlan:
    instance_id: int
    business_key: str | None
    title: str
    from_version: int
    to_version: int
    waiting_at: list[str]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (element id, message)

    @property
    def movable(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "business_key": self.business_key,
            "title": self.title,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "waiting_at": self.waiting_at,
            "movable": self.movable,
            "problems": [{"element_id": el or None, "message": msg} for el, msg in self.problems],
        }


def _require_owner(actor: User) -> None:
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may move running instances"))


def _target(process_key: str, to_version: int | None) -> ProcessVersion:
    query = db.select(ProcessVersion).where(ProcessVersion.process_key == process_key)
    if to_version is None:
        query = query.order_by(ProcessVersion.version.desc()).limit(1)
    else:
        query = query.where(ProcessVersion.version == to_version)
    target = db.session.scalars(query).first()
    if target is None:
        raise NotFound(_l("process '%(key)s' has no such version", key=process_key))
    return target


def clean_mapping(raw: Any) -> dict[str, str]:
    """The hand-made mapping (old element id -> new element id) as sent by a person, checked."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 200 and 0 < len(v) <= 200 for k, v in raw.items()
    ):
        raise ValidationFailed({"mapping": [_l("give each old element id the new element id it continues as")]})
    return {k.strip(): v.strip() for k, v in raw.items() if v.strip()}


def _candidates(process_key: str, target: ProcessVersion, instance_ids: list[int] | None) -> list[ProcessInstance]:
    query = (
        db.select(ProcessInstance)
        .where(
            ProcessInstance.process_key == process_key,
            ProcessInstance.status.in_(("running", "error")),
            ProcessInstance.process_version_id != target.id,
        )
        .order_by(ProcessInstance.id)
    )
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    return list(db.session.scalars(query.limit(MAX_INSTANCES)))


def _plan(instance: ProcessInstance, target: ProcessVersion, mapping: dict[str, str], step: Step) -> MigrationPlan:
    runtime = load_runtime(bundle_for(instance.process_version), instance, step)
    problems = runtime.migration_problems(bundle_for(target), mapping)
    return MigrationPlan(
        instance_id=instance.id,
        business_key=instance.business_key,
        title=instance.title,
        from_version=instance.process_version.version,
        to_version=target.version,
        waiting_at=sorted({t.bpmn_id for t in runtime.ready_tasks()}),
        problems=[(el, str(_REASONS[why] % {"to": target.version})) for el, why in problems],
    )


@transactional
def plan(
    actor: User,
    process_key: str,
    to_version: int | None = None,
    instance_ids: list[int] | None = None,
    mapping: dict[str, str] | None = None,
) -> list[MigrationPlan]:
    """What would happen if the running instances (or the chosen ones) moved to the version; nothing moves."""
    _require_owner(actor)
    target = _target(process_key, to_version)
    step = Step(actor=actor)
    return [_plan(i, target, mapping or {}, step) for i in _candidates(process_key, target, instance_ids)]


@transactional
def migrate(
    actor: User,
    process_key: str,
    to_version: int | None,
    instance_ids: list[int],
    mapping: dict[str, str] | None = None,
) -> list[MigrationPlan]:
    """Move the chosen instances, all or none: one that cannot move refuses the whole request."""
    _require_owner(actor)
    if not instance_ids:
        raise ValidationFailed({"instance_ids": [_l("choose at least one running instance")]})
    target = _target(process_key, to_version)
    mapping = mapping or {}
    instances = _candidates(process_key, target, instance_ids)
    missing = sorted(set(instance_ids) - {i.id for i in instances})
    if missing:
        raise ValidationFailed(
            {
                "instance_ids": [
                    _l(
                        "not running on another version of this process: %(ids)s",
                        ids=", ".join(str(i) for i in missing),
                    )
                ]
            }
        )
    step = Step(actor=actor)
    plans = [_plan(i, target, mapping, step) for i in instances]
    if any(not p.movable for p in plans):
        raise MigrationRefused(plans)
    for instance, moved in zip(instances, plans, strict=True):
        _move(instance, target, mapping, step)
        db.session.add(
            AuditEvent(
                at=step.now,
                actor_id=actor.id,
                action="instance_migrated",
                instance_id=instance.id,
                subject=f"process:{process_key}",
                details={"from_version": moved.from_version, "to_version": target.version, "mapping": mapping},
            )
        )
    return plans


def _move(instance: ProcessInstance, target: ProcessVersion, mapping: dict[str, str], step: Step) -> None:
    runtime = load_runtime(bundle_for(instance.process_version), instance, step)
    try:
        runtime.migrate(bundle_for(target), mapping)
    except EngineError as err:  # checked just before in the same transaction; kept as a guard
        raise ValidationFailed({"instance_ids": [str(err)]}) from err
    instance.process_version_id = target.id
    db.session.flush()
    db.session.refresh(instance, ["process_version"])
    project(instance, runtime, step)
    # A waiting task keeps its row; a step mapped onto another element takes that element's name and form.
    for task in runtime.ready_tasks():
        db.session.execute(
            update(HumanTask)
            .where(
                HumanTask.instance_id == instance.id,
                HumanTask.engine_task_id == task.id,
                HumanTask.status == "open",
                HumanTask.bpmn_id != task.bpmn_id,
            )
            .values(bpmn_id=task.bpmn_id, name=task.name, form_key=task.form_key)
            .execution_options(synchronize_session=False)
        )
