"""Starting process instances and reading where they stand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...engine import DiagramError, evaluate
from ...extensions import db
from ...models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion, TaskEscalation, User
from ...taskforms import FormDef, validate_data
from ..common.errors import Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..modeling import generated_forms
from ..modeling.specs import bundle_for, latest_version
from ..people.access import may_view_instance, roles_of
from . import rows, rules
from .projection import PLAIN_TASK_FORM, Step, process_variables, project, start_runtime

# The forms a diagram gets where it names none: a start page (title, description; files are attached
# on the instance page) and, for a user task, the standard approval (approve or reject, with an opinion).
DEFAULT_START_FORM = "default_start"


@dataclass(frozen=True)
class StartForm:
    process_key: str
    name: str
    starter_role: str | None
    form: FormDef | None
    # The version the start form was read from: the instance starts on that same version.
    version: ProcessVersion
    default: bool = False


def start_form(process_key: str) -> StartForm:
    version = latest_version(process_key)
    if version is None:
        raise NotFound(_l("process '%(key)s' is not deployed", key=process_key))
    return start_form_of(version)


def start_form_of(version: ProcessVersion) -> StartForm:
    process_key = version.process_key
    bundle = bundle_for(version)
    lane, ext = bundle.start_event()
    role = ext.get("startedBy") or ext.get("candidate_roles") or lane
    forms = current_app.extensions["forms"]
    form_key = ext.get("form_key") or process_key
    if forms.has(form_key):
        return StartForm(process_key, version.name, role, forms.get(form_key), version=version)
    if ext.get("camunda_form_data"):
        start_id = bundle.start_event_id()
        if start_id:
            generated = forms.get(generated_forms.form_key(version.id, start_id))
            return StartForm(process_key, version.name, role, generated, version=version)
    if ext.get("form_key"):
        return StartForm(process_key, version.name, role, None, version=version)
    if ext.get("drawn_for_camunda"):
        # A Camunda start event without a form of this app starts with a note; API callers send variables.
        return StartForm(process_key, version.name, role, forms.get(PLAIN_TASK_FORM), default=True, version=version)
    return StartForm(process_key, version.name, role, forms.get(DEFAULT_START_FORM), default=True, version=version)


def process_name(process_key: str, locale: str) -> str:
    """A process's name for lists: the diagram's (Chinese) name, or its start form's English title."""
    names = g.setdefault("_process_names", {})
    if process_key not in names:
        try:
            names[process_key] = _names(start_form(process_key))
        except (NotFound, DiagramError):
            # A drawing kept only to be viewed (never executable) has no start: it is called by its key.
            names[process_key] = (process_key, process_key)
    chinese, english = names[process_key]
    return english if locale == "en" else chinese


def _names(info: StartForm) -> tuple[str, str]:
    chinese, english = bilingual(info.name)
    if info.form and not info.default:
        english = info.form.title.get("en", english)
    return chinese, english


# A diagram may name its process in both languages at once: "逾期督办 Overdue escalation".
_BOTH = re.compile(r"^(?P<zh>.*[\u4e00-\u9fff][^A-Za-z]*?)\s+(?P<en>[A-Za-z].*)$")


def bilingual(name: str) -> tuple[str, str]:
    both = _BOTH.match(name or "")
    return (both["zh"], both["en"]) if both else (name, name)


def instance_title(instance: ProcessInstance, locale: str) -> str:
    """The title with its process named in the reader's language (titles are stored as the diagram wrote them)."""
    version = instance.process_version
    name = version.name
    if not instance.title.startswith(name):
        return instance.title
    # Named as its own version names it: no need to look for the newest version.
    names = g.setdefault("_version_names", {})
    if version.id not in names:
        try:
            names[version.id] = _names(start_form_of(version))
        except DiagramError:
            names[version.id] = (name, name)
    chinese, english = names[version.id]
    return (english if locale == "en" else chinese) + instance.title[len(name) :]


SYSTEM_STARTER = "system"


@transactional
def start_prefill(process_key: str, user: User, args: Any) -> dict[str, Any]:
    """What a start page opened with query arguments shows filled in (each area says what, e.g. from a
    credit file); nothing for someone who may not start the process."""
    info = start_form(process_key)
    if not may_start(user, info):
        return {}
    return rules.prefill_for(process_key, user, args)


def may_start(user: User, form: StartForm) -> bool:
    if form.starter_role == SYSTEM_STARTER:
        return False
    return form.starter_role is None or form.starter_role in roles_of(user)


