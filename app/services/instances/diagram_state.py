"""Where an instance stands, as sets of diagram element ids, read from task and timer rows."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ...engine.progress import completed_spec_names
from ...extensions import db
from ...models import HumanTask, ProcessInstance, ProcessVersion, Timer, User
from ..common.errors import Forbidden, NotFound
from ..people.access import may_view_instance


@dataclass(frozen=True)
class InstanceDiagram:
    instance_id: int
    process_key: str
    version: int
    bpmn_xml: str
    completed: list[str]
    current: list[str]
    timers: list[str]

    def as_json(self) -> dict[str, object]:
        return {
            "instance_id": self.instance_id,
            "process_key": self.process_key,
            "version": self.version,
            "xml": self.bpmn_xml,
            "completed": self.completed,
            "current": self.current,
            "timers": self.timers,
        }


def for_instance(user: User, instance_id: int) -> InstanceDiagram:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_l("instance %(id)s does not exist", id=instance_id))
    if not may_view_instance(user, instance):
        raise Forbidden(_l("you are not involved in this process instance"))
    version = db.session.get(ProcessVersion, instance.process_version_id)
    tasks = db.session.execute(
        db.select(HumanTask.bpmn_id, HumanTask.status).where(HumanTask.instance_id == instance.id)
    ).all()
    timers = db.session.execute(db.select(Timer.bpmn_id, Timer.status).where(Timer.instance_id == instance.id)).all()
    current = {bpmn_id for bpmn_id, status in tasks if status == "open"}
    pending = {bpmn_id for bpmn_id, status in timers if status == "pending"}
    # A task done once and now open again (returned for correction) shows as current, not done.
    done = {bpmn_id for bpmn_id, status in tasks if status == "completed"}
    # Automatic steps (service, script and decision tasks, gateways) leave no row: the stored state knows them.
    done |= {name for name in completed_spec_names(instance.state) if f'id="{name}"' in version.bpmn_xml}
    done |= {bpmn_id for bpmn_id, status in timers if status == "fired"}
    return InstanceDiagram(
        instance_id=instance.id,
        process_key=instance.process_key,
        version=version.version,
        bpmn_xml=version.bpmn_xml,
        completed=sorted(done - current - pending),
        current=sorted(current),
        timers=sorted(pending),
    )
