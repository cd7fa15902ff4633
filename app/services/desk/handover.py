"""Moving a task from one holder to another: shared by reassign (supervisor) and transfer (holder)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ... import clock
from ...extensions import db
from ...models import AuditEvent, HumanTask, User
from ..common.errors import Conflict, ValidationFailed
from ..notifications import notices
from ..people.accounts import user_named


def new_holder(task: HumanTask, username: object) -> User:
    """The active user named to take the task, who must hold its role; refused with the field named."""
    if not isinstance(username, str) or not username.strip():
        raise ValidationFailed({"assignee": [_l("whom to give the task to is required")]})
    user = user_named(username.strip())
    if user is None or not user.active:
        raise ValidationFailed({"assignee": [_l("no active user '%(name)s'", name=username)]})
    if task.role and not any(user.has_role(role) for role in task.candidate_roles):
        raise ValidationFailed(
            {"assignee": [_l("%(name)s does not hold the role '%(role)s'", name=user.username, role=task.role)]}
        )
    return user


def hand_over(task: HumanTask, actor: User, new: User, action: str, comment: str, details: dict[str, Any]) -> HumanTask:
    """Give the task to `new` unless it changed meanwhile; audit it and tell the new holder."""
    moved = db.session.execute(
        update(HumanTask)
        .where(
            HumanTask.id == task.id,
            HumanTask.status == "open",
            HumanTask.assignee_id.is_not_distinct_from(task.assignee_id),
        )
        .values(assignee_id=new.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict(_l("the task changed meanwhile; reload and try again"))
    now = clock.now()
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=actor.id,
            action=action,
            instance_id=task.instance_id,
            task_id=task.id,
            task_name=task.name,
            comment=comment,
            details=details,
        )
    )
    db.session.refresh(task)
    notices.assignment(task, now)
    return task
