"""Who may see and act on what: confidentiality is decided here, once, for HTML and API alike."""

from __future__ import annotations

import functools
from datetime import datetime

from flask import g
from sqlalchemy import CompoundSelect, Select, and_, bindparam, literal, or_, union_all

from ... import clock
from ...extensions import db
from ...models import (
    Delegation,
    HumanTask,
    InstanceWatcher,
    ProcessInstance,
    RoleStandIn,
    TaskCandidate,
    User,
    user_roles,
)
from ...models.users import Role
from .directory import CREDIT_FILE_ROLES


@functools.cache
def _held_roles() -> CompoundSelect:
    """Every role a person works with, tagged by how they hold it: built once, bound per request."""
    user_id, now = bindparam("user_id"), bindparam("now")
    delegators = db.select(Delegation.delegator_id).where(
        Delegation.delegate_id == user_id,
        Delegation.cancelled_at.is_(None),
        Delegation.starts_at <= now,
        Delegation.ends_at > now,
    )
    return union_all(
        db.select(literal(_OWN), Role.key)
        .join(user_roles, Role.id == user_roles.c.role_id)
        .where(user_roles.c.user_id == user_id),
        # Roles they stand in for, e.g. while the holder is away.
        db.select(literal(_STANDING_IN), RoleStandIn.role_key).where(
            RoleStandIn.user_id == user_id, RoleStandIn.starts_at <= now, RoleStandIn.ends_at > now
        ),
        # Roles of people who delegated their work to them for now: their queues are shared.
        db.select(literal(_DELEGATED), Role.key)
        .join(user_roles, Role.id == user_roles.c.role_id)
        .where(user_roles.c.user_id.in_(delegators)),
    )


_OWN, _STANDING_IN, _DELEGATED = 1, 2, 3


def _read_roles(user: User) -> None:
    """Read a person's roles, stand-ins and delegated queues in one statement, once per request."""
    rows = db.session.execute(_held_roles(), {"user_id": user.id, "now": clock.now()}).all()
    held: dict[int, set[str]] = {_OWN: set(), _STANDING_IN: set(), _DELEGATED: set()}
    for how, key in rows:
        held[how].add(key)
    g.setdefault("_own_roles_of", {})[user.id] = held[_OWN]
    g.setdefault("_roles_of", {})[user.id] = held[_OWN] | held[_STANDING_IN]
    g.setdefault("_queue_roles_of", {})[user.id] = held[_OWN] | held[_STANDING_IN] | held[_DELEGATED]


def _cached(name: str, user: User) -> set[str]:
    cache = g.get(name, {})
    if user.id not in cache:
        _read_roles(user)
        cache = g.get(name)
    return cache[user.id]


def own_roles(user: User) -> set[str]:
    """The roles a person holds themselves, without those they stand in for or work as a delegate."""
    return _cached("_own_roles_of", user)


def roles_of(user: User) -> set[str]:
    """The roles a person holds now: their own, plus any they stand in for (e.g. while the holder is away)."""
    return _cached("_roles_of", user)


def queue_roles_of(user: User) -> set[str]:
    """The role queues a person works from: their roles, plus those of anyone who delegated work to them now.

    Kept apart from `roles_of`: a delegate handles the absent person's tasks, but does not gain
    what their roles allow beyond that (starting processes, the complaint register).
    """
    return _cached("_queue_roles_of", user)


def may_act_on(user: User, task: HumanTask) -> bool:
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return may_claim(user, task)


def in_queue_of(user: User, task: HumanTask) -> bool:
    """Whether the task waits in one of the user's queues: a candidate person, or a holder (or a
    delegate of a holder) of any of its candidate roles."""
    if user.id in task.candidate_user_ids:
        return True
    queues = queue_roles_of(user)
    return any(role in queues for role in task.candidate_roles)


def may_claim(user: User, task: HumanTask) -> bool:
    """A queue task is open to holders of its roles, its candidate people and the holders' delegates,
    but a delegate never takes a step of an application they filed themselves: it stays in the queue
    for someone else."""
    if not in_queue_of(user, task):
        return False
    own = roles_of(user)
    if user.id in task.candidate_user_ids or any(role in own for role in task.candidate_roles):
        return True
    instance = db.session.get(ProcessInstance, task.instance_id)
    return instance is None or instance.started_by_id != user.id


def supervisor_chain(user_ids: set[int]) -> set[int]:
    """Every supervisor above the given people, however many levels up."""
    chain: set[int] = set()
    frontier = set(user_ids)
    while frontier:
        above = set(
            db.session.scalars(
                db.select(User.supervisor_id).where(User.id.in_(frontier), User.supervisor_id.is_not(None))
            )
        )
        frontier = above - chain
        chain |= above
    return chain


