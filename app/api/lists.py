"""The lists beside the inbox, the message centre and the people picker over JSON."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from ..clock import to_company_iso
from ..models import HumanTask
from ..services.common.errors import ValidationFailed
from ..services.desk import lists as list_service
from ..services.notifications import centre
from ..services.people import search as people_search
from .auth import api_user, token_required
from .blueprint import bp

Reply = tuple[Any, int]


def _step_json(task: HumanTask) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "name": task.display_name,
        "assignee": task.assignee.username if task.assignee else None,
        "role": task.role,
        "due_at": to_company_iso(task.due_at),
    }


def _row_json(row: list_service.ListRow) -> dict[str, Any]:
    instance = row.instance
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "business_key": instance.business_key,
        "title": instance.title,
        "status": instance.status,
        "started_at": to_company_iso(instance.started_at),
        "ended_at": to_company_iso(instance.ended_at),
        "at": to_company_iso(row.at),
        "current": [_step_json(t) for t in row.current],
        "handled_task": _step_json(row.handled) | {"completed_at": to_company_iso(row.handled.completed_at)}
        if row.handled
        else None,
        "unread": row.unread,
    }


@bp.get("/instances")
@token_required
def instances() -> Reply:
    query = list_service.parse_query(
        {k: v for k, v in request.args.items() if k in ("scope", "status", "process", "q")}
    )
    return jsonify(instances=[_row_json(r) for r in list_service.rows_for(api_user(), query)]), 200


@bp.get("/notifications")
@token_required
def notifications() -> Reply:
    user = api_user()
    unread_only = request.args.get("unread") in ("1", "true")
    lines = centre.list_for(user, unread_only=unread_only)
    names = centre.actor_names(lines)
    return jsonify(
        unread=centre.unread_count(user),
        notifications=[
            {
                "id": n.id,
                "kind": n.kind,
                "text": centre.describe(n, names.get(n.actor_id or 0)),
                "subject": n.subject,
                "decision": n.decision,
                "instance_id": n.instance_id,
                "task_id": n.task_id,
                "created_at": to_company_iso(n.created_at),
                "read": n.read_at is not None,
            }
            for n in lines
        ],
    ), 200


@bp.post("/notifications/read")
@token_required
def read_notifications() -> Reply:
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    ids = body.get("ids")
    if ids is not None and (
        not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise ValidationFailed({"ids": [_l("must be a list of message ids")]})
    user = api_user()
    marked = centre.mark_read(user, ids)
    return jsonify(marked=marked, unread=centre.unread_count(user)), 200


def _task_arg() -> int | None:
    raw = request.args.get("task")
    if raw in (None, ""):
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationFailed({"task": [_l("must be a task number")]})
    return int(raw)


@bp.get("/users")
@token_required
def users() -> Reply:
    user = api_user()
    found = people_search.search(request.args.get("q", ""), request.args.get("for", "copy"), user, _task_arg())
    return jsonify(
        users=[
            {
                "username": f.user.username,
                "display_name": f.user.display_name,
                "department": people_search.department_label(f.department),
            }
            for f in found
        ]
    ), 200
