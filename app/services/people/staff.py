"""The administrator's work on people: create, edit, disable, reset a password; every change audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ... import clock
from ...extensions import db
from ...i18n import LOCALES
from ...models import AuditEvent, Department, HumanTask, Role, User, user_roles
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..desk.handover import hand_over
from .accounts import end_all_sessions, hash_password, password_problems, user_named
from .directory import role_names

Errors = dict[str, list[Any]]
# The keys a create or an edit may carry; anything else is named back as unknown.
FIELDS = (
    "username",
    "display_name",
    "display_name_en",
    "email",
    "department",
    "supervisor",
    "roles",
    "locale",
    "password",
    "active",
)


def require_admin(actor: User) -> None:
    if not actor.has_role("admin"):
        raise Forbidden(_l("only an administrator may manage people, roles and departments"))


PEOPLE_PER_PAGE = 100


@dataclass(frozen=True)
class PeoplePage:
    """One page of the people list, and where it stands in the whole."""

    people: list[User]
    page: int
    pages: int
    total: int


def page_number(raw: str | None) -> int:
    """The page asked for, 1 when none is; anything but a whole number from 1 is refused, naming the field."""
    text = (raw or "").strip()
    if not text:
        return 1
    if not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise ValidationFailed({"page": [_l("must be a whole number from 1")]})
    return int(text)


def listing(actor: User, q: str = "", no_supervisor: bool = False, no_role: bool = False, page: int = 1) -> PeoplePage:
    """Everyone, or those whose login, names or e-mail contain `q`; optionally only those missing a link.
    A page past the last shows the last."""
    require_admin(actor)
    query = db.select(User)
    text = q.replace("\x00", "").strip()
    if text:
        like = f"%{text.lower()}%"
        query = query.where(
            or_(
                db.func.lower(User.username).like(like),
                db.func.lower(User.display_name).like(like),
                db.func.lower(User.display_name_en).like(like),
                db.func.lower(User.email).like(like),
            )
        )
    if no_supervisor:
        query = query.where(User.supervisor_id.is_(None))
    if no_role:
        query = query.where(~db.exists().where(user_roles.c.user_id == User.id))
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PEOPLE_PER_PAGE))
    page = min(page, pages)
    shown = query.order_by(User.username).offset((page - 1) * PEOPLE_PER_PAGE).limit(PEOPLE_PER_PAGE)
    people = list(db.session.scalars(shown.options(selectinload(User.supervisor))))
    return PeoplePage(people, page, pages, total)


def _text(body: dict[str, Any], key: str, errors: Errors, limit: int, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[key] = [_l("is required")]
        return None
    if not isinstance(value, str) or "\x00" in value:
        errors[key] = [_l("must be text")]
        return None
    if len(value.strip()) > limit:
        errors[key] = [_l("must be at most %(count)s characters", count=limit)]
        return None
    return value.strip()


def _checked(body: dict[str, Any], user: User | None) -> tuple[dict[str, Any], Errors]:
    """The values of the keys present in `body`, checked; errors name each bad field."""
    errors: Errors = {}
    values: dict[str, Any] = {}
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        errors["body"] = [_l("unknown field(s): %(fields)s", fields=", ".join(unknown))]
    creating = user is None
    if creating or "display_name" in body:
        values["display_name"] = _text(body, "display_name", errors, 100, required=True)
    for key, limit in (("display_name_en", 100), ("email", 200)):
        if key in body:
            values[key] = _text(body, key, errors, limit)
    if values.get("email") and "@" not in values["email"]:
        errors["email"] = [_l("is not an e-mail address")]
    if "department" in body:
        key = _text(body, "department", errors, 64)
        if key and not db.session.scalar(db.select(Department.id).where(Department.key == key)):
            errors["department"] = [_l("no department '%(key)s'", key=key)]
        values["department"] = key or ""
    if "supervisor" in body:
        name = _text(body, "supervisor", errors, 64)
        boss = user_named(name) if name else None
        if name and (boss is None or not boss.active):
            errors["supervisor"] = [_l("no active user '%(name)s'", name=name)]
        elif boss is not None and user is not None and _would_loop(user, boss):
            errors["supervisor"] = [
                _l("%(name)s reports to this person already: the chain would be a loop", name=boss.username)
            ]
        values["supervisor"] = boss
    if "roles" in body:
        roles = body.get("roles")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            errors["roles"] = [_l("must be a list of role keys")]
        else:
            missing = sorted(set(roles) - set(role_names()))
            if missing:
                errors["roles"] = [_l("unknown role(s): %(roles)s", roles=", ".join(missing))]
            values["roles"] = sorted(set(roles))
    if "locale" in body:
        if body.get("locale") not in LOCALES:
            errors["locale"] = [_l("must be one of %(values)s", values=", ".join(LOCALES))]
        values["locale"] = body.get("locale")
    if "active" in body:
        if not isinstance(body.get("active"), bool):
            errors["active"] = [_l("must be true or false")]
        values["active"] = body.get("active")
    return values, errors


def flush_unique(row: object, field: str, message: Any) -> None:
    """Write the new row now: if someone created the same key at the same moment, say so as a 422."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as err:
        raise ValidationFailed({field: [message]}) from err


def _would_loop(user: User, boss: User) -> bool:
    """True if `user` already sits above `boss` (or is `boss`): making boss their supervisor closes a loop."""
    seen: set[int] = set()
    current: User | None = boss
    while current is not None and current.id not in seen:
        if current.id == user.id:
            return True
        seen.add(current.id)
        current = current.supervisor
    return False


def _audit(actor: User, action: str, username: str, details: dict[str, Any]) -> None:
    db.session.add(
        AuditEvent(at=clock.now(), actor_id=actor.id, action=action, subject=f"user:{username}", details=details)
    )


