"""Roles and departments as data, and the org chart drawn from them; every change audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Department, HumanTask, ProcessInstance, ProcessVersion, Role, TaskCandidate, User
from ..common.errors import Conflict, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..modeling.specs import bundle_for
from .accounts import user_named
from .directory import forget_role_names
from .staff import flush_unique, require_admin

_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _audit(actor: User, action: str, subject: str, details: dict[str, Any]) -> None:
    db.session.add(AuditEvent(at=clock.now(), actor_id=actor.id, action=action, subject=subject, details=details))


def _names(body: dict[str, Any], errors: dict[str, list[Any]]) -> tuple[str, str, str]:
    key = body.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        errors["key"] = [_l("lower-case letters, digits and '_', starting with a letter, at most 64")]
    found = []
    for name in ("name", "name_en"):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            errors[name] = [_l("is required")]
        elif len(value.strip()) > 100:
            errors[name] = [_l("must be at most %(count)s characters", count=100)]
        found.append(value.strip() if isinstance(value, str) else "")
    return (key if isinstance(key, str) else ""), found[0], found[1]


def roles() -> list[Role]:
    return list(db.session.scalars(db.select(Role).order_by(Role.key)))


@transactional
def add_role(actor: User, body: dict[str, Any]) -> Role:
    require_admin(actor)
    errors: dict[str, list[Any]] = {}
    key, name, name_en = _names(body, errors)
    description = body.get("description") or ""
    if not isinstance(description, str) or len(description) > 2000 or "\x00" in description:
        errors["description"] = [_l("must be text of at most %(count)s characters", count=2000)]
    if "key" not in errors and db.session.scalar(db.select(Role.id).where(Role.key == key)):
        errors["key"] = [_l("the role '%(key)s' exists already", key=key)]
    if errors:
        raise ValidationFailed(errors)
    role = Role(key=key, name_zh=name, name_en=name_en, description=description.strip())
    db.session.add(role)
    flush_unique(role, "key", _l("the role '%(key)s' exists already", key=key))
    _audit(actor, "role_added", f"role:{key}", {"name": name, "name_en": name_en})
    forget_role_names()
    return role


def _deployed_uses(key: str) -> list[str]:
    """Processes whose current version, or a version instances still run on, gives a user task this role."""
    running = db.select(ProcessInstance.process_version_id).where(ProcessInstance.status.in_(("running", "error")))
    latest = db.select(db.func.max(ProcessVersion.id)).group_by(ProcessVersion.process_key)
    versions = db.session.scalars(
        db.select(ProcessVersion).where(db.or_(ProcessVersion.id.in_(latest), ProcessVersion.id.in_(running)))
    )
    using = set()
    for version in versions:
        bundle = bundle_for(version)
        for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
            for task_spec in spec.task_specs.values():
                ext = getattr(task_spec, "extensions", {}) or {}
                candidates = {c.strip() for c in (ext.get("candidate_roles") or "").split(",") if c.strip()}
                if key in candidates or (getattr(task_spec, "manual", False) and task_spec.lane == key):
                    using.add(version.process_key)
    return sorted(using)


@transactional
def retire_role(actor: User, key: str) -> None:
    """A role no deployed diagram and no open task needs goes away; its holders simply lose it."""
    require_admin(actor)
    role = db.session.scalars(db.select(Role).where(Role.key == key)).first()
    if role is None:
        raise NotFound(_l("no role '%(key)s'", key=key))
    processes = _deployed_uses(key)
    open_tasks = list(
        db.session.scalars(
            db.select(HumanTask.id)
            .where(
                db.or_(
                    HumanTask.role == key,
                    HumanTask.id.in_(db.select(TaskCandidate.task_id).where(TaskCandidate.role == key)),
                ),
                HumanTask.status == "open",
            )
            .order_by(HumanTask.id)
        )
    )
    if processes or open_tasks:
        raise Conflict(
            _l(
                "the role '%(key)s' is still in use: processes %(processes)s; open tasks %(tasks)s",
                key=key,
                processes=", ".join(processes) or "-",
                tasks=", ".join(map(str, open_tasks[:20])) or "-",
            )
        )
    holders = sorted(u.username for u in db.session.scalars(db.select(User).where(User.roles.contains(role))))
    db.session.delete(role)
    _audit(actor, "role_retired", f"role:{key}", {"holders": holders})
    forget_role_names()


def departments() -> list[Department]:
    return list(db.session.scalars(db.select(Department).order_by(Department.key)))


@transactional
def add_department(actor: User, body: dict[str, Any]) -> Department:
    require_admin(actor)
    errors: dict[str, list[Any]] = {}
    key, name, name_en = _names(body, errors)
    if "key" not in errors and db.session.scalar(db.select(Department.id).where(Department.key == key)):
        errors["key"] = [_l("the department '%(key)s' exists already", key=key)]
    head = None
    if body.get("head"):
        head = user_named(str(body["head"]))
        if head is None or not head.active:
            errors["head"] = [_l("no active user '%(name)s'", name=body["head"])]
    parent = None
    if body.get("parent"):
        parent = db.session.scalars(db.select(Department).where(Department.key == str(body["parent"]))).first()
        if parent is None:
            errors["parent"] = [_l("no department '%(key)s'", key=body["parent"])]
    if errors:
        raise ValidationFailed(errors)
    department = Department(key=key, name_zh=name, name_en=name_en, head=head, parent=parent)
    db.session.add(department)
    flush_unique(department, "key", _l("the department '%(key)s' exists already", key=key))
    _audit(
        actor,
        "department_added",
        f"department:{key}",
        {"name": name, "head": head.username if head else None, "parent": parent.key if parent else None},
    )
    return department


@transactional
def set_head(actor: User, key: str, username: str | None) -> Department:
    require_admin(actor)
    department = db.session.scalars(db.select(Department).where(Department.key == key)).first()
    if department is None:
        raise NotFound(_l("no department '%(key)s'", key=key))
    head = user_named(username) if username else None
    if username and (head is None or not head.active):
        raise ValidationFailed({"head": [_l("no active user '%(name)s'", name=username)]})
    before = department.head.username if department.head else None
    department.head = head
    _audit(actor, "department_changed", f"department:{key}", {"head": [before, username or None]})
    return department


def head_of(key: str) -> User | None:
    """Who receives work addressed to a department: its head, if one is named and active."""
    department = db.session.scalars(db.select(Department).where(Department.key == key)).first()
    if department is None or department.head is None or not department.head.active:
        return None
    return department.head


@dataclass
class ChartNode:
    """One person in the org chart with the people who report to them."""

    user: User
    reports: list[ChartNode] = field(default_factory=list)


def org_chart() -> tuple[list[Department], list[ChartNode]]:
    """The departments, and the reporting lines as trees rooted at people who report to nobody."""
    people = list(db.session.scalars(db.select(User).where(User.active).order_by(User.username)))
    nodes = {u.id: ChartNode(u) for u in people}
    roots = []
    for user in people:
        above = nodes.get(user.supervisor_id) if user.supervisor_id else None
        (above.reports if above else roots).append(nodes[user.id])
    return departments(), roots
