"""The API's core: tokens, tasks, instances, credit files, the supervisor desk, incidents, and how
every refusal is answered (`{"error"}`, or `{"error", "errors": {field: [messages]}}` for bad input)."""

from __future__ import annotations

from typing import Any

from apiflask import HTTPError
from flask import jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, Unauthorized
from werkzeug.wrappers import Response

from ..models import ProcessInstance
from ..services.common.errors import DomainError, Forbidden, ValidationFailed
from ..services.credit import confidential
from ..services.deadlines import supervision as desk_service
from ..services.desk import actions as action_service
from ..services.desk import lists as list_service
from ..services.desk import tasks as task_service
from ..services.instances import incidents as incident_service
from ..services.instances import lifecycle as instance_service
from ..services.instances import unowned as unowned_service
from ..services.people import accounts as user_service
from ..services.people import login_throttle
from .auth import api_user, token_required
from .blueprint import bp
from .bodies import (
    CopyTo,
    Credentials,
    DeskFilters,
    Opinion,
    Reassignment,
    Transfer,
    WithData,
    body,
    flat_messages,
    refusals,
)
from .serializers import desk_json, instance_json, task_json
from .shapes import CopiedIn, Desk, Incidents, Instance, Retried, Started, Task, Token, Withdrawn


@bp.errorhandler(DomainError)
def _domain_error(err: DomainError) -> tuple[Response, int]:
    if isinstance(err, ValidationFailed):
        return jsonify(error=err.message, errors=err.errors), err.status
    # Some refusals name what they refer to, e.g. the open application a second one would collide with.
    return jsonify(error=err.message, **getattr(err, "details", {})), err.status


@bp.errorhandler(HTTPError)
def _schema_refused(err: HTTPError) -> tuple[Response, int]:
    # A body or query refused by its schema: the same answer as a refusal by a service.
    # webargs files the messages under where it read them ("json", "query", "files"): the fields count.
    detail = err.detail if isinstance(err.detail, dict) else {}
    messages: dict[str, Any] = {}
    for where, found in detail.items():
        messages.update(found if isinstance(found, dict) else {where: found})
    refused = ValidationFailed(flat_messages(messages) or {"body": [str(err.message)]})
    return jsonify(error=refused.message, errors=refused.errors), 422


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> tuple[Response, int]:
    response = jsonify(error=err.description)
    if isinstance(err, Unauthorized) and err.www_authenticate:
        response.headers["WWW-Authenticate"] = ", ".join(w.to_header() for w in err.www_authenticate)
    return response, err.code or 500


@bp.post("/auth/token")
@login_throttle.per_address
@bp.output(Token)
@refusals(401, 403, 422, 429, secured=False)
@body(Credentials)
def token(sent: dict[str, Any]) -> dict[str, str]:
    """A bearer token for the other routes."""
    username, password = sent.get("username"), sent.get("password")
    if username is None or password is None:
        raise ValidationFailed({"username": [_l("username and password are required strings")]})
    user = login_throttle.guarded_authenticate(username, password, get_remote_address())
    if user is None:
        raise Unauthorized(_("wrong user name or password"))
    if user.must_change_password:
        raise Forbidden(_("your password was reset: log in on the web page and choose a new one first"))
    return {"token": user_service.issue_token(user)}


@bp.delete("/auth/token")
@token_required
def revoke_token() -> tuple[Response, int]:
    """Log this API client out: the token it sent stops working, the person's other tokens stay."""
    user_service.revoke_token_in_use(request.headers["Authorization"].partition(" ")[2].strip())
    return jsonify(revoked=True), 200


@bp.post("/tasks/<id:task_id>/claim")
@bp.output(Task)
@refusals(403, 404, 409)
@token_required
def claim(task_id: int) -> dict[str, Any]:
    return task_json(task_service.claim(task_id, api_user()))


