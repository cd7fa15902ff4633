"""Accounts: passwords, API tokens, roles and the demo company."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete
from sqlalchemy.orm import lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from ... import clock
from ...extensions import db
from ...i18n import LOCALES
from ...models import ApiToken, Department, Role, User
from ..common.errors import Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from .directory import DEMO_DEPARTMENTS, DEMO_HEADS, DEMO_SUPERVISORS, DEMO_TITLES, DEPARTMENTS, ROLES

MIN_PASSWORD_LENGTH = 8
# Spent on a missing user too, so response time does not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def user_named(username: str) -> User | None:
    """The account with this user name, if any. No name holds a NUL, and PostgreSQL cannot compare one."""
    if "\x00" in username:
        return None
    return db.session.scalars(db.select(User).where(User.username == username)).first()


def display_name_of(username: str) -> str:
    """A person named in a record by login name, as the reader knows them (the login name if unknown)."""
    user = user_named(username)
    return user.display_name if user is not None else username


def authenticate(username: str, password: str) -> User | None:
    user = user_named(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional
def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token), created_at=now, expires_at=now + ttl))
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """A person's API tokens still in force, newest first (what the account page lists)."""
    return list(
        db.session.scalars(
            db.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.expires_at > clock.now())
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


@transactional
def revoke_token(user: User, token_id: int) -> None:
    """One of the person's own tokens stops working at once; someone else's is as good as missing."""
    gone = db.session.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)).rowcount
    if gone != 1:
        raise NotFound(_l("you have no API token %(id)s", id=token_id))


@transactional
def revoke_token_in_use(token: str) -> None:
    """The bearer token of this very request stops working (log-out for an API client)."""
    db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _hash_token(token)))


@functools.cache
def _user_by_id() -> Select:
    # Roles are read when a request needs them: a use case's transaction starts by expiring what was loaded here.
    return db.select(User).options(lazyload(User.roles)).where(User.id == bindparam("user_id"))


def signed_in_user(user_id: int) -> User | None:
    """The person a browser session names, as every request loads them: the row alone.

    The statement is built once; building it (and its loader option) on each request cost more than
    running it."""
    return db.session.scalars(_user_by_id(), {"user_id": user_id}).one_or_none()


