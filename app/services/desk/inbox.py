"""The inbox list: tabs, filters, orders and keyset pages over indexed task rows only.

Every page is read with one query per index-friendly condition (me as assignee, or one of my roles
with nobody assigned), each ordered the way its index is and limited; the short lists are merged
here. An OR of the conditions, or OFFSET paging, would make the database walk every open task.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, or_, true
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from ... import clock
from ...extensions import db
from ...models import HumanTask, ProcessInstance, TaskCandidate, User
from ..common.errors import ValidationFailed
from ..common.planning import unindexed
from ..people.access import queue_roles_of, roles_of

TABS = ("mine", "queue", "all")
STATUSES = ("open", "completed")
# sort key -> (column, newest/largest first?)
SORTS: dict[str, tuple[Any, bool]] = {
    "due": (HumanTask.due_at, False),
    "created": (HumanTask.created_at, True),
    "title": (HumanTask.title, False),
    "process": (HumanTask.process_key, False),
    "priority": (HumanTask.priority, True),
}
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
COUNT_CAP = 1000
FILTER_FIELDS = ("tab", "status", "sort", "process", "customer", "due_from", "due_to", "q", "priority_min")


@dataclass(frozen=True)
class InboxQuery:
    """What one inbox page asks for, already checked."""

    tab: str = "all"
    status: str = "open"
    sort: str = "due"
    process: str | None = None
    customer: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    q: str | None = None
    priority_min: int | None = None

    def params(self) -> dict[str, str]:
        """The non-default values, as query-string parameters (also what a saved filter stores)."""
        values = {
            "tab": self.tab,
            "status": self.status,
            "sort": self.sort,
            "process": self.process,
            "customer": self.customer,
            "due_from": self.due_from.isoformat() if self.due_from else None,
            "due_to": self.due_to.isoformat() if self.due_to else None,
            "q": self.q,
            "priority_min": None if self.priority_min is None else str(self.priority_min),
        }
        defaults = InboxQuery()
        return {k: v for k, v in values.items() if v and v != getattr(defaults, k, None)}


@dataclass
class InboxPage:
    rows: list[HumanTask]
    next_cursor: str | None
    prev_cursor: str | None
    query: InboxQuery
    urgency: dict[int, str] = field(default_factory=dict)  # task id -> "overdue" | "due-today"


def _text(raw: dict[str, Any], name: str, max_length: int, errors: dict[str, list[str]]) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors[name] = [_l("must be text")]
        return None
    value = value.strip()
    if "\x00" in value:  # PostgreSQL cannot store or compare it: refused here, not failed there
        errors[name] = [_l("must not contain NUL characters")]
        return None
    if len(value) > max_length:
        errors[name] = [_l("must be at most %(count)s characters", count=max_length)]
        return None
    return value or None


def _date(raw: dict[str, Any], name: str, errors: dict[str, list[str]]) -> date | None:
    value = _text(raw, name, 10, errors)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[name] = [_l("must be a date like 2026-11-23")]
        return None
    if not 1900 <= day.year <= 9000:  # keeps the day-after arithmetic and the database in range
        errors[name] = [_l("must be a year from 1900 to 9000")]
        return None
    return day


def _priority(raw: dict[str, Any], name: str, errors: dict[str, list[str]]) -> int | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().lstrip("-").isdigit():
        errors[name] = [_l("must be a whole number")]
        return None
    number = int(str(value).strip())
    if not -(2**31) <= number < 2**31:
        errors[name] = [_l("must be a whole number")]
        return None
    return number


def _choice(
    raw: dict[str, Any], name: str, choices: tuple[str, ...], default: str, errors: dict[str, list[str]]
) -> str:
    value = raw.get(name) or default
    if value not in choices:
        errors[name] = [_l("must be one of %(values)s", values=", ".join(choices))]
        return default
    return str(value)


def parse_query(raw: dict[str, Any]) -> InboxQuery:
    """Check filter values from a query string, a JSON body or a saved filter; names each bad field."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - set(FILTER_FIELDS))
    if unknown:
        errors["filter"] = [_l("unknown fields: %(fields)s", fields=", ".join(unknown))]
    query = InboxQuery(
        tab=_choice(raw, "tab", TABS, "all", errors),
        status=_choice(raw, "status", STATUSES, "open", errors),
        sort=_choice(raw, "sort", tuple(SORTS), "due", errors),
        process=_text(raw, "process", 100, errors),
        customer=_text(raw, "customer", 200, errors),
        due_from=_date(raw, "due_from", errors),
        due_to=_date(raw, "due_to", errors),
        q=_text(raw, "q", 100, errors),
        priority_min=_priority(raw, "priority_min", errors),
    )
    if query.due_from and query.due_to and query.due_from > query.due_to:
        errors["due_to"] = [_l("must not be before due_from")]
    if errors:
        raise ValidationFailed(errors)
    return query


# --- page cursors: the sort key of the first or last row shown, opaque to the client -------------


