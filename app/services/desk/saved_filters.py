"""A person's named inbox filters: save the current one, list, apply, delete."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...extensions import db
from ...models import SavedFilter, User
from ..common.errors import Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from .inbox import InboxQuery, parse_query

MAX_PER_USER = 50


def list_for(user: User) -> list[SavedFilter]:
    return list(
        db.session.scalars(db.select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(SavedFilter.name))
    )


def _name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed({"name": [_l("a name is required")]})
    name = " ".join(raw.split())
    if "\x00" in name:
        raise ValidationFailed({"name": [_l("must not contain NUL characters")]})
    if len(name) > 60:
        raise ValidationFailed({"name": [_l("must be at most %(count)s characters", count=60)]})
    return name


@transactional
def save(user: User, name: object, params: object) -> SavedFilter:
    """Store the filter under a name; the same name again replaces that user's filter of that name."""
    clean_name = _name(name)
    if not isinstance(params, dict):
        raise ValidationFailed({"params": [_l("must be an object of filter fields")]})
    query = parse_query(params)
    existing = db.session.scalars(
        db.select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == clean_name)
    ).first()
    if existing is not None:
        existing.params = query.params()
        return existing
    count = db.session.scalar(db.select(db.func.count(SavedFilter.id)).where(SavedFilter.user_id == user.id)) or 0
    if count >= MAX_PER_USER:
        raise ValidationFailed({"name": [_l("at most %(count)s saved filters; delete one first", count=MAX_PER_USER)]})
    row = SavedFilter(user_id=user.id, name=clean_name, params=query.params(), created_at=clock.now())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same name saved twice at once: one wins, the other is told
        raise ValidationFailed({"name": [_l("a filter with this name was just saved; choose another")]}) from err
    return row


def get_for(user: User, filter_id: int) -> SavedFilter:
    row = db.session.get(SavedFilter, filter_id)
    if row is None:
        raise NotFound(_l("saved filter %(id)s does not exist", id=filter_id))
    if row.user_id != user.id:
        raise Forbidden(_l("this saved filter belongs to someone else"))
    return row


def query_of(row: SavedFilter) -> InboxQuery:
    return parse_query(dict(row.params or {}))


@transactional
def delete(user: User, filter_id: int) -> None:
    db.session.delete(get_for(user, filter_id))


def as_json(row: SavedFilter) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "params": dict(row.params or {})}