@functools.cache
def _token_owner() -> Select:
    """Built once, like the browser's: every API request asks it."""
    # The person as a row and the token's expiry beside it: the token itself is not needed as an object.
    return (
        db.select(User, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .options(lazyload(User.roles))
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


def user_for_token(token: str) -> User | None:
    found = db.session.execute(_token_owner(), {"token_hash": _hash_token(token)}).first()
    if found is None:
        return None
    user, expires_at = found
    if expires_at <= clock.now() or not user.active:
        return None
    return user


def ensure_roles() -> dict[str, Role]:
    existing = {r.key: r for r in db.session.scalars(db.select(Role))}
    for key, (zh, en) in ROLES.items():
        if key not in existing:
            existing[key] = Role(key=key, name_zh=zh, name_en=en)
            db.session.add(existing[key])
    db.session.flush()
    return existing


_COMMON_PASSWORDS = frozenset(
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a password is refused (OWASP ASVS level 1): length and a list of common ones, no composition rules."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_l("must be at least %(count)s characters", count=MIN_PASSWORD_LENGTH))
    if len(password) > 128:
        problems.append(_l("must be at most 128 characters"))
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or _is_pattern(lowered) or (username and lowered == username.lower()):
        problems.append(_l("is too common or too easy to guess"))
    return problems


def _is_pattern(password: str) -> bool:
    """One character over and over (aaaaaaaa), or a run up or down (12345678, abcdefgh, 87654321)."""
    if len(set(password)) <= 1:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return steps in ({1}, {-1})


def _check_password(password: str, username: str = "") -> None:
    problems = password_problems(password, username)
    if problems:
        raise ValidationFailed({"password": problems})


def end_all_sessions(user: User) -> None:
    """Every browser session and API token of this person stops working (part of the caller's transaction)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


@transactional
def log_out_everywhere(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is not None:
        end_all_sessions(user)


@transactional
def change_password(user_id: int, current: str, new: str) -> None:
    user = db.session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, current):
        raise ValidationFailed({"current_password": [_l("is not your current password")]})
    _check_password(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_all_sessions(user)


@transactional
def set_locale(user_id: int, locale: str) -> None:
    """The interface language a person reads the app in."""
    if locale not in LOCALES:
        raise ValidationFailed({"locale": [_l("must be one of %(values)s", values=", ".join(LOCALES))]})
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("no user '%(name)s'", name=user_id))
    user.locale = locale


@transactional
def set_active(actor: User, username: str, active: bool) -> User:
    if not actor.has_role("admin"):
        raise Forbidden(_l("only an administrator may enable or disable users"))
    user = user_named(username)
    if user is None:
        raise NotFound(_l("no user '%(name)s'", name=username))
    user.active = active
    if not active:
        end_all_sessions(user)
    return user


@transactional
def create_user(
    username: str, roles: list[str], password: str | None = None, email: str | None = None
) -> tuple[User, str]:
    """A new account; without a password one is generated and returned once, never stored in clear."""
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        raise ValidationFailed({"username": [_l("letters, digits, '.' and '_' only, at most 64")]})
    if db.session.scalars(db.select(User.id).where(User.username == username)).first():
        raise ValidationFailed({"username": [_l("'%(name)s' exists already", name=username)]})
    known = ensure_roles()
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValidationFailed({"role": [_l("unknown role(s): %(roles)s", roles=", ".join(unknown))]})
    secret = password or secrets.token_urlsafe(12)
    _check_password(secret, username)
    user = User(
        username=username,
        display_name=username,
        email=email,
        password_hash=hash_password(secret),
        created_at=clock.now(),
        roles=[known[r] for r in roles],
    )
    db.session.add(user)
    return user, secret


# Demo users who hold another demo user's role: a second salesperson, a second process owner.
_SECOND_OF = {"salesperson2": "salesperson", "process_owner2": "process_owner"}


@transactional
def seed_demo(password: str) -> list[User]:
    """One user per role (user name = role key), plus a second salesperson and a second process owner,
    with the demo org chart."""
    _check_password(password)
    roles = ensure_roles()
    users: dict[str, User] = {u.username: u for u in db.session.scalars(db.select(User))}
    now = clock.now()
    for username in DEMO_SUPERVISORS:
        role_key = _SECOND_OF.get(username, username)
        user = users.get(username)
        if user is None:
            zh, en = ROLES.get(role_key) or DEMO_TITLES[username]
            suffix = " 2" if username in _SECOND_OF else ""
            user = User(
                username=username,
                name_zh=f"{zh}{suffix}",
                name_en=f"{en}{suffix}",
                email=f"{username}@example.com",
                password_hash="",
                created_at=now,
            )
            db.session.add(user)
            users[username] = user
        user.password_hash = hash_password(password)
        user.active = True
        user.department = DEMO_DEPARTMENTS[username]
        if role_key in roles and roles[role_key] not in user.roles:
            user.roles.append(roles[role_key])
    db.session.flush()
    for username, boss in DEMO_SUPERVISORS.items():
        users[username].supervisor_id = users[boss].id if boss else None
    _seed_departments({name: user.id for name, user in users.items()})
    return [users[name] for name in DEMO_SUPERVISORS]


def _seed_departments(user_ids: dict[str, int]) -> None:
    """The demo departments under the general manager's office, each headed by its demo user."""
    existing = {d.key: d for d in db.session.scalars(db.select(Department))}
    for key, (zh, en) in DEPARTMENTS.items():
        if key not in existing:
            existing[key] = Department(key=key, name_zh=zh, name_en=en)
            db.session.add(existing[key])
    db.session.flush()
    for key, department in existing.items():
        if key in DEMO_HEADS:
            department.head_id = user_ids.get(DEMO_HEADS[key])
        if key != "management" and department.parent_id is None and key in DEPARTMENTS:
            department.parent_id = existing["management"].id
