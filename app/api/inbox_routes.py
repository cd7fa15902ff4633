"""The inbox over JSON: the list with its tabs, filters and pages, give back, bulk decisions, saved filters."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from ..models import HumanTask
from ..services.common.errors import ValidationFailed
from ..services.desk import bulk as bulk_service
from ..services.desk import inbox as inbox_service
from ..services.desk import saved_filters as filter_service
from ..services.desk import tasks as task_service
from .auth import api_user, token_required
from .blueprint import bp
from .serializers import task_json

Reply = tuple[Any, int]


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return inbox_service.PAGE_SIZE
    if not raw.isdigit() or len(raw) > 4:
        too_big = _l("must be a whole number from 1 to %(max)s", max=inbox_service.MAX_PAGE_SIZE)
        raise ValidationFailed({"limit": [too_big]})
    return int(raw)


def _row_json(task: HumanTask, urgency: str) -> dict[str, Any]:
    return {**task_json(task), "customer": task.customer, "urgency": urgency or None}


@bp.get("/tasks")
@token_required
def tasks() -> Reply:
    raw = {k: v for k, v in request.args.items() if k in inbox_service.FILTER_FIELDS and v != ""}
    if request.args.get("scope") and "tab" not in raw:  # the parameter's name before the inbox had tabs
        raw["tab"] = request.args["scope"]
    page = inbox_service.list_page(
        api_user(),
        inbox_service.parse_query(raw),
        after=request.args.get("after") or None,
        before=request.args.get("before") or None,
        limit=_limit(),
    )
    return jsonify(
        tasks=[_row_json(t, page.urgency.get(t.id, "")) for t in page.rows],
        next=page.next_cursor,
        prev=page.prev_cursor,
    ), 200


@bp.post("/tasks/<id:task_id>/unclaim")
@token_required
def unclaim(task_id: int) -> Reply:
    return jsonify(task_json(task_service.unclaim(task_id, api_user()))), 200


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("must be a JSON object")]})
    return body


@bp.post("/tasks/bulk")
@token_required
def bulk() -> Reply:
    body = _body()
    results = bulk_service.decide(api_user(), body.get("task_ids"), body.get("decision"), body.get("comment", ""))
    return jsonify(results=[r.as_json() for r in results], succeeded=sum(r.ok for r in results)), 200


@bp.get("/saved-filters")
@token_required
def saved_filters() -> Reply:
    return jsonify(filters=[filter_service.as_json(f) for f in filter_service.list_for(api_user())]), 200


@bp.post("/saved-filters")
@token_required
def save_filter() -> Reply:
    body = _body()
    row = filter_service.save(api_user(), body.get("name"), body.get("params", {}))
    return jsonify(filter_service.as_json(row)), 201


@bp.delete("/saved-filters/<id:filter_id>")
@token_required
def delete_filter(filter_id: int) -> Reply:
    filter_service.delete(api_user(), filter_id)
    return jsonify(deleted=filter_id), 200
