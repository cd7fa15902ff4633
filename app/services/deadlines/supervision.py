"""The supervisor's desk: late and nearly late work below them in the org chart, and reassigning it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_
from sqlalchemy.orm import selectinload

from ... import clock
from ...extensions import db
from ...i18n import current_locale
from ...models import HumanTask, ProcessInstance, Role, TaskCandidate, User, user_roles
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..desk.handover import hand_over, new_holder
from ..notifications import notices
from ..people.directory import DEPARTMENTS, ROLES
from .lateness import Lateness, lateness
from .workdays import WorkCalendar, load_calendar


@dataclass(frozen=True)
class DeskRow:
    task: HumanTask
    holder: str
    department: str
    overdue: bool
    late_working_days: int
    late_hours: float
    late: Lateness | None = None
    # Someone other than its holder holds the task's role, so there is someone to hand it to.
    reassignable: bool = False


@dataclass(frozen=True)
class CaseRow:
    """A whole case (e.g. a complaint due within 15/20 days) that is late or close to it."""

    instance: ProcessInstance
    overdue: bool
    hours_left: float


@dataclass(frozen=True)
class Desk:
    rows: list[DeskRow]
    cases_at_risk: list[CaseRow]
    counts_by_department: dict[str, int]
    on_time_rate_last_month: float | None
    completed_last_month: int
    due_soon_until: datetime


def subordinate_ids(user: User) -> set[int]:
    """Everyone below `user` in the org chart, however deep."""
    found: set[int] = set()
    frontier = {user.id}
    while frontier:
        below = set(db.session.scalars(db.select(User.id).where(User.supervisor_id.in_(frontier))))
        frontier = below - found
        found |= frontier
    return found


def _roles_held_by(user_ids: set[int]) -> set[str]:
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            db.select(Role.key)
            .join(user_roles, user_roles.c.role_id == Role.id)
            .where(user_roles.c.user_id.in_(user_ids))
        )
    )


def _scope(user_ids: set[int]):  # noqa: ANN202 - a SQLAlchemy condition
    roles = sorted(_roles_held_by(user_ids)) or [""]
    return or_(
        HumanTask.assignee_id.in_(user_ids or {0}),
        and_(
            HumanTask.assignee_id.is_(None),
            or_(
                HumanTask.role.in_(roles),
                HumanTask.id.in_(
                    _candidates_where(or_(TaskCandidate.role.in_(roles), TaskCandidate.user_id.in_(user_ids or {0})))
                ),
            ),
        ),
    )


def _candidates_where(condition: Any) -> Any:
    """Tasks that name, beside their first role, this further candidate role or person."""
    return db.select(TaskCandidate.task_id).where(condition)


def _department_of(task: HumanTask, role_departments: dict[str, str]) -> str:
    if task.assignee is not None:
        return task.assignee.department or ""
    return role_departments.get(task.role or "", "")


def _role_departments(roles: set[str]) -> dict[str, str]:
    rows = db.session.execute(
        db.select(Role.key, User.department)
        .join(user_roles, user_roles.c.role_id == Role.id)
        .join(User, User.id == user_roles.c.user_id)
        .where(Role.key.in_(roles or {""}))
        .order_by(User.username)
    ).all()
    result: dict[str, str] = {}
    for key, department in rows:
        result.setdefault(key, department)
    return result


def _last_month(now: datetime, calendar: WorkCalendar) -> tuple[datetime, datetime]:
    local = now.astimezone(calendar.tz)
    first_this = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first_last = (first_this - timedelta(days=1)).replace(day=1)
    return first_last, first_this


def desk(user: User, process: str | None = None, role: str | None = None, person: str | None = None) -> Desk:
    now = clock.now()
    calendar = load_calendar()
    due_soon_until = calendar.add_working_days(now, 1)
    team = subordinate_ids(user)
    query = (
        db.select(HumanTask)
        .where(HumanTask.status == "open", HumanTask.due_at <= due_soon_until, _scope(team))
        .order_by(HumanTask.due_at, HumanTask.id)
        .limit(500)
    )
    # No key or name holds a NUL, and PostgreSQL refuses even to be sent one: nothing matches.
    matches_nothing = any("\x00" in value for value in (process, role, person) if value)
    if matches_nothing:
        query = query.where(db.false())
        process = role = person = None
    if process:
        query = query.where(HumanTask.process_key == process)
    if role:
        query = query.where(
            or_(HumanTask.role == role, HumanTask.id.in_(_candidates_where(TaskCandidate.role == role)))
        )
    if person:
        query = query.join(User, User.id == HumanTask.assignee_id).where(User.username == person)
    # The holders and the escalation targets of up to 500 rows, read with the rows, not one row at a time.
    tasks = list(
        db.session.scalars(query.options(selectinload(HumanTask.assignee), selectinload(HumanTask.escalated_to)))
    )
    roles = {t.role for t in tasks if t.role}
    role_departments = _role_departments(roles)
    role_holders = notices.holders_of_roles(roles)
    rows = []
    for task in tasks:
        late = task.due_at < now
        how_late = lateness(task.due_at, now, calendar)
        rows.append(
            DeskRow(
                task=task,
                holder=task.assignee.display_name if task.assignee else _unclaimed(task.role),
                department=_department_of(task, role_departments),
                overdue=late,
                late_working_days=how_late.working_days if how_late else 0,
                late_hours=round((now - task.due_at).total_seconds() / 3600, 1) if late else 0.0,
                late=how_late,
                reassignable=any(uid != task.assignee_id for uid, _ in role_holders.get(task.role or "", [])),
            )
        )
    counts = Counter(r.department for r in rows)
    start, end = _last_month(now, calendar)
    finished = db.session.execute(
        db.select(HumanTask.completed_at, HumanTask.due_at).where(
            HumanTask.status == "completed",
            HumanTask.due_at.is_not(None),
            HumanTask.completed_at >= start,
            HumanTask.completed_at < end,
            HumanTask.completed_by_id.in_(team or {0}),
        )
    ).all()
    on_time = sum(1 for done, due in finished if done <= due)
    return Desk(
        rows=rows,
        cases_at_risk=[] if matches_nothing else _cases_at_risk(team, now, process),
        counts_by_department={d: counts[d] for d in sorted(counts, key=lambda k: (-counts[k], k))},
        on_time_rate_last_month=(on_time / len(finished)) if finished else None,
        completed_last_month=len(finished),
        due_soon_until=due_soon_until,
    )


def _cases_at_risk(team: set[int], now: datetime, process: str | None) -> list[CaseRow]:
    """Open cases whose own deadline is past or near (COMPLAINT_AT_RISK_DAYS), with work waiting in this part of
    the org."""
    in_scope = db.select(HumanTask.instance_id).where(HumanTask.status == "open", _scope(team))
    query = (
        db.select(ProcessInstance)
        .where(
            ProcessInstance.status == "running",
            ProcessInstance.due_at.is_not(None),
            ProcessInstance.case_closed_at.is_(None),
            # The same window as the complaints' case clock: one setting, COMPLAINT_AT_RISK_DAYS.
            ProcessInstance.due_at <= now + timedelta(days=current_app.config["COMPLAINT_AT_RISK_DAYS"]),
            ProcessInstance.id.in_(in_scope),
        )
        .order_by(ProcessInstance.due_at)
        .limit(200)
    )
    if process:
        query = query.where(ProcessInstance.process_key == process)
    return [
        CaseRow(instance=i, overdue=i.due_at < now, hours_left=round((i.due_at - now).total_seconds() / 3600, 1))
        for i in db.session.scalars(query)
    ]


def _unclaimed(role: str | None) -> str:
    zh, en = ROLES.get(role or "", (role or "—", role or "—"))
    return str(_l("%(role)s (not yet claimed)", role=zh if current_locale() == "zh_CN" else en))


def department_name(key: str) -> str:
    zh, en = DEPARTMENTS.get(key, (key or "—", key or "—"))
    return zh if current_locale() == "zh_CN" else en


def _holders(task: HumanTask) -> set[int]:
    if task.assignee_id is not None:
        return {task.assignee_id}
    return {u.id for u in notices.role_holders(task.role or "")}


@transactional
def reassign(task_id: int, actor: User, assignee_username: str, reason: str) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    team = subordinate_ids(actor)
    if not (_holders(task) & team):
        raise Forbidden(_l("only a supervisor of the task's holder may reassign it"))
    errors: dict[str, list[str]] = {}
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = [_l("a reason is required")]
    if not isinstance(assignee_username, str) or not assignee_username.strip():
        errors["assignee"] = [_l("whom to give the task to is required")]
    if errors:
        raise ValidationFailed(errors)
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    new = new_holder(task, assignee_username)
    if not task.role and new.id not in team:
        raise ValidationFailed({"assignee": [_l("%(name)s is not in your part of the org chart", name=new.username)]})
    previous = task.assignee.username if task.assignee else None
    return hand_over(task, actor, new, "reassign", reason.strip(), {"from": previous, "to": new.username})
