"""Writing the engine's state back after each step: instance, task rows, timers, notices."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import clock
from ...engine import EngineError, PendingTimer, ProcessRuntime, ReadyTask, SpecBundle, evaluate, expression_text
from ...extensions import db
from ...models import AuditEvent, HumanTask, ProcessInstance, Timer, User
from ..common.errors import ProcessFailed, ValidationFailed
from ..deadlines.durations import DeadlineError, resolve_deadline, script_helpers
from ..deadlines.workdays import CalendarUnknown, WorkCalendar, load_calendar
from ..desk import delegation
from ..modeling import generated_forms
from ..notifications import notices as notify
from . import events, external_rows, rows, signing_rows, unowned
from .operations import OPERATIONS, OperationContext

DEFAULT_APPROVAL_FORM = "default_approval"
_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
# The form a task drawn in Camunda Modeler gets when it names none of this app's forms: it completes
# the task with the variables its caller sends, as Camunda's generic form does.
PLAIN_TASK_FORM = "camunda_task"


@dataclass
class Step:
    """What one use case hands to the engine: who acts, and the instant it happens."""

    actor: User | None
    now: datetime = field(default_factory=clock.now)
    calendar: WorkCalendar = field(default_factory=load_calendar)
    # What must be written before anything else the step writes (a task's claim), when the use case
    # runs the engine first; a service operation the engine runs writes, so it calls `writes` too. What
    # it raises there passes through the engine as it is (the engine wraps only its own errors).
    before_writes: Callable[[], None] | None = None
    # The task row that claim completes: the projection, reading the open rows before it, leaves it out.
    claimed_row: int | None = None

    def helpers(self) -> dict[str, Any]:
        return script_helpers(lambda: self.now, self.calendar)

    def writes(self) -> None:
        first, self.before_writes = self.before_writes, None
        if first is not None:
            first()


def process_variables(values: dict[str, Any]) -> dict[str, Any]:
    """Variables sent from outside (Camunda clients, plain task forms) as the process may hold them.

    Names keep their case (`loanAmount`); a name the evaluator could not read back is refused.
    """
    errors = {
        str(name)[:100]: [_l("a variable name is letters, digits and '_', not starting with '_' or a digit")]
        for name in values
        if not (isinstance(name, str) and _VARIABLE_NAME.fullmatch(name))
    }
    if errors:
        raise ValidationFailed(errors)
    return jsonable(values)


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


def _bounded_data(instance: ProcessInstance, runtime: ProcessRuntime) -> dict[str, Any]:
    """The process data as stored, refused when a step made it bigger than an instance may hold."""
    text = json.dumps(runtime.data(), default=str)
    limit = current_app.config["INSTANCE_DATA_LIMIT_BYTES"]
    size = len(text.encode())
    if size > limit:
        where = runtime.last_element() or instance.process_key
        raise ProcessFailed(
            f"{where}: the instance data would take {size} bytes, more than the "
            f"{limit} bytes an instance may hold (INSTANCE_DATA_LIMIT_BYTES)",
            instance.id,
        )
    return json.loads(text)


def _service_handler(instance: ProcessInstance, step: Step):  # noqa: ANN202 - engine callback
    context = OperationContext(instance=instance, actor=step.actor, now=step.now, calendar=step.calendar)

    def handle(name: str, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        operation = OPERATIONS.get(name)
        if operation is None:
            raise EngineError(f"unknown service operation '{name}'")
        step.writes()
        return operation(context, params, data)

    return handle


def start_runtime(
    bundle: SpecBundle, instance: ProcessInstance, data: dict[str, Any], step: Step, fired_start: str | None = None
) -> ProcessRuntime:
    try:
        return ProcessRuntime.start(
            bundle,
            data,
            _service_handler(instance, step),
            now=lambda: step.now,
            helpers=step.helpers(),
            fired_start=fired_start,
            signers=signing_rows.signer_names,
        )
    except EngineError as err:
        raise ProcessFailed(f"the process could not start: {err}") from err


def load_runtime(bundle: SpecBundle, instance: ProcessInstance, step: Step) -> ProcessRuntime:
    return ProcessRuntime.load(
        bundle,
        instance.state,
        _service_handler(instance, step),
        now=lambda: step.now,
        helpers=step.helpers(),
        signers=signing_rows.signer_names,
    )


def _attribute(text: str, data: dict[str, Any]) -> Any:
    """A task attribute as written: a variable, Camunda's `${…}`, a Python expression, or a plain name."""
    text = text.strip()
    if text in data:
        return data[text]
    expression = expression_text(text)
    if expression is None:
        return text
    try:
        return evaluate(expression, data)
    except Exception:  # noqa: BLE001 - a plain user or role name is also allowed
        return None if expression != text else text