def _shown(value: Any) -> Any:
    if isinstance(value, User):
        return value.username
    return value


def _apply(user: User, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the checked values; returns what changed as field -> [before, after]."""
    changed: dict[str, list[Any]] = {}
    for key, value in values.items():
        if key == "roles":
            before = sorted(user.role_keys)
            if before != value:
                user.roles = list(db.session.scalars(db.select(Role).where(Role.key.in_(value))))
                changed["roles"] = [before, value]
        elif key == "supervisor":
            before = user.supervisor.username if user.supervisor else None
            if before != _shown(value):
                user.supervisor = value
                changed["supervisor"] = [before, _shown(value)]
        elif key != "active" and getattr(user, _STORED.get(key, key)) != value:
            changed[key] = [getattr(user, _STORED.get(key, key)), value]
            setattr(user, _STORED.get(key, key), value)
    return changed


# The API's field for the Chinese name reads and writes the stored Chinese name, never the
# reader-language one a page shows.
_STORED = {"display_name": "name_zh"}


@transactional
def create(actor: User, body: dict[str, Any]) -> tuple[User, str]:
    """A new person; without a password one is generated, returned once, and must be changed at first log-in."""
    return create_in_transaction(actor, body)


def create_in_transaction(actor: User, body: dict[str, Any]) -> tuple[User, str]:
    """`create` as a part of the caller's transaction (the spreadsheet import adds many at once)."""
    require_admin(actor)
    values, errors = _checked(body, None)
    username = body.get("username")
    if (
        not isinstance(username, str)
        or not username
        or len(username) > 64
        or not (username.replace("_", "").replace(".", "").isalnum() and username.isascii())
    ):
        errors["username"] = [_l("letters, digits, '.' and '_' only, at most 64")]
    elif user_named(username) is not None:
        errors["username"] = [_l("'%(name)s' exists already", name=username)]
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        errors["password"] = [_l("must be text")]
    elif password:
        problems = password_problems(password, username if isinstance(username, str) else "")
        if problems:
            errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    secret = password or secrets.token_urlsafe(12)
    user = User(
        username=username,
        display_name=values.pop("display_name"),
        password_hash=hash_password(secret),
        created_at=clock.now(),
        must_change_password=not password,
        active=values.pop("active", True),
    )
    db.session.add(user)
    flush_unique(user, "username", _l("'%(name)s' exists already", name=username))
    changed = _apply(user, values)
    _audit(actor, "user_created", user.username, {k: v[1] for k, v in changed.items()})
    return user, secret


@transactional
def edit(actor: User, username: str, body: dict[str, Any]) -> User:
    """Change any of a person's fields; `"active": false` disables them (see `_disable`)."""
    return edit_in_transaction(actor, username, body)


def edit_in_transaction(actor: User, username: str, body: dict[str, Any]) -> User:
    require_admin(actor)
    user = user_named(username)
    if user is None:
        raise NotFound(_l("no user '%(name)s'", name=username))
    values, errors = _checked(body, user)
    if "password" in body or "username" in body:
        errors.setdefault("body", []).append(_l("the login name cannot change; reset a password on its own"))
    if values.get("active") is False and user.id == actor.id:
        errors["active"] = [_l("you cannot disable yourself")]
    if errors:
        raise ValidationFailed(errors)
    changed = _apply(user, values)
    if "active" in values and values["active"] != user.active:
        changed["active"] = [user.active, values["active"]]
        user.active = values["active"]
        if not user.active:
            _disable(actor, user)
    if changed:
        _audit(actor, "user_changed", user.username, changed)
    return user


def _disable(actor: User, user: User) -> None:
    """Sessions end; each open task goes back to its role queue, or else to the person's supervisor."""
    end_all_sessions(user)
    tasks = db.session.scalars(
        db.select(HumanTask).where(HumanTask.assignee_id == user.id, HumanTask.status == "open")
    ).all()
    for task in tasks:
        details = {"from": user.username, "because": "disabled"}
        if task.role:
            moved = db.session.execute(
                update(HumanTask)
                .where(HumanTask.id == task.id, HumanTask.status == "open", HumanTask.assignee_id == user.id)
                .values(assignee_id=None)
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved != 1:
                raise Conflict(_l("the task changed meanwhile; reload and try again"))
            db.session.add(
                AuditEvent(
                    at=clock.now(),
                    actor_id=actor.id,
                    action="returned_to_queue",
                    instance_id=task.instance_id,
                    task_id=task.id,
                    task_name=task.name,
                    details={**details, "to": f"role:{task.role}"},
                )
            )
        elif user.supervisor is not None and user.supervisor.active:
            boss = user.supervisor
            hand_over(task, actor, boss, "handed_to_supervisor", "", {**details, "to": boss.username})
        else:
            raise Conflict(
                _l(
                    "%(name)s holds task %(id)s, which has no role queue, and has no active supervisor to take it: "
                    "reassign it first",
                    name=user.username,
                    id=task.id,
                )
            )


@transactional
def reset_password(actor: User, username: str, password: str | None = None) -> str:
    """A new password, shown once to the administrator; the person must choose their own at next log-in."""
    require_admin(actor)
    user = user_named(username)
    if user is None:
        raise NotFound(_l("no user '%(name)s'", name=username))
    secret = password or secrets.token_urlsafe(12)
    problems = password_problems(secret, user.username)
    if problems:
        raise ValidationFailed({"password": problems})
    user.password_hash = hash_password(secret)
    user.must_change_password = True
    end_all_sessions(user)
    _audit(actor, "password_reset", user.username, {})
    return secret
