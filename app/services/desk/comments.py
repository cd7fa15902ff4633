"""Remarks on an instance, and the one timeline that merges them with files and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ... import clock
from ...extensions import db
from ...models import AuditEvent, InstanceAttachment, InstanceComment, ProcessInstance, User
from ..common.errors import Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..people.access import is_copied_on, may_take_part, may_view_instance, sees_every_step

MAX_COMMENT = 4000


def visible_instance(user: User, instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_l("instance %(id)s does not exist", id=instance_id))
    if not may_view_instance(user, instance):
        raise Forbidden(_l("you are not involved in this process instance"))
    return instance


def open_to_contributions(user: User, instance_id: int) -> ProcessInstance:
    """The instance, if this person may add to it; a copied colleague may read it and nothing more."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_l("instance %(id)s does not exist", id=instance_id))
    if not may_take_part(user, instance):
        if is_copied_on(user, instance):
            raise Forbidden(_l("you were copied on this instance: you may read it, but not add to it"))
        raise Forbidden(_l("you are not involved in this process instance"))
    return instance


@transactional
def add(instance_id: int, author: User, body: object) -> InstanceComment:
    instance = open_to_contributions(author, instance_id)
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed({"body": [_l("a comment needs some text")]})
    if len(body) > MAX_COMMENT:
        raise ValidationFailed({"body": [_l("at most %(count)s characters", count=MAX_COMMENT)]})
    comment = InstanceComment(instance_id=instance.id, author_id=author.id, body=body.strip(), created_at=clock.now())
    db.session.add(comment)
    db.session.flush()
    return comment


def list_for(user: User, instance_id: int) -> list[InstanceComment]:
    instance = visible_instance(user, instance_id)
    return list(
        db.session.scalars(
            db.select(InstanceComment)
            .where(InstanceComment.instance_id == instance.id)
            .order_by(InstanceComment.created_at, InstanceComment.id)
        )
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # event | comment | attachment
    item: AuditEvent | InstanceComment | InstanceAttachment


def timeline(instance: ProcessInstance, reader: User | None = None) -> list[TimelineEntry]:
    """History, remarks and files in the order they happened; the caller has checked who may see it.

    A reader who may not see every step (PRIVATE_STEPS) sees only what they did themselves."""
    # The tasks come along in one query: each event names its task in the reader's language. Who
    # acted, wrote or attached comes with each row, not one by one; their roles are not shown here.
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.instance_id == instance.id)
        .options(selectinload(AuditEvent.task), joinedload(AuditEvent.actor).lazyload(User.roles))
    )
    notes = db.session.scalars(
        db.select(InstanceComment)
        .where(InstanceComment.instance_id == instance.id)
        .options(joinedload(InstanceComment.author).lazyload(User.roles))
    )
    files = db.session.scalars(
        db.select(InstanceAttachment)
        .where(InstanceAttachment.instance_id == instance.id)
        .options(joinedload(InstanceAttachment.uploaded_by).lazyload(User.roles))
    )
    entries = [TimelineEntry(e.at, "event", e) for e in events]
    entries += [TimelineEntry(c.created_at, "comment", c) for c in notes]
    entries += [TimelineEntry(f.created_at, "attachment", f) for f in files]
    order = {"event": 0, "comment": 1, "attachment": 2}
    if reader is not None and not sees_every_step(reader, instance):
        entries = [e for e in entries if _by(e) == reader.id]
    return sorted(entries, key=lambda e: (e.at, order[e.kind], e.item.id))


def _by(entry: TimelineEntry) -> int | None:
    item = entry.item
    if entry.kind == "event":
        return item.actor_id
    if entry.kind == "comment":
        return item.author_id
    return item.uploaded_by_id