def _assignee_name(task: ReadyTask) -> str | None:
    expression = task.extensions.get("assignee")
    if not expression:
        users = _names(task.extensions.get("candidate_users"), task.data)
        # One candidate user is that person's task, as Camunda shows it in their list alone.
        return users[0] if len(users) == 1 else None
    value = _attribute(expression, task.data)
    return None if value is None else str(value)


def _names(text: str | None, data: dict[str, Any]) -> list[str]:
    """Candidate groups or users: a comma-separated list, or an expression giving a list or a text."""
    if not text:
        return []
    value = _attribute(str(text), data) if "${" in str(text) or "#{" in str(text) else str(text)
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _role(task: ReadyTask) -> str | None:
    # The task row names the first candidate group; the others are kept beside it (_candidates).
    groups = _names(task.extensions.get("candidate_roles"), task.data)
    return groups[0] if groups else task.lane


def _candidates(task: ReadyTask) -> tuple[list[str], list[int]]:
    """The further candidate groups, and the candidate users when there are several, by user id."""
    groups = _names(task.extensions.get("candidate_roles"), task.data)
    users = _names(task.extensions.get("candidate_users"), task.data)
    user_ids: list[int] = []
    if len(users) > 1:
        user_ids = list(db.session.scalars(db.select(User.id).where(User.username.in_(users), User.active.is_(True))))
    return [g[:64] for g in dict.fromkeys(groups[1:])], sorted(user_ids)


def _priority(task: ReadyTask) -> int:
    """Camunda's task priority: a number or an expression giving one; 50 (Camunda's default) otherwise."""
    text = task.extensions.get("priority")
    if text is None or str(text).strip() == "":
        return 50
    value = _attribute(str(text), task.data)
    try:
        return max(-(2**31), min(2**31 - 1, int(value)))
    except (TypeError, ValueError):
        return 50


def _follow_up(task: ReadyTask, step: Step) -> datetime | None:
    """Camunda's follow-up date: when the holder means to look at the task again (a date, a duration or `${…}`)."""
    spec = task.extensions.get("follow_up")
    if not spec:
        return None
    try:
        return resolve_deadline(str(spec), task.data).due(step.now, step.calendar)
    except (DeadlineError, CalendarUnknown):
        return None


def _english(task: ReadyTask, prop: str) -> str | None:
    """An English text the diagram gives beside its Chinese one (property nameEn / titleEn)."""
    value = (task.extensions.get("properties") or {}).get(prop)
    return str(value) if value else None


def _title(task: ReadyTask, instance: ProcessInstance, english: bool = False) -> str | None:
    title = _english(task, "titleEn") if english else task.extensions.get("title")
    name = _english(task, "nameEn") if english else task.name
    if english and not (title or name):
        return None
    if title:
        try:
            return str(evaluate(title, task.data))[:300]
        except Exception:  # noqa: BLE001 - a plain text title is also allowed
            return str(title)[:300]
    parts = [name]
    if instance.business_key:
        parts.append(instance.business_key)
    if task.data.get("customer_name"):
        parts.append(str(task.data["customer_name"]))
    return " · ".join(parts)[:300]


def _sign_kind(task: ReadyTask) -> str | None:
    """A co-signer's row of a 会签 or 或签 step says so; any other row says nothing."""
    mode = str((task.extensions.get("properties") or {}).get("signing") or "")
    return mode if mode in signing_rows.CO_SIGNING else None


