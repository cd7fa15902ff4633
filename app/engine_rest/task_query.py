"""Camunda's task query parameters (`GET|POST /engine-rest/task`) over the caller's open tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..models import HumanTask
from ..services.common.errors import ValidationFailed

_DATE_FILTERS: dict[str, tuple[str, Callable[[datetime, datetime], bool]]] = {
    "dueBefore": ("due_at", lambda value, bound: value < bound),
    "dueAfter": ("due_at", lambda value, bound: value > bound),
    "followUpBefore": ("follow_up_at", lambda value, bound: value < bound),
    "followUpAfter": ("follow_up_at", lambda value, bound: value > bound),
}
_SORTS: dict[str, Callable[[HumanTask], Any]] = {
    "priority": lambda t: t.priority,
    "created": lambda t: t.created_at,
    "dueDate": lambda t: t.due_at,
    "followUpDate": lambda t: t.follow_up_at,
    "name": lambda t: t.name,
    "id": lambda t: t.id,
}


def camunda_date(name: str, text: object) -> datetime:
    """A date as Camunda clients send it (`2026-11-23T09:00:00.000+0800`, or ISO 8601 with a colon)."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        try:
            value = datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            raise ValidationFailed({name: [f"Cannot convert value '{text}' to a date"]}) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _number(name: str, text: object) -> int:
    try:
        return int(str(text))
    except ValueError:
        raise ValidationFailed({name: [f"Cannot convert value '{text}' to a number"]}) from None


def _date_ok(task: HumanTask, filters: dict[str, Any], name: str) -> bool:
    column, compare = _DATE_FILTERS[name]
    value = getattr(task, column)
    if name == "followUpBefore" and filters.get("followUpBeforeOrNotExistent"):
        return True
    return value is not None and compare(value, camunda_date(name, filters[name]))


def matches(task: HumanTask, filters: dict[str, Any]) -> bool:
    """Whether the task passes the priority, follow-up and due-date filters Camunda's clients send."""
    for name in ("priority", "minPriority", "maxPriority"):
        if filters.get(name) not in (None, ""):
            bound = _number(name, filters[name])
            if (name == "priority" and task.priority != bound) or (
                (name == "minPriority" and task.priority < bound) or (name == "maxPriority" and task.priority > bound)
            ):
                return False
    for name in _DATE_FILTERS:
        if filters.get(name) and not _date_ok(task, filters, name):
            return False
    if filters.get("followUpBeforeOrNotExistent"):
        bound = camunda_date("followUpBeforeOrNotExistent", filters["followUpBeforeOrNotExistent"])
        if task.follow_up_at is not None and not task.follow_up_at < bound:
            return False
    group = filters.get("candidateGroup")
    return not group or (task.assignee_id is None and group in task.candidate_roles)


def ordered(tasks: list[HumanTask], filters: dict[str, Any]) -> list[HumanTask]:
    """`sortBy` / `sortOrder` (asc or desc); tasks without the value come last either way."""
    key = _SORTS.get(str(filters.get("sortBy") or ""))
    if key is None:
        return tasks
    descending = str(filters.get("sortOrder") or "asc") == "desc"
    present = [t for t in tasks if key(t) is not None]
    missing = [t for t in tasks if key(t) is None]
    return sorted(present, key=key, reverse=descending) + missing