@transactional
def start(process_key: str, user: User, data: Any) -> ProcessInstance:
    info = start_form(process_key)
    if not may_start(user, info):
        raise Forbidden(_l("only the role '%(role)s' may start this process", role=info.starter_role))
    if not isinstance(data, dict):
        raise ValidationFailed({"data": [_l("must be an object")]})
    if info.form is None:
        raise NotFound(_l("process '%(key)s' has no start form", key=process_key))
    policy = rules.for_process(process_key)
    # Nothing is attached before the instance exists: a start form's file fields name no file yet.
    clean, errors = validate_data(info.form, data, files=())
    refused = policy.refused_fields(data) if policy else {}
    if errors or refused:
        raise ValidationFailed({**errors, **refused})
    seed = _seed(info, clean, user)
    if policy is not None:
        seed.update(policy.before_start(user, clean))
    return _start(process_key, seed, user, None, version=info.version)


@transactional
def start_with_variables(
    process_key: str, user: User, variables: dict[str, Any], business_key: str | None = None
) -> ProcessInstance:
    """Start as Camunda's REST API does: a diagram drawn for Camunda takes the variables as sent;
    a process with a start form of this app still has them checked by that form."""
    info = start_form(process_key)
    if not may_start(user, info):
        raise Forbidden(_l("only the role '%(role)s' may start this process", role=info.starter_role))
    policy = rules.for_process(process_key)
    if info.form is not None and info.form.key != PLAIN_TASK_FORM:
        clean, errors = validate_data(info.form, variables, files=())
        refused = policy.refused_fields(variables) if policy else {}
        if errors or refused:
            raise ValidationFailed({**errors, **refused})
    else:
        clean = process_variables(variables)
    seed = _seed(info, clean, user)
    if policy is not None:
        seed.update(policy.before_start(user, clean))  # the same company policy as a start from the page
    key = str(business_key)[:100] if business_key else None
    return _start(process_key, seed, user, key, version=info.version)


def _seed(info: StartForm, clean: dict[str, Any], user: User) -> dict[str, Any]:
    seed = {**clean, "filed_by": user.username, "filed_by_name": user.name_zh}
    initiator = bundle_for(info.version).start_event()[1].get("initiator")
    if initiator:
        seed[str(initiator)] = user.username  # camunda:initiator names the variable that holds the starter
    return seed


def start_system_instance(
    process_key: str, data: dict[str, Any], business_key: str | None = None, fired_start: str | None = None
) -> ProcessInstance:
    """Start a process the system itself runs (escalations, timer start events, named by `fired_start`);
    part of the caller's transaction."""
    return _start(process_key, data, None, business_key, fired_start)


def _start(
    process_key: str,
    seed: dict[str, Any],
    user: User | None,
    business_key: str | None,
    fired_start: str | None = None,
    version: ProcessVersion | None = None,
) -> ProcessInstance:
    version = version or latest_version(process_key)
    if version is None:
        raise NotFound(_l("process '%(key)s' is not deployed", key=process_key))
    bundle = bundle_for(version)
    _, ext = bundle.start_event()
    step = Step(actor=user)
    now = step.now
    if ext.get("businessKey"):
        business_key = str(evaluate(ext["businessKey"], seed))[:100]
    label = business_key or (str(seed["subject"]).strip() if isinstance(seed.get("subject"), str) else None)
    instance = rows.insert_instance(
        {
            "process_version_id": version.id,
            "process_key": process_key,
            "business_key": business_key,
            "title": (f"{version.name} · {label}" if label else version.name)[:300],
            "status": "running",
            "started_by_id": user.id if user else None,
            "started_at": now,
        }
    )
    rows.audit(
        at=now,
        actor_id=user.id if user else None,
        action="start",
        instance_id=instance.id,
        task_name=version.name,
        details={"version": version.version},
    )
    runtime = start_runtime(bundle, instance, seed, step, fired_start)
    project(instance, runtime, step, started=True)
    return instance


def get_for(user: User, instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_l("instance %(id)s does not exist", id=instance_id))
    if not may_view_instance(user, instance):
        raise Forbidden(_l("you are not involved in this process instance"))
    return instance


def history(instance: ProcessInstance) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.instance_id == instance.id)
            .options(selectinload(AuditEvent.task))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def tasks_of(instance: ProcessInstance) -> list[HumanTask]:
    return list(
        db.session.scalars(
            db.select(HumanTask)
            .where(HumanTask.instance_id == instance.id)
            .order_by(HumanTask.created_at, HumanTask.id)
        )
    )


def escalations_of(task: HumanTask) -> list[TaskEscalation]:
    return list(
        db.session.scalars(
            db.select(TaskEscalation).where(TaskEscalation.task_id == task.id).order_by(TaskEscalation.level)
        )
    )