def _search_text(title: str, title_en: str | None, business_key: str | None) -> str:
    """What the inbox's free-text search matches: both titles and the business key, lower-cased."""
    return " ".join(p for p in (title, title_en, business_key) if p).lower()[:600]


def _user_id(username: str | None) -> int | None:
    if not username:
        return None
    return db.session.scalars(db.select(User.id).where(User.username == username)).first()


def _due(task: ReadyTask, timers: list[PendingTimer], instance: ProcessInstance, step: Step) -> datetime | None:
    """A boundary timer on the task is its deadline; otherwise its due-in property, if any."""
    guarding = [t.fire_at for t in timers if t.guards_task_id == task.id]
    if guarding:
        return min(guarding)
    spec = task.extensions.get("due")
    if not spec:
        return _case_cap(None, instance)
    try:
        return _case_cap(resolve_deadline(str(spec), task.data).due(step.now, step.calendar), instance)
    except (DeadlineError, CalendarUnknown) as err:
        # The step still goes ahead: a missing deadline is visible and fixable, a blocked approval is not.
        db.session.add(
            AuditEvent(
                at=step.now, action="deadline_error", instance_id=instance.id, task_name=task.name, comment=str(err)
            )
        )
        return None


def due_for(instance: ProcessInstance, runtime: ProcessRuntime, engine_task_id: str, step: Step) -> datetime | None:
    """The deadline of a ready step opening now, as for a new one (a return opens a done step again)."""
    for task in runtime.ready_tasks():
        if task.id == engine_task_id:
            return _due(task, runtime.pending_timers(), instance, step)
    return None


def _case_cap(due: datetime | None, instance: ProcessInstance) -> datetime | None:
    """No step of an open case may fall due after the whole case does."""
    if instance.due_at is None or instance.case_closed_at is not None:
        return due
    return instance.due_at if due is None else min(due, instance.due_at)


def _sync_timers(instance: ProcessInstance, runtime: ProcessRuntime, timers: list[PendingTimer], now: datetime) -> None:
    if not timers and not runtime.timer_ids_at_load:
        return  # timer rows mirror the state's pending timers: none then, none now
    timer_rows = {
        row.engine_task_id: row
        for row in db.session.scalars(
            db.select(Timer).where(Timer.instance_id == instance.id, Timer.status == "pending")
        )
    }
    pending_ids = {t.task_id for t in timers}
    for timer in timers:
        row = timer_rows.get(timer.task_id)
        if row is None:
            db.session.add(
                Timer(
                    instance_id=instance.id,
                    engine_task_id=timer.task_id,
                    bpmn_id=timer.bpmn_id,
                    fire_at=timer.fire_at,
                    status="pending",
                )
            )
        elif row.fire_at != timer.fire_at:
            row.fire_at = timer.fire_at
    for engine_id, row in timer_rows.items():
        if engine_id not in pending_ids:
            row.status = "fired" if runtime.timer_fired(engine_id) else "cancelled"
            row.fired_at = now if row.status == "fired" else None
            row.lease_owner = row.lease_until = None


