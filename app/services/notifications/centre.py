"""The message centre (the bell): one line per thing a person should know, in their own language when read.

Lines are written in the caller's transaction, beside the mail and the robot messages about the same thing,
so a step and what it tells people commit or fail together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, update

from ... import clock
from ...extensions import db
from ...i18n import current_locale
from ...models import Notification, User
from ..common.transactions import transactional
from . import robots

KINDS = ("assignment", "returned", "urge", "copy", "escalation", "decision")
DECISIONS = ("approve", "reject", "return")
PAGE = 50


def record(
    user_ids: Iterable[int],
    kind: str,
    subject: str,
    now: datetime,
    *,
    actor: User | None = None,
    instance_id: int | None = None,
    task_id: int | None = None,
    decision: str | None = None,
    subject_en: str | None = None,
) -> None:
    """Add one line for each person, and tell their chat robots; part of the caller's transaction.

    `subject_en` is the subject for a reader of English, when it differs (an application's title names
    its process in the diagram's language)."""
    user_ids = list(user_ids)
    many_lines(
        [
            {
                "user_id": user_id,
                "kind": kind,
                "subject": subject[:300],
                "subject_en": subject_en[:300] if subject_en and subject_en != subject else None,
                "decision": decision,
                "actor_id": actor.id if actor else None,
                "instance_id": instance_id,
                "task_id": task_id,
                "created_at": now,
            }
            for user_id in dict.fromkeys(user_ids)
        ]
    )
    people = list(dict.fromkeys(user_ids))
    actor_name = actor.display_name if actor else None
    robots.tell_people(
        [robots.Message(people, kind, subject, instance_id, task_id, actor_name, decision, subject_en=subject_en)], now
    )


# Built once and run on the transaction's connection: through the ORM's bulk path the two lines of a
# completion cost more than its task row (bench/RESULTS.md).
_INSERT_LINES = insert(Notification.__table__)


def many_lines(values: list[dict[str, object]]) -> None:
    if values:
        # The rows a line points to may still be held by the ORM: they go first, as the ORM path did it.
        db.session.flush()
        db.session.connection().execute(_INSERT_LINES, values)


def actor_names(lines: list[Notification]) -> dict[int, str]:
    """The display names of whoever the lines mention, in one read."""
    ids = {n.actor_id for n in lines if n.actor_id}
    if not ids:
        return {}
    # Whole rows: a person's name is read in the reader's language, which a bare column cannot give.
    return {user.id: user.display_name for user in db.session.scalars(db.select(User).where(User.id.in_(ids)))}


def unread_count(user: User) -> int:
    return int(
        db.session.scalar(
            db.select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_for(user: User, unread_only: bool = False, limit: int = PAGE) -> list[Notification]:
    query = db.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


@transactional
def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the given lines (or all of them) read; only the reader's own lines, each once."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    return int(db.session.execute(statement).rowcount or 0)


@transactional
def open_line(user: User, notification_id: int) -> Notification | None:
    """The reader follows a line: it is read from then on."""
    line = db.session.get(Notification, notification_id)
    if line is None or line.user_id != user.id:
        return None
    if line.read_at is None:
        line.read_at = clock.now()
    return line


_DECISION_WORDS = {"approve": _l("approved"), "reject": _l("rejected"), "return": _l("returned")}


def describe(line: Notification, actor_name: str | None) -> str:
    """What the line says, in the reader's language; the subject is the data people typed."""
    who = actor_name or ""
    subject = line.subject_en if line.subject_en and current_locale() == "en" else line.subject
    if line.kind == "assignment":
        return str(_l("New task for you: %(subject)s", subject=subject))
    if line.kind == "returned":
        return str(_l("Returned to you: %(subject)s", subject=subject))
    if line.kind == "urge":
        return str(_l("%(name)s asks you to act on %(subject)s", name=who, subject=subject))
    if line.kind == "copy":
        return str(_l("%(name)s copied you on %(subject)s", name=who, subject=subject))
    if line.kind == "escalation":
        return str(_l("Overdue work to chase: %(subject)s", subject=subject))
    word = _DECISION_WORDS.get(line.decision or "", _l("handled"))
    return str(_l("%(name)s %(decision)s your application %(subject)s", name=who, decision=word, subject=subject))