@bp.post("/tasks/<id:task_id>/complete")
@bp.output(Task)
@refusals(403, 404, 409, 422)
@token_required
@body(WithData)
def complete(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """Complete a task with its form's fields."""
    return task_json(task_service.complete(task_id, api_user(), _data(sent)))


def _data(sent: dict[str, Any]) -> Any:
    return sent.get("data", {})


@bp.post("/processes/<process_key>/instances")
@bp.output(Started, status_code=201)
@refusals(403, 404, 422)
@token_required
@body(WithData)
def start(process_key: str, sent: dict[str, Any]) -> ProcessInstance:
    """Start a process with its start form's fields."""
    return instance_service.start(process_key, api_user(), _data(sent))


@bp.get("/instances/<id:instance_id>")
@bp.output(Instance)
@refusals(403, 404)
@token_required
def instance(instance_id: int) -> dict[str, Any]:
    row = instance_service.get_for(api_user(), instance_id)
    list_service.mark_copy_read(api_user(), row.id)
    data = confidential.visible_data(api_user(), row, f"instance:{row.id}")
    return instance_json(row, instance_service.tasks_of(row), instance_service.history(row), data)


@bp.post("/tasks/<id:task_id>/reassign")
@bp.output(Task)
@refusals(403, 404, 409, 422)
@token_required
@body(Reassignment)
def reassign(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """A supervisor hands a task to someone else, giving a reason."""
    return task_json(desk_service.reassign(task_id, api_user(), sent.get("assignee"), sent.get("reason")))


@bp.get("/supervision/overdue")
@bp.output(Desk)
@refusals()
@token_required
@bp.input(DeskFilters, location="query", arg_name="filters")
def overdue(filters: dict[str, Any]) -> dict[str, Any]:
    """The supervisor's desk: late work below the caller, cases at risk, and last month's figures."""
    chosen = {k: (filters.get(k) or None) for k in ("process", "role", "person")}
    return desk_json(desk_service.desk(api_user(), **chosen))


@bp.get("/incidents")
@bp.output(Incidents)
@refusals(403)
@token_required
def incidents() -> dict[str, Any]:
    """Instances stopped by a failing diagram, for process owners to retry."""
    rows = incident_service.open_incidents(api_user())
    loose = unowned_service.open_unowned([i.id for i in rows])
    return {
        "incidents": [
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
    }


@bp.post("/tasks/<id:task_id>/assign")
@bp.output(Task)
@refusals(403, 404, 409, 422)
@token_required
@body(Reassignment)
def assign_unowned(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """Give a task that nobody may take to someone, with a reason."""
    task = unowned_service.assign(task_id, api_user(), sent.get("assignee"), sent.get("reason"))
    return task_json(task)


@bp.post("/instances/<id:instance_id>/retry")
@bp.output(Retried)
@refusals(403, 404, 409, 422)
@token_required
def retry(instance_id: int) -> dict[str, Any]:
    instance = incident_service.retry(instance_id, api_user())
    return {"id": instance.id, "status": instance.status, "version": instance.process_version.version}


@bp.post("/tasks/<id:task_id>/transfer")
@bp.output(Task)
@refusals(403, 404, 409, 422)
@token_required
@body(Transfer)
def transfer(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """The holder hands the task to a colleague, with an opinion."""
    return task_json(action_service.transfer(task_id, api_user(), sent.get("assignee"), sent.get("comment")))


@bp.post("/tasks/<id:task_id>/urge")
@bp.output(Task)
@refusals(403, 404, 409, 422)
@token_required
@body(Opinion)
def urge(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    return task_json(action_service.urge(task_id, api_user(), sent.get("comment")))


@bp.post("/instances/<id:instance_id>/withdraw")
@bp.output(Withdrawn)
@refusals(403, 404, 409, 422)
@token_required
@body(Opinion)
def withdraw(instance_id: int, sent: dict[str, Any]) -> ProcessInstance:
    """The filer withdraws their application, with a reason."""
    return action_service.withdraw(instance_id, api_user(), sent.get("comment"))


@bp.post("/instances/<id:instance_id>/copy-to")
@bp.output(CopiedIn)
@refusals(403, 404, 422)
@token_required
@body(CopyTo)
def copy_to(instance_id: int, sent: dict[str, Any]) -> Any:
    """Copy a colleague in (抄送): they may read the instance and its files."""
    return action_service.copy_to(instance_id, api_user(), sent.get("user"), sent.get("comment"))
