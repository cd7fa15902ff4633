"""Delegation (委托): while someone is away, their tasks go to a colleague, and come back afterwards."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Delegation, HumanTask, ProcessInstance, User
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..notifications import notices
from ..people.accounts import user_named

_SUBJECT = "delegation:{}"
MAX_REASON = 2000


def _subject(delegation: Delegation) -> str:
    return _SUBJECT.format(delegation.id)


def _active_filter(now: datetime) -> list:
    return [Delegation.cancelled_at.is_(None), Delegation.starts_at <= now, Delegation.ends_at > now]


def active_for(delegator_id: int, now: datetime | None = None) -> Delegation | None:
    now = now or clock.now()
    return db.session.scalars(
        db.select(Delegation).where(Delegation.delegator_id == delegator_id, *_active_filter(now)).limit(1)
    ).first()


def delegators_of(delegate: User, now: datetime | None = None) -> list[User]:
    """Whom this person is acting for right now (their role queues are theirs to see too)."""
    now = now or clock.now()
    ids = db.session.scalars(
        db.select(Delegation.delegator_id).where(Delegation.delegate_id == delegate.id, *_active_filter(now))
    ).all()
    return list(db.session.scalars(db.select(User).where(User.id.in_(ids)))) if ids else []


def mine(user: User) -> list[Delegation]:
    return list(
        db.session.scalars(
            db.select(Delegation)
            .where((Delegation.delegator_id == user.id) | (Delegation.delegate_id == user.id))
            .order_by(Delegation.starts_at.desc(), Delegation.id.desc())
        )
    )


def _move(
    tasks: Iterable[HumanTask], source: User, target: User, delegation: Delegation, action: str, tell: bool = True
) -> int:
    now = clock.now()
    moved = 0
    for task in tasks:
        if action == "delegate_task" and _filed_by(task, target):
            continue  # nobody handles a step of their own application, not even as a delegate
        done = db.session.execute(
            update(HumanTask)
            .where(HumanTask.id == task.id, HumanTask.status == "open", HumanTask.assignee_id == source.id)
            .values(assignee_id=target.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done != 1:
            continue  # handled or moved meanwhile
        moved += 1
        db.session.add(
            AuditEvent(
                at=now,
                actor_id=None,
                action=action,
                instance_id=task.instance_id,
                task_id=task.id,
                task_name=task.name,
                subject=_subject(delegation),
                details={"from": source.username, "to": target.username},
            )
        )
        db.session.expire(task)
        if tell:
            notices.assignment(task, now)
    return moved


def _filed_by(task: HumanTask, user: User) -> bool:
    instance = db.session.get(ProcessInstance, task.instance_id)
    return instance is not None and instance.started_by_id == user.id


def _hand_out(delegation: Delegation) -> int:
    tasks = db.session.scalars(
        db.select(HumanTask).where(HumanTask.assignee_id == delegation.delegator_id, HumanTask.status == "open")
    ).all()
    return _move(tasks, delegation.delegator, delegation.delegate, delegation, "delegate_task")


def _bring_back(delegation: Delegation) -> int:
    """The period is over: tasks it moved that are still open and still with the delegate go home."""
    task_ids = db.session.scalars(
        db.select(AuditEvent.task_id).where(
            AuditEvent.subject == _subject(delegation), AuditEvent.action == "delegate_task"
        )
    ).all()
    tasks = db.session.scalars(
        db.select(HumanTask).where(
            HumanTask.id.in_(set(task_ids)),
            HumanTask.status == "open",
            HumanTask.assignee_id == delegation.delegate_id,
        )
    ).all()
    moved = _move(tasks, delegation.delegate, delegation.delegator, delegation, "delegation_ended")
    delegation.ended_handled_at = clock.now()
    return moved


def _parse_time(value: object, field: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed({field: [_l("must be a date and time like 2026-12-01T09:00")]}) from None
    else:
        raise ValidationFailed({field: [_l("is required")]})
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.company_tz())
    return parsed


def _reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed({"reason": [_l("a reason is required")]})
    if len(value) > MAX_REASON:
        raise ValidationFailed({"reason": [_l("at most %(count)s characters", count=MAX_REASON)]})
    if "\x00" in value:  # PostgreSQL cannot store it: refused here, not failed there
        raise ValidationFailed({"reason": [_l("must not contain NUL characters")]})
    return value.strip()


def _audit(delegation: Delegation, actor: User, action: str, reason: str) -> None:
    # No instance: the event belongs to the delegation, found again through its subject.
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=actor.id,
            action=action,
            subject=_subject(delegation),
            comment=reason,
            details={
                "delegator": delegation.delegator.username,
                "delegate": delegation.delegate.username,
                "starts_at": delegation.starts_at.isoformat(),
                "ends_at": delegation.ends_at.isoformat(),
            },
        )
    )


@transactional
def create(
    delegator: User, delegate_username: object, starts_at: object, ends_at: object, reason: object
) -> Delegation:
    if not isinstance(delegate_username, str) or not delegate_username.strip():
        raise ValidationFailed({"delegate": [_l("whom to delegate to is required")]})
    delegate = user_named(delegate_username.strip())
    if delegate is None or not delegate.active:
        raise ValidationFailed({"delegate": [_l("no active user '%(name)s'", name=delegate_username)]})
    if delegate.id == delegator.id:
        raise ValidationFailed({"delegate": [_l("you cannot delegate to yourself")]})
    start, end = _parse_time(starts_at, "starts_at"), _parse_time(ends_at, "ends_at")
    why = _reason(reason)
    now = clock.now()
    if end <= start:
        raise ValidationFailed({"ends_at": [_l("must be after the start")]})
    if end <= now:
        raise ValidationFailed({"ends_at": [_l("must be in the future")]})
    overlapping = db.session.scalar(
        db.select(Delegation.id).where(
            Delegation.delegator_id == delegator.id,
            Delegation.cancelled_at.is_(None),
            Delegation.starts_at < end,
            Delegation.ends_at > start,
        )
    )
    if overlapping:
        raise ValidationFailed({"starts_at": [_l("overlaps another of your delegations")]})
    if active_for(delegate.id, start) is not None:
        raise ValidationFailed({"delegate": [_l("%(name)s has delegated their own work then", name=delegate.username)]})
    delegation = Delegation(
        delegator_id=delegator.id, delegate_id=delegate.id, starts_at=start, ends_at=end, created_at=now, reason=why
    )
    db.session.add(delegation)
    db.session.flush()
    _audit(delegation, delegator, "delegation_created", why)
    if start <= now:
        _hand_out(delegation)
    return delegation


@transactional
def cancel(delegation_id: int, user: User, reason: object) -> Delegation:
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound(_l("delegation %(id)s does not exist", id=delegation_id))
    if delegation.delegator_id != user.id:
        raise Forbidden(_l("only the person who delegated may cancel it"))
    if delegation.cancelled_at is not None or delegation.ended_handled_at is not None:
        raise Conflict(_l("this delegation has already ended"))
    why = _reason(reason)
    delegation.cancelled_at = clock.now()
    _audit(delegation, user, "delegation_cancelled", why)
    _bring_back(delegation)
    return delegation


def route_new_tasks(created: list[HumanTask]) -> None:
    """New tasks assigned to someone away go to their delegate; part of the caller's transaction."""
    now = clock.now()
    for task in created:
        if task.assignee_id is None:
            continue
        delegation = active_for(task.assignee_id, now)
        if delegation is not None:
            # No mail here: the caller tells the new holder, as for any new task.
            _move([task], delegation.delegator, delegation.delegate, delegation, "delegate_task", tell=False)