# Built once: every page of an instance asks who takes part in it, some of them twice.
_TASK_PEOPLE = db.select(HumanTask.assignee_id, HumanTask.completed_by_id, HumanTask.role, HumanTask.status).where(
    HumanTask.instance_id == bindparam("instance_id")
)
_OPEN_TASK_CANDIDATES = (
    db.select(TaskCandidate.role, TaskCandidate.user_id)
    .join(HumanTask, HumanTask.id == TaskCandidate.task_id)
    .where(
        HumanTask.instance_id == bindparam("instance_id"), HumanTask.status == "open", HumanTask.assignee_id.is_(None)
    )
)
_ROLE_HOLDERS = (
    db.select(user_roles.c.user_id)
    .join(Role, Role.id == user_roles.c.role_id)
    .where(Role.key.in_(bindparam("roles", expanding=True)))
)
_DELEGATES_NOW = db.select(Delegation.delegate_id).where(
    Delegation.delegator_id.in_(bindparam("user_ids", expanding=True)),
    Delegation.cancelled_at.is_(None),
    Delegation.starts_at <= bindparam("now"),
    Delegation.ends_at > bindparam("now"),
)


def involved_user_ids(instance: ProcessInstance) -> set[int]:
    ids: set[int] = {instance.started_by_id} if instance.started_by_id else set()
    rows = db.session.execute(_TASK_PEOPLE, {"instance_id": instance.id}).all()
    open_roles: set[str] = set()
    for assignee_id, completed_by_id, role, status in rows:
        ids.update(i for i in (assignee_id, completed_by_id) if i)
        if status == "open" and assignee_id is None and role:
            open_roles.add(role)
    for role, user_id in db.session.execute(_OPEN_TASK_CANDIDATES, {"instance_id": instance.id}):
        if role:
            open_roles.add(role)
        if user_id:
            ids.add(user_id)
    if open_roles:
        holders = set(db.session.scalars(_ROLE_HOLDERS, {"roles": sorted(open_roles)}))
        ids.update(holders)
        # Whoever works a holder's queue while they are away is asked to act, so may read what they act on.
        ids.update(_delegates_of(holders, clock.now()))
    return ids


def _delegates_of(user_ids: set[int], now: datetime) -> set[int]:
    if not user_ids:
        return set()
    return set(db.session.scalars(_DELEGATES_NOW, {"user_ids": sorted(user_ids), "now": now}))


def is_copied_on(user: User, instance: ProcessInstance) -> bool:
    return bool(
        db.session.scalar(
            db.select(InstanceWatcher.id).where(
                InstanceWatcher.instance_id == instance.id, InstanceWatcher.user_id == user.id
            )
        )
    )


def may_take_part(user: User, instance: ProcessInstance) -> bool:
    """Who may add to an instance (comment, attach, copy someone in): the filer, whoever holds or held
    one of its tasks or may claim an open one, and their supervisors. A copied colleague only reads."""
    involved = involved_user_ids(instance)
    return user.id in involved or user.id in supervisor_chain(involved)


# Processes whose steps are each person's own (第三十九条: every salesperson reports on their own
# customers): only the credit file's readers see the whole instance; the others see their own steps.
PRIVATE_STEPS = frozenset({"credit_monthly_review"})


def sees_every_step(user: User, instance: ProcessInstance) -> bool:
    return instance.process_key not in PRIVATE_STEPS or bool(user.role_keys & CREDIT_FILE_ROLES)


def may_view_instance(user: User, instance: ProcessInstance) -> bool:
    if not sees_every_step(user, instance):
        return False
    return is_copied_on(user, instance) or may_take_part(user, instance)


def may_view_credit_file(user: User, filed_by_ids: set[int]) -> bool:
    if user.role_keys & CREDIT_FILE_ROLES:
        return True
    return user.id in filed_by_ids


# 第三篇 五: the complaint register as a whole is for these; everyone else sees the cases they touch.
COMPLAINT_REGISTER_ROLES = frozenset({"cs_director", "sales_vp", "general_manager"})


def sees_complaint_register(user: User) -> bool:
    return bool(roles_of(user) & COMPLAINT_REGISTER_ROLES)


def _people_under(user_id: int) -> set[int]:
    """Everyone below this person in the org chart, however deep."""
    found: set[int] = set()
    frontier = {user_id}
    while frontier:
        below = set(db.session.scalars(db.select(User.id).where(User.supervisor_id.in_(frontier))))
        frontier = below - found
        found |= frontier
    return found


def complaint_instances_of(user: User) -> Select[tuple[int]] | None:
    """The instances of complaints this person may see, or None for the whole register.

    A handler sees the cases they hold, held or may claim from their queue; a supervisor sees
    those of the people under them.
    """
    if sees_complaint_register(user):
        return None
    people = {user.id} | _people_under(user.id)
    return db.select(HumanTask.instance_id).where(
        or_(
            HumanTask.assignee_id.in_(people),
            HumanTask.completed_by_id.in_(people),
            and_(
                HumanTask.status == "open",
                HumanTask.assignee_id.is_(None),
                or_(
                    HumanTask.role.in_(queue_roles_of(user)),
                    HumanTask.id.in_(
                        db.select(TaskCandidate.task_id).where(
                            or_(TaskCandidate.role.in_(queue_roles_of(user)), TaskCandidate.user_id == user.id)
                        )
                    ),
                ),
            ),
        )
    )
