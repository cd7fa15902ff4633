"""Mail about work: composed in Chinese and English and queued in the outbox, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy.orm import lazyload

from ...clock import to_company_iso
from ...extensions import db
from ...models import HumanTask, OutboxMail, Role, User, user_roles
from ..instances import rows
from . import centre, robots


def task_link(task_id: int) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/tasks/{task_id}"


def instance_link(instance_id: int) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/instances/{instance_id}"


def _due_text(due: datetime | None) -> tuple[str, str]:
    if due is None:
        return "无期限", "no deadline"
    text = (to_company_iso(due) or "")[:16].replace("T", " ")
    return f"期限 {text}", f"due {text}"


def queue(user: User, kind: str, subject: str, body: str, now: datetime) -> OutboxMail | None:
    if not user.email or not user.active:
        return None
    mail = OutboxMail(
        kind=kind,
        user_id=user.id,
        to_address=user.email,
        subject=subject[:300],
        body=body,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(mail)
    return mail


def role_holders(role: str) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .options(lazyload(User.roles))  # a notice needs the address, not everyone's roles
            .join(user_roles, user_roles.c.user_id == User.id)
            .join(Role, Role.id == user_roles.c.role_id)
            .where(Role.key == role, User.active.is_(True))
            .order_by(User.username)
        )
    )


ESCALATION_PROCESS = "overdue_escalation"


def assignment(task: HumanTask, now: datetime, kind: str | None = None) -> None:
    """Tell whoever may work on a new task: its assignee, or every holder of its role."""
    assignments([task], now, kind)


# Built once: a new task's notice is part of every step that opens one.
_ADDRESSES_OF_USERS = db.select(User.id, User.email).where(
    User.id.in_(bindparam("ids", expanding=True)), User.active.is_(True)
)
_ADDRESSES_OF_ROLES = (
    db.select(Role.key, User.id, User.email)
    .join(user_roles, user_roles.c.user_id == User.id)
    .join(Role, Role.id == user_roles.c.role_id)
    .where(Role.key.in_(bindparam("roles", expanding=True)), User.active.is_(True))
    .order_by(User.username)
)


Holders = dict[str, list[tuple[int, str | None]]]


def holders_of_roles(roles: set[str]) -> Holders:
    """Every active holder of each role, with their address, in one statement for all the roles."""
    found: Holders = {}
    if roles:
        for role, user_id, email in db.session.connection().execute(_ADDRESSES_OF_ROLES, {"roles": sorted(roles)}):
            found.setdefault(role, []).append((user_id, email))
    return found


def _recipients(tasks: list[HumanTask], by_role: Holders) -> dict[int, list[tuple[int, str | None]]]:
    """For each task, the (user id, address or None) of its assignee or of every active holder of its role."""
    assignee_ids = {t.assignee_id for t in tasks if t.assignee_id is not None}
    by_id: dict[int, tuple[int, str | None]] = {}
    if assignee_ids:
        connection = db.session.connection()
        for user_id, email in connection.execute(_ADDRESSES_OF_USERS, {"ids": sorted(assignee_ids)}):
            by_id[user_id] = (user_id, email)
    return {
        t.id: ([by_id[t.assignee_id]] if t.assignee_id in by_id else [])
        if t.assignee_id is not None
        else by_role.get(t.role or "", [])
        for t in tasks
    }


def assignments(tasks: list[HumanTask], now: datetime, kind: str | None = None, holders: Holders | None = None) -> None:
    """Queue the notices for new tasks, reading every recipient in one statement per kind.

    Each recipient also gets a line in the message centre and a message on their own chat robot; a
    task waiting in a role's queue is announced on that role's group robot too. `kind` says "returned"
    for a task sent back to someone.
    """
    if not tasks:
        return
    if holders is None:
        holders = holders_of_roles({t.role for t in tasks if t.assignee_id is None and t.role})
    recipients = _recipients(tasks, holders)
    mails = []
    lines = []
    messages = []
    queued_for_roles: dict[str, list[tuple[str, int]]] = {}
    for task in tasks:
        mail_kind, subject, body = _assignment_text(task)
        line_kind = "escalation" if mail_kind == "escalation" else (kind or "assignment")
        mails.extend(
            {
                "kind": mail_kind,
                "user_id": user_id,
                "to_address": address,
                "subject": subject[:300],
                "body": body,
                "created_at": now,
                "next_attempt_at": now,
            }
            for user_id, address in recipients[task.id]
            if address
        )
        people = [user_id for user_id, _ in recipients[task.id]]
        lines.extend(
            {
                "user_id": user_id,
                "kind": line_kind,
                "subject": task.title[:300],
                "subject_en": (task.title_en or "")[:300] or None,
                "instance_id": task.instance_id,
                "task_id": task.id,
                "created_at": now,
            }
            for user_id in people
        )
        messages.append(
            robots.Message(people, line_kind, task.title, task.instance_id, task.id, subject_en=task.title_en)
        )
        if task.assignee_id is None:
            for role in task.candidate_roles:
                queued_for_roles.setdefault(role, []).append((task.title, task.id))
    rows.queue_mails(mails)
    centre.many_lines(lines)
    robots.tell_people(messages, now)
    robots.tell_roles(set(queued_for_roles), "assignment", queued_for_roles, now)


def _assignment_text(task: HumanTask) -> tuple[str, str, str]:
    due_zh, due_en = _due_text(task.due_at)
    link = task_link(task.id)
    if task.process_key == ESCALATION_PROCESS:
        return (
            "escalation",
            f"[督办 Escalation] {task.title}",
            f"有任务逾期未办，请您督办：{task.title}（督办{due_zh}；逾期不办将再上报一级）。\n查看：{link}\n\n"
            f"An overdue task needs your attention: {task.title} ({due_en} for you; left undone it climbs "
            f"one more level).\nOpen it: {link}\n",
        )
    return (
        "assignment",
        f"[待办 To do] {task.title}",
        f"您有一项新的待办任务：{task.title}（{due_zh}）。\n处理：{link}\n\n"
        f"A new task is waiting for you: {task.title} ({due_en}).\nOpen it: {link}\n",
    )
