"""The inbox over JSON: the list with its tabs, filters and pages, give back, bulk decisions, saved filters."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..models import HumanTask
from ..services.common.errors import ValidationFailed
from ..services.desk import bulk as bulk_service
from ..services.desk import inbox as inbox_service
from ..services.desk import saved_filters as filter_service
from ..services.desk import tasks as task_service
from .auth import api_user, token_required
from .blueprint import bp
from .bodies import Bulk, FilterToSave, TaskQuery, body, refusals
from .serializers import task_json
from .shapes import BulkResults, Deleted, InboxPage, SavedFilter, SavedFilters, Task


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return inbox_service.PAGE_SIZE
    if not raw.isdigit() or len(raw) > 4:
        too_big = _l("must be a whole number from 1 to %(max)s", max=inbox_service.MAX_PAGE_SIZE)
        raise ValidationFailed({"limit": [too_big]})
    return int(raw)


def _row_json(task: HumanTask, urgency: str) -> dict[str, Any]:
    return {**task_json(task), "customer": task.customer, "urgency": urgency or None}


@bp.get("/tasks")
@bp.output(InboxPage)
@refusals(422)
@token_required
@bp.input(TaskQuery, location="query", arg_name="query")
def tasks(query: dict[str, Any]) -> dict[str, Any]:
    """One page of the inbox; pass `next`/`prev` back as `after`/`before`."""
    raw = {k: v for k, v in query.items() if k in inbox_service.FILTER_FIELDS and v}
    if query.get("scope") and "tab" not in raw:  # the parameter's name before the inbox had tabs
        raw["tab"] = query["scope"]
    page = inbox_service.list_page(
        api_user(),
        inbox_service.parse_query(raw),
        after=query.get("after") or None,
        before=query.get("before") or None,
        limit=_limit(query.get("limit")),
    )
    return {
        "tasks": [_row_json(t, page.urgency.get(t.id, "")) for t in page.rows],
        "next": page.next_cursor,
        "prev": page.prev_cursor,
    }


@bp.post("/tasks/<id:task_id>/unclaim")
@bp.output(Task)
@refusals(403, 404, 409)
@token_required
def unclaim(task_id: int) -> dict[str, Any]:
    """Give a claimed task back to its queue."""
    return task_json(task_service.unclaim(task_id, api_user()))


@bp.post("/tasks/bulk")
@bp.output(BulkResults)
@refusals(422)
@token_required
@body(Bulk)
def bulk(sent: dict[str, Any]) -> dict[str, Any]:
    """Each task is decided in its own transaction; one failing leaves the others done."""
    results = bulk_service.decide(api_user(), sent.get("task_ids"), sent.get("decision"), sent.get("comment", ""))
    return {"results": [r.as_json() for r in results], "succeeded": sum(r.ok for r in results)}


@bp.get("/saved-filters")
@bp.output(SavedFilters)
@refusals()
@token_required
def saved_filters() -> dict[str, Any]:
    return {"filters": [filter_service.as_json(f) for f in filter_service.list_for(api_user())]}


@bp.post("/saved-filters")
@bp.output(SavedFilter, status_code=201)
@refusals(422)
@token_required
@body(FilterToSave)
def save_filter(sent: dict[str, Any]) -> dict[str, Any]:
    return filter_service.as_json(filter_service.save(api_user(), sent.get("name"), sent.get("params", {})))


@bp.delete("/saved-filters/<id:filter_id>")
@bp.output(Deleted)
@refusals(403, 404)
@token_required
def delete_filter(filter_id: int) -> dict[str, Any]:
    filter_service.delete(api_user(), filter_id)
    return {"deleted": filter_id}
