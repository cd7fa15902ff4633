"""Naming someone to hold a role for a while (the customer-service director's stand-in)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, RoleStandIn, User
from ..common.errors import Forbidden, ValidationFailed
from ..common.transactions import transactional
from .accounts import user_named


def require_may_name(actor: User, role: str) -> None:
    if not (actor.has_role(role) or actor.has_role("admin")):
        raise Forbidden(_l("only a holder of the role, or an administrator, may name a stand-in for it"))


@transactional
def name_stand_in(actor: User, role: str, username: str, starts_at: datetime, ends_at: datetime) -> RoleStandIn:
    require_may_name(actor, role)
    errors: dict[str, list[str]] = {}
    user = user_named(username)
    if user is None or not user.active:
        errors["user"] = [_l("no active user '%(name)s'", name=username)]
    if ends_at <= starts_at:
        errors["ends_at"] = [_l("must be after the start")]
    if ends_at <= clock.now():
        errors.setdefault("ends_at", []).append(_l("must be in the future"))
    if errors:
        raise ValidationFailed(errors)
    row = RoleStandIn(role_key=role, user_id=user.id, starts_at=starts_at, ends_at=ends_at, named_by_id=actor.id)
    db.session.add(row)
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=actor.id,
            action="stand_in",
            subject=f"role:{role}",
            details={"user": user.username, "from": starts_at.isoformat(), "until": ends_at.isoformat()},
        )
    )
    return row


def current(role: str) -> list[RoleStandIn]:
    now = clock.now()
    return list(
        db.session.scalars(
            db.select(RoleStandIn)
            .where(RoleStandIn.role_key == role, RoleStandIn.ends_at > now)
            .order_by(RoleStandIn.starts_at)
        )
    )
