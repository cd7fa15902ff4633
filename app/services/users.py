"""Accounts: passwords, API tokens, roles and the demo company."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..extensions import db
from ..models import ApiToken, Role, User
from .directory import DEMO_DEPARTMENTS, DEMO_SUPERVISORS, ROLES
from .errors import ValidationFailed
from .transactions import transactional

MIN_PASSWORD_LENGTH = 8
# Spent on a missing user too, so response time does not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalars(db.select(User).where(User.username == username)).first()
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


def user_for_token(token: str) -> User | None:
    row = db.session.scalars(db.select(ApiToken).where(ApiToken.token_hash == _hash_token(token))).first()
    if row is None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row.user


def ensure_roles() -> dict[str, Role]:
    existing = {r.key: r for r in db.session.scalars(db.select(Role))}
    for key, (zh, en) in ROLES.items():
        if key not in existing:
            existing[key] = Role(key=key, name_zh=zh, name_en=en)
            db.session.add(existing[key])
    db.session.flush()
    return existing


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed({"password": [f"must be at least {MIN_PASSWORD_LENGTH} characters"]})


@transactional
def seed_demo(password: str) -> list[User]:
    """One user per role (user name = role key), plus a second salesperson, with the demo org chart."""
    _check_password(password)
    roles = ensure_roles()
    users: dict[str, User] = {u.username: u for u in db.session.scalars(db.select(User))}
    now = clock.now()
    for username in DEMO_SUPERVISORS:
        role_key = "salesperson" if username == "salesperson2" else username
        user = users.get(username)
        if user is None:
            zh, en = ROLES[role_key]
            suffix = " 2" if username == "salesperson2" else ""
            user = User(
                username=username,
                display_name=f"{zh}{suffix} ({en}{suffix})",
                email=f"{username}@example.com",
                password_hash="",
                created_at=now,
            )
            db.session.add(user)
            users[username] = user
        user.password_hash = hash_password(password)
        user.active = True
        user.department = DEMO_DEPARTMENTS[username]
        if roles[role_key] not in user.roles:
            user.roles.append(roles[role_key])
    db.session.flush()
    for username, boss in DEMO_SUPERVISORS.items():
        users[username].supervisor_id = users[boss].id if boss else None
    return [users[name] for name in DEMO_SUPERVISORS]