def was_delegated(instance_id: Any, task_id: Any) -> Any:
    """A SQL flag: whether a delegation ever handed this task to someone (read through the instance's index)."""
    return (
        db.select(AuditEvent.id)
        .where(
            AuditEvent.instance_id == instance_id,
            AuditEvent.task_id == task_id,
            AuditEvent.action == "delegate_task",
        )
        .exists()
        .label("delegated")
    )


def on_behalf_of(task: HumanTask, actor: User) -> str | None:
    """Whom the actor stands for on this task, if they act as someone's delegate."""
    event = db.session.scalars(
        db.select(AuditEvent)
        .where(
            AuditEvent.instance_id == task.instance_id,
            AuditEvent.task_id == task.id,
            AuditEvent.action.in_(("delegate_task", "delegation_ended")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is not None and event.action == "delegate_task" and (event.details or {}).get("to") == actor.username:
        return str(event.details.get("from"))
    roles = task.candidate_roles
    if task.assignee_id is None and roles and not any(actor.has_role(role) for role in roles):
        for delegator in delegators_of(actor):
            if any(delegator.has_role(role) for role in roles):
                return delegator.username
    return None


@transactional
def tick() -> int:
    """Hand out tasks of delegations that have begun, and bring back those of delegations that ended."""
    now = clock.now()
    moved = 0
    for delegation in db.session.scalars(db.select(Delegation).where(*_active_filter(now))):
        moved += _hand_out(delegation)
    ended = db.session.scalars(
        db.select(Delegation).where(
            Delegation.cancelled_at.is_(None), Delegation.ends_at <= now, Delegation.ended_handled_at.is_(None)
        )
    )
    for delegation in ended:
        moved += _bring_back(delegation)
    return moved
