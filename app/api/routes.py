from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..extensions import limiter
from ..services.common.errors import DomainError, ValidationFailed
from ..services.credit import credit_file as customer_service
from ..services.deadlines import supervision as desk_service
from ..services.desk import actions as action_service
from ..services.desk import tasks as task_service
from ..services.instances import incidents as incident_service
from ..services.instances import lifecycle as instance_service
from ..services.instances import unowned as unowned_service
from ..services.people import accounts as user_service
from .auth import api_user, token_required
from .blueprint import bp
from .openapi import document
from .serializers import customer_json, desk_json, instance_json, task_json

Reply = tuple[Any, int]


@bp.get("/openapi.json")
def openapi() -> Reply:
    return jsonify(document()), 200


@bp.errorhandler(DomainError)
def _domain_error(err: DomainError) -> Reply:
    if isinstance(err, ValidationFailed):
        return jsonify(error=err.message, errors=err.errors), err.status
    return jsonify(error=err.message), err.status


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Reply:
    return jsonify(error=err.description), err.code or 500


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("must be a JSON object")]})
    return body


def _token_name() -> str:
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return f"user:{str(name or '').strip().lower()}"


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_USER"], key_func=_token_name)
def token() -> Reply:
    body = _json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ValidationFailed({"username": [_l("username and password are required strings")]})
    user = user_service.authenticate(username, password)
    if user is None:
        return jsonify(error=_("wrong user name or password")), 401
    return jsonify(token=user_service.issue_token(user)), 200


@bp.post("/tasks/<id:task_id>/claim")
@token_required
def claim(task_id: int) -> Reply:
    return jsonify(task_json(task_service.claim(task_id, api_user()))), 200


@bp.post("/tasks/<id:task_id>/complete")
@token_required
def complete(task_id: int) -> Reply:
    body = _json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise ValidationFailed({"data": [_l("must be an object")]})
    return jsonify(task_json(task_service.complete(task_id, api_user(), data))), 200


@bp.post("/processes/<process_key>/instances")
@token_required
def start(process_key: str) -> Reply:
    body = _json_body()
    instance = instance_service.start(process_key, api_user(), body.get("data", {}))
    return jsonify(id=instance.id, business_key=instance.business_key, status=instance.status), 201


@bp.get("/instances/<id:instance_id>")
@token_required
def instance(instance_id: int) -> Reply:
    row = instance_service.get_for(api_user(), instance_id)
    return jsonify(instance_json(row, instance_service.tasks_of(row), instance_service.history(row))), 200


@bp.get("/customers/<code>")
@token_required
def customer(code: str) -> Reply:
    return jsonify(customer_json(customer_service.read_credit_file(code, api_user()))), 200


@bp.post("/tasks/<id:task_id>/reassign")
@token_required
def reassign(task_id: int) -> Reply:
    body = _json_body()
    task = desk_service.reassign(task_id, api_user(), body.get("assignee"), body.get("reason"))
    return jsonify(task_json(task)), 200


@bp.get("/supervision/overdue")
@token_required
def overdue() -> Reply:
    filters = {k: (request.args.get(k) or None) for k in ("process", "role", "person")}
    return jsonify(desk_json(desk_service.desk(api_user(), **filters))), 200


@bp.get("/incidents")
@token_required
def incidents() -> Reply:
    rows = incident_service.open_incidents(api_user())
    loose = unowned_service.open_unowned([i.id for i in rows])
    return jsonify(
        incidents=[
            {
                "instance_id": i.id,
                "process_key": i.process_key,
                "version": i.process_version.version,
                "business_key": i.business_key,
                "error": i.error,
                "unowned_tasks": [{"id": t.id, "name": t.name, "role": t.role} for t in loose.get(i.id, [])],
            }
            for i in rows
        ]
    ), 200


@bp.post("/tasks/<id:task_id>/assign")
@token_required
def assign_unowned(task_id: int) -> Reply:
    body = _json_body()
    task = unowned_service.assign(task_id, api_user(), body.get("assignee"), body.get("reason"))
    return jsonify(task_json(task)), 200


@bp.post("/instances/<id:instance_id>/retry")
@token_required
def retry(instance_id: int) -> Reply:
    instance = incident_service.retry(instance_id, api_user())
    return jsonify(id=instance.id, status=instance.status, version=instance.process_version.version), 200


@bp.post("/tasks/<id:task_id>/transfer")
@token_required
def transfer(task_id: int) -> Reply:
    body = _json_body()
    return jsonify(
        task_json(action_service.transfer(task_id, api_user(), body.get("assignee"), body.get("comment")))
    ), 200


@bp.post("/tasks/<id:task_id>/urge")
@token_required
def urge(task_id: int) -> Reply:
    body = _json_body()
    return jsonify(task_json(action_service.urge(task_id, api_user(), body.get("comment")))), 200


@bp.post("/instances/<id:instance_id>/withdraw")
@token_required
def withdraw(instance_id: int) -> Reply:
    body = _json_body()
    instance = action_service.withdraw(instance_id, api_user(), body.get("comment"))
    return jsonify(id=instance.id, status=instance.status), 200


@bp.post("/instances/<id:instance_id>/copy-to")
@token_required
def copy_to(instance_id: int) -> Reply:
    body = _json_body()
    watcher = action_service.copy_to(instance_id, api_user(), body.get("user"), body.get("comment"))
    return jsonify(instance_id=watcher.instance_id, user_id=watcher.user_id), 200
