"""Work nobody can do: a new task whose assignee or role names nobody who could take it.

Such a task would sit in no inbox. Instead it makes its instance an incident, shown to process
owners, administrators and the supervisors above the person who started the process, and one of
those (an administrator, or such a supervisor) assigns it to someone by name, with a reason.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ... import clock
from ...extensions import db
from ...models import HumanTask, ProcessInstance, User
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..notifications import notices
from ..people.access import supervisor_chain
from . import rows

# Marks an incident that an assignment, not a redeployment, resolves.
UNOWNED_PREFIX = "nobody can do task "


def _someone_can_take(task: HumanTask, held: set[str]) -> bool:
    """Whether one of the task's candidate roles has an active holder, or one of its candidate people is active."""
    if any(role in held for role in task.candidate_roles):
        return True
    ids = task.candidate_user_ids
    return (
        bool(ids)
        and db.session.scalar(
            db.select(db.func.count()).select_from(User).where(User.id.in_(ids), User.active.is_(True))
        )
        > 0
    )


def _all_roles(tasks: list[HumanTask]) -> set[str]:
    return {role for task in tasks for role in task.candidate_roles}


def flag_unowned(instance: ProcessInstance, created: list[HumanTask], now: Any, holders: notices.Holders) -> None:
    """Make an incident of each new task nobody can take; part of the step's transaction.

    `holders` are the active holders of every candidate role of the tasks without an assignee.
    """
    loose = [task for task in created if task.assignee_id is None]
    if not loose:
        return
    held = set(holders)
    for task in loose:
        if _someone_can_take(task, held):
            continue
        roles = ", ".join(f"'{role}'" for role in task.candidate_roles)
        why = (
            f"role {roles} is held by nobody"
            if len(task.candidate_roles) == 1
            else f"roles {roles} are held by nobody"
            if roles
            else "it names no role and no existing person"
        )
        message = f"{UNOWNED_PREFIX}'{task.name}' ({task.bpmn_id}): {why}"
        rows.mark_incident(instance, message[:2000])
        rows.audit(
            at=now, action="task_unowned", instance_id=instance.id, task_id=task.id, task_name=task.name, comment=why
        )


def may_assign(user: User, instance: ProcessInstance) -> bool:
    if user.has_role("admin"):
        return True
    return instance.started_by_id is not None and user.id in supervisor_chain({instance.started_by_id})


def open_unowned(instance_ids: list[int]) -> dict[int, list[HumanTask]]:
    """The open tasks nobody holds in these instances, by instance."""
    if not instance_ids:
        return {}
    found: dict[int, list[HumanTask]] = {}
    loose = db.session.scalars(
        db.select(HumanTask)
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.status == "open", HumanTask.assignee_id.is_(None))
        .order_by(HumanTask.id)
    ).all()
    held = set(notices.holders_of_roles(_all_roles(list(loose))))
    for task in loose:
        if not _someone_can_take(task, held):
            found.setdefault(task.instance_id, []).append(task)
    return found


@transactional
def assign(task_id: int, actor: User, assignee_username: object, reason: object) -> HumanTask:
    """Give a task nobody could take to a named person (an administrator, or a supervisor above the starter)."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    instance = db.session.get(ProcessInstance, task.instance_id)
    if not may_assign(actor, instance):
        raise Forbidden(_l("only an administrator or a supervisor of the filer may assign this task"))
    if task.status != "open" or task.assignee_id is not None:
        raise Conflict(_l("this task already has someone to do it"))
    if _someone_can_take(task, set(notices.holders_of_roles(set(task.candidate_roles)))):
        raise Conflict(_l("this task waits in its role's queue; someone holding the role takes it there"))
    errors: dict[str, list[Any]] = {}
    name = assignee_username.strip() if isinstance(assignee_username, str) else ""
    target = (
        db.session.scalars(db.select(User).where(User.username == name, User.active.is_(True))).first()
        if name and "\x00" not in name
        else None
    )
    if target is None:
        errors["assignee"] = [_l("no active person has this user name")]
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        errors["reason"] = [_l("give a reason")]
    elif len(text) > 2000 or "\x00" in text:
        errors["reason"] = [_l("at most 2000 characters, no NUL")]
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    claimed = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.status == "open", HumanTask.assignee_id.is_(None))
        .values(assignee_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict(_l("this task already has someone to do it"))
    rows.audit(
        at=now,
        actor_id=actor.id,
        action="assign_unowned",
        instance_id=instance.id,
        task_id=task.id,
        task_name=task.name,
        comment=text,
        details={"assignee": target.username},
    )
    db.session.refresh(task)
    if (instance.error or "").startswith(UNOWNED_PREFIX) and not open_unowned([instance.id]):
        rows.mark_incident(instance, None)
    notices.assignment(task, now)
    return task