def _key_of(row: HumanTask, sort: str) -> list[Any]:
    value = getattr(row, SORTS[sort][0].key)
    if isinstance(value, datetime):
        value = value.isoformat()
    return [sort, value, row.id]


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str, name: str) -> tuple[Any, int]:
    """The (value, id) a cursor points at; a cursor from another order or a damaged one is refused."""
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        got_sort, value, row_id = key
        if got_sort != sort or not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError
        numeric = SORTS[sort][0].key == "priority"
        if value is not None and numeric and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError
        if value is not None and not numeric and (not isinstance(value, str) or "\x00" in value or len(value) > 300):
            raise ValueError
        if not 0 < row_id < 2**63:
            raise ValueError
        if value is not None and SORTS[sort][0].key in ("due_at", "created_at"):
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
        return value, row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed({name: [_l("is not a valid page cursor for this order")]}) from None


# --- the queries -------------------------------------------------------------------------------


def _scope_conditions(user: User, query: InboxQuery) -> list[ColumnElement[bool]]:
    """One condition per index range: the database can read each in order and stop at the page size."""
    if query.status == "completed":
        return [(HumanTask.completed_by_id == user.id) & (HumanTask.status == "completed")]
    open_ = HumanTask.status == "open"
    mine = [(HumanTask.assignee_id == user.id) & open_]
    own = roles_of(user)
    queues = queue_roles_of(user)
    queue = [
        (HumanTask.role == r) & open_ & HumanTask.assignee_id.is_(None) & _not_filed_by(user, r in own)
        for r in sorted(queues)
    ] + _candidate_conditions(user, queues, own, open_)
    return {"mine": mine, "queue": queue, "all": mine + queue}[query.tab]


def _candidate_conditions(
    user: User, queues: set[str], own: set[str], open_: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    """Unclaimed tasks reaching the user only through a further candidate role or as a candidate person.

    Tasks whose first role is one of the user's queues are left to the conditions above, so no task
    is listed twice; a task reached only through a role the user works as a delegate leaves out the
    applications the user filed.
    """
    # The few tasks a candidate list names are read by id and then sorted: left to itself, SQLite walked
    # every open task in due order looking for them (7.5 ms a page at 100,000 open tasks, against 0.01 ms).
    elsewhere = (
        unindexed(HumanTask.assignee_id).is_(None)
        & (unindexed(HumanTask.status) == "open")
        & or_(HumanTask.role.is_(None), HumanTask.role.not_in(queues))
    )
    candidate = db.select(TaskCandidate.task_id)
    direct = candidate.where(or_(TaskCandidate.user_id == user.id, TaskCandidate.role.in_(queues & own)))
    conditions = [elsewhere & HumanTask.id.in_(direct)]
    delegated = queues - own
    if delegated:
        through = candidate.where(TaskCandidate.role.in_(delegated))
        conditions.append(
            elsewhere & HumanTask.id.in_(through) & HumanTask.id.not_in(direct) & _not_filed_by(user, False)
        )
    return conditions


def _not_filed_by(user: User, own_role: bool) -> ColumnElement[bool]:
    """A queue the user works only as someone's delegate leaves out the applications they filed."""
    if own_role:
        return true()
    filed = db.select(ProcessInstance.id).where(ProcessInstance.started_by_id == user.id)
    return HumanTask.instance_id.not_in(filed)


def _company_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.company_tz())


def _filters(query: InboxQuery) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.process:
        found.append(HumanTask.process_key == query.process)
    if query.customer:
        found.append(db.func.lower(HumanTask.customer, type_=String).contains(query.customer.lower(), autoescape=True))
    if query.q:
        found.append(HumanTask.search_text.contains(query.q.lower(), autoescape=True))
    if query.due_from:
        found.append(HumanTask.due_at >= _company_midnight(query.due_from))
    if query.priority_min is not None:
        found.append(HumanTask.priority >= query.priority_min)
    if query.due_to:
        found.append(HumanTask.due_at < _company_midnight(query.due_to + timedelta(days=1)))
    return found


Key = tuple[Any, int]  # (value in the sort column, task id)


def _segment(
    where: list[ColumnElement[bool]], sort: str, nulls: bool, bound: Key | None, backward: bool, n: int
) -> list[Key]:
    """Sort keys of one condition's rows in one segment (with or without a value in the sort column)."""
    column, descending = SORTS[sort]
    reverse = descending != backward  # walk the index downwards
    stmt = db.select(column, HumanTask.id).where(*where)
    if nulls:
        stmt = stmt.where(column.is_(None))
        order = [HumanTask.id.desc() if reverse else HumanTask.id]
        if bound is not None:
            stmt = stmt.where(HumanTask.id < bound[1] if reverse else HumanTask.id > bound[1])
    else:
        stmt = stmt.where(column.is_not(None))
        order = [column.desc(), HumanTask.id.desc()] if reverse else [column, HumanTask.id]
        if bound is not None:
            # Spelled out rather than as a row-value comparison: both databases then read the index
            # as a range from the bound, in either direction.
            value, row_id = bound
            if reverse:
                stmt = stmt.where(column <= value, or_(column < value, HumanTask.id < row_id))
            else:
                stmt = stmt.where(column >= value, or_(column > value, HumanTask.id > row_id))
    return [(value, row_id) for value, row_id in db.session.execute(stmt.order_by(*order).limit(n))]


