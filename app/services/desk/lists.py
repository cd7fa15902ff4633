"""The lists beside the inbox (已办 / 我发起的 / 抄送我的): what I handled, what I filed and where each one
stands, what I was copied on (unread marked); with the same filters on the page, the API and the export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from ... import clock
from ...extensions import db
from ...models import HumanTask, InstanceWatcher, ProcessInstance, User
from ..common.errors import ValidationFailed
from ..common.transactions import transactional

SCOPES = ("started", "done", "copied")
STATUSES = ("running", "completed", "withdrawn", "cancelled", "error")
LIMIT = 200


@dataclass(frozen=True)
class ListQuery:
    scope: str = "started"
    status: str | None = None
    process: str | None = None
    q: str | None = None

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("status", self.status), ("process", self.process), ("q", self.q)) if v}


@dataclass
class ListRow:
    instance: ProcessInstance
    at: datetime  # when it entered this list: filed, handled or copied
    handled: HumanTask | None = None  # 已办: the step I handled
    unread: bool = False  # 抄送我的: not opened since I was copied
    current: list[HumanTask] = field(default_factory=list)  # where it stands: the open steps


def parse_query(raw: dict[str, str]) -> ListQuery:
    """The list's scope and filters from a query string; a bad value is refused with its field named."""
    scope = raw.get("scope") or "started"
    if scope not in SCOPES:
        raise ValidationFailed({"scope": [_l("must be one of: started, done, copied")]})
    status = raw.get("status") or None
    if status is not None and status not in STATUSES:
        raise ValidationFailed({"status": [_l("must be one of: running, completed, withdrawn, cancelled, error")]})
    process = (raw.get("process") or "").strip()[:100] or None
    q = (raw.get("q") or "").strip()[:100] or None
    if (process and "\x00" in process) or (q and "\x00" in q):
        raise ValidationFailed(
            {"q" if q and "\x00" in q else "process": [_l("contains a character that is not allowed")]}
        )
    return ListQuery(scope, status, process, q)


def _filtered(statement, query: ListQuery):  # type: ignore[no-untyped-def] - a select of any shape
    if query.status:
        statement = statement.where(ProcessInstance.status == query.status)
    if query.process:
        statement = statement.where(ProcessInstance.process_key == query.process)
    if query.q:
        like = f"%{query.q.lower()}%"
        statement = statement.where(
            or_(db.func.lower(ProcessInstance.title).like(like), db.func.lower(ProcessInstance.business_key).like(like))
        )
    return statement


def rows_for(user: User, query: ListQuery, limit: int = LIMIT) -> list[ListRow]:
    """One scope's rows, newest first, each with the steps still open on it."""
    if query.scope == "started":
        statement = _filtered(
            db.select(ProcessInstance).where(ProcessInstance.started_by_id == user.id), query
        ).order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
        found = [ListRow(i, i.started_at) for i in db.session.scalars(statement.limit(limit))]
    elif query.scope == "done":
        statement = _filtered(
            db.select(HumanTask, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.completed_by_id == user.id, HumanTask.status == "completed"),
            query,
        ).order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
        found = [
            ListRow(i, t.completed_at or t.created_at, handled=t) for t, i in db.session.execute(statement.limit(limit))
        ]
    else:
        statement = _filtered(
            db.select(InstanceWatcher, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == InstanceWatcher.instance_id)
            .where(InstanceWatcher.user_id == user.id),
            query,
        ).order_by(InstanceWatcher.added_at.desc(), InstanceWatcher.id.desc())
        found = [
            ListRow(i, w.added_at, unread=w.read_at is None) for w, i in db.session.execute(statement.limit(limit))
        ]
    _attach_open_steps(found)
    return found


def _attach_open_steps(found: list[ListRow]) -> None:
    ids = {r.instance.id for r in found if r.instance.status == "running"}
    if not ids:
        return
    by_instance: dict[int, list[HumanTask]] = {}
    for task in db.session.scalars(
        db.select(HumanTask)
        .where(HumanTask.instance_id.in_(sorted(ids)), HumanTask.status == "open")
        .order_by(HumanTask.created_at, HumanTask.id)
    ):
        by_instance.setdefault(task.instance_id, []).append(task)
    for row in found:
        row.current = by_instance.get(row.instance.id, [])


def unread_copies(user: User) -> int:
    return int(
        db.session.scalar(
            db.select(db.func.count())
            .select_from(InstanceWatcher)
            .where(InstanceWatcher.user_id == user.id, InstanceWatcher.read_at.is_(None))
        )
        or 0
    )


@transactional
def mark_copy_read(user: User, instance_id: int) -> None:
    """The copied colleague opened the instance: it is no longer unread in their list."""
    # Most readers are not copied on what they open: one cheap read spares them a write.
    unread = db.session.scalar(
        db.select(InstanceWatcher.id).where(
            InstanceWatcher.instance_id == instance_id,
            InstanceWatcher.user_id == user.id,
            InstanceWatcher.read_at.is_(None),
        )
    )
    if unread is None:
        return
    db.session.execute(
        update(InstanceWatcher)
        .where(
            InstanceWatcher.instance_id == instance_id,
            InstanceWatcher.user_id == user.id,
            InstanceWatcher.read_at.is_(None),
        )
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