def project(
    instance: ProcessInstance, runtime: ProcessRuntime, step: Step, *, started: bool = False
) -> list[HumanTask]:
    """Store the runtime's state and bring task and timer rows in line with it; returns new task rows.

    `started`: the instance began in this step, so it has no task rows yet to compare with."""
    now = step.now
    ready = [t for t in runtime.ready_tasks() if not external_rows.is_external(t)]
    timers = runtime.pending_timers()
    # Changes still held by the ORM (a row added or moved earlier in this use case) must be in the
    # database before its task rows are compared with the engine's ready tasks.
    if db.session.new or db.session.dirty:
        step.writes()
        db.session.flush()
    open_rows = {} if started else rows.open_tasks(instance.id)
    if step.claimed_row is not None:
        open_rows = {engine_id: row_id for engine_id, row_id in open_rows.items() if row_id != step.claimed_row}
    # An added signer's row (加签) stands for its holder's engine task, as does a holder's answer that
    # waits for the signer after them: neither lets a second row open for that task.
    added = [row_id for engine_id, row_id in open_rows.items() if engine_id.startswith(signing_rows.ADDED_PREFIX)]
    anchors = signing_rows.anchors(added)
    covered = set(open_rows) | set(anchors.values())
    if added:
        covered |= signing_rows.held_engine_ids(instance.id)
    new_rows = [_task_row(task, timers, instance, step) for task in ready if task.id not in covered]
    extras = [row.pop("_candidates") for row in new_rows]
    ready_ids = {t.id for t in ready}
    gone = [row_id for engine_id, row_id in open_rows.items() if anchors.get(row_id, engine_id) not in ready_ids]
    # Everything the writes need is read and worked out before the first of them (the claim of a
    # completion): on SQLite the single writer is held from there to the commit. Who holds the new
    # tasks' roles says both whether anyone can take them and whom to tell.
    state, data = runtime.dump(), _bounded_data(instance, runtime)
    holders = notify.holders_of_roles(_queue_roles(new_rows, extras))
    step.writes()
    rows.cancel_tasks(gone, now)
    if added and gone:
        signing_rows.cancel_with(gone, now)
    if gone:
        events.tasks_ended.send(step, task_ids=gone)
    _sync_timers(instance, runtime, timers, now)
    external_rows.sync(instance, runtime, now)
    status = "completed" if runtime.completed and instance.status == "running" else instance.status
    ended_at = now if status == "completed" and instance.status == "running" else instance.ended_at
    rows.store_state(instance, state, data, status, ended_at)
    created = rows.insert_tasks(new_rows)
    rows.insert_candidates(created, extras)
    delegation.route_new_tasks(created)
    unowned.flag_unowned(instance, created, now, holders)
    notify.assignments(created, now, holders=holders)
    return created


def _queue_roles(new_rows: list[dict[str, Any]], extras: list[tuple[list[str], list[int]]]) -> set[str]:
    """Every candidate role of the new tasks that wait in a queue (no assignee; a delegation moves only
    assigned tasks, so this holds after it too)."""
    roles: set[str] = set()
    for row, (groups, _) in zip(new_rows, extras, strict=True):
        if row["assignee_id"] is None:
            roles.update(role for role in (row["role"], *groups) if role)
    return roles


def _form_key(task: ReadyTask, instance: ProcessInstance) -> str:
    """The task's own form; else the form its `camunda:formData` generates; else the standard approval
    (for a task drawn for Camunda, the plain task form)."""
    if task.form_key:
        return task.form_key
    if task.extensions.get("camunda_form_data"):
        return generated_forms.form_key(instance.process_version_id, task.bpmn_id)
    return PLAIN_TASK_FORM if task.extensions.get("drawn_for_camunda") else DEFAULT_APPROVAL_FORM


def _task_row(task: ReadyTask, timers: list[PendingTimer], instance: ProcessInstance, step: Step) -> dict[str, Any]:
    title = _title(task, instance) or task.name
    title_en = _title(task, instance, english=True)
    customer = task.data.get("customer_name")
    return {
        "instance_id": instance.id,
        "engine_task_id": task.id,
        "process_key": instance.process_key,
        "business_key": instance.business_key,
        "bpmn_id": task.bpmn_id,
        "name": task.name,
        "title": title,
        "customer": str(customer)[:200] if customer else None,
        "search_text": _search_text(title, title_en, instance.business_key),
        "name_en": (_english(task, "nameEn") or "")[:200] or None,
        "title_en": title_en,
        # A user task that names no form gets the standard approval (one drawn for Camunda, the plain task form).
        "form_key": _form_key(task, instance),
        "role": _role(task),
        "sign_kind": _sign_kind(task),
        "assignee_id": _user_id(_assignee_name(task)),
        "created_at": step.now,
        "due_at": _due(task, timers, instance, step),
        "priority": _priority(task),
        "follow_up_at": _follow_up(task, step),
        "_candidates": _candidates(task),
    }