def _ordered(keys: list[Key], sort: str) -> list[Key]:
    """The page order: rows with a value first, in the column's direction, then rows without one."""
    descending = SORTS[sort][1]
    valued = sorted((k for k in keys if k[0] is not None), reverse=descending)
    empty = sorted((k for k in keys if k[0] is None), key=lambda k: k[1], reverse=descending)
    return valued + empty


def _fetch(
    conditions: list[ColumnElement[bool]],
    extra: list[ColumnElement[bool]],
    query: InboxQuery,
    bound: Key | None,
    backward: bool,
    n: int,
) -> list[int]:
    """The ids of up to `n` rows next to the bound, in page order.

    Rows without a value sort last. Segments are read nearest-first; once one yields `n` rows the
    next (which all sort beyond it) cannot reach the page and is not read.
    """
    bound_in_nulls = bound is not None and bound[0] is None
    if backward:
        groups = [(True, bound), (False, None)] if bound_in_nulls else [(False, bound)]
    else:
        groups = [(True, bound)] if bound_in_nulls else [(False, bound), (True, None)]
    keys: list[Key] = []
    for nulls, group_bound in groups:
        found: list[Key] = []
        for condition in conditions:
            found += _segment([condition, *extra], query.sort, nulls, group_bound, backward, n)
        keys += found
        if len(found) >= n:
            break
    ordered = _ordered(keys, query.sort)
    return [k[1] for k in (ordered[-n:] if backward else ordered[:n])]


def urgency_of(row: HumanTask, now: datetime) -> str:
    """ "overdue" past the deadline, "due-today" when it falls due later today (company time), else ""."""
    if row.due_at is None or row.status != "open":
        return ""
    if row.due_at < now:
        return "overdue"
    tz = clock.company_tz()
    return "due-today" if row.due_at.astimezone(tz).date() == now.astimezone(tz).date() else ""


def list_page(
    user: User, query: InboxQuery, after: str | None = None, before: str | None = None, limit: int = PAGE_SIZE
) -> InboxPage:
    """One page of the inbox. `after`/`before` are cursors from a previous page's next/prev."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed({"limit": [_l("must be a whole number from 1 to %(max)s", max=MAX_PAGE_SIZE)]})
    if after and before:
        raise ValidationFailed({"before": [_l("give either after or before, not both")]})
    backward = bool(before)
    bound = (
        decode_cursor(before or after or "", query.sort, "before" if before else "after") if (after or before) else None
    )
    conditions = _scope_conditions(user, query)
    ids = _fetch(conditions, _filters(query), query, bound, backward, limit + 1) if conditions else []
    # Only the rows the page shows are loaded whole.
    shown = db.select(HumanTask).options(selectinload(HumanTask.candidates)).where(HumanTask.id.in_(ids))
    loaded = {r.id: r for r in db.session.scalars(shown)} if ids else {}
    rows = [loaded[i] for i in ids]
    more = len(rows) > limit
    if backward:
        rows = rows[1:] if more else rows
    else:
        rows = rows[:limit]
    has_next = more if not backward else True
    has_prev = more if backward else bool(after)
    now = clock.now()
    return InboxPage(
        rows=rows,
        next_cursor=encode_cursor(_key_of(rows[-1], query.sort)) if rows and has_next else None,
        prev_cursor=encode_cursor(_key_of(rows[0], query.sort)) if rows and has_prev else None,
        query=query,
        urgency={r.id: urgency_of(r, now) for r in rows},
    )


def open_count(user: User, cap: int = COUNT_CAP) -> int:
    """Open tasks waiting for a user, counted through the indexes and never past `cap`."""
    total = 0
    for condition in _scope_conditions(user, InboxQuery()):
        capped = db.select(HumanTask.id).where(condition).limit(cap - total).subquery()
        total += int(db.session.scalar(db.select(db.func.count()).select_from(capped)) or 0)
        if total >= cap:
            return cap
    return total


def open_count_label(user: User, cap: int = COUNT_CAP) -> str:
    count = open_count(user, cap)
    return f"{cap - 1}+" if count >= cap else str(count)


def processes_in_inbox(user: User) -> list[str]:
    """The process keys the user's tabs could show, for the filter's drop-down (distinct, through the indexes)."""
    keys: set[str] = set()
    for condition in _scope_conditions(user, InboxQuery()):
        keys.update(db.session.scalars(db.select(HumanTask.process_key).where(condition).distinct().limit(50)))
    return sorted(keys)
