"""Starting instances, users' tasks, messages and signals, as Camunda's REST API answers them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify, request

from ..models import HumanTask, ProcessInstance
from ..services.common.errors import NotFound, ValidationFailed
from ..services.desk import tasks as task_service
from ..services.external import events, work
from ..services.instances import lifecycle
from . import task_query
from .answers import authenticated, current_user, error, external_id, internal_id
from .blueprint import bp
from .variables import plain, typed


def camunda_time(value: datetime | None) -> str | None:
    """Camunda's date format: milliseconds and a numeric offset (2026-11-23T01:00:00.000+0000)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ["must be a JSON object"]})
    return body


def _instance_json(instance: ProcessInstance) -> dict[str, Any]:
    return {
        "id": external_id(instance.id),
        "definitionId": f"{instance.process_key}:{instance.process_version_id}",
        "businessKey": instance.business_key,
        "caseInstanceId": None,
        "ended": instance.status != "running",
        "suspended": False,
        "tenantId": None,
        "links": [
            {"method": "GET", "href": f"/engine-rest/process-instance/{external_id(instance.id)}", "rel": "self"}
        ],
    }


def _task_json(task: HumanTask) -> dict[str, Any]:
    return {
        "id": external_id(task.id),
        "name": task.name,
        "assignee": task.assignee.username if task.assignee else None,
        "owner": None,
        "created": camunda_time(task.created_at),
        "due": camunda_time(task.due_at),
        "followUp": camunda_time(task.follow_up_at),
        "lastUpdated": None,
        "delegationState": None,
        "description": None,
        "executionId": external_id(task.instance_id),
        "parentTaskId": None,
        "priority": task.priority,
        "processDefinitionId": f"{task.process_key}:{task.instance.process_version_id}",
        "processInstanceId": external_id(task.instance_id),
        "caseExecutionId": None,
        "caseDefinitionId": None,
        "caseInstanceId": None,
        "taskDefinitionKey": task.bpmn_id,
        "suspended": False,
        "formKey": task.form_key,
        "camundaFormRef": None,
        "tenantId": None,
    }


@bp.post("/process-definition/key/<process_key>/start")
@authenticated
def start(process_key: str) -> Any:
    body = _body()
    instance = lifecycle.start_with_variables(
        process_key, current_user(), plain(body.get("variables")), business_key=body.get("businessKey")
    )
    answer = _instance_json(instance)
    if body.get("withVariablesInReturn"):
        answer["variables"] = typed(instance.data or {})
    return jsonify(answer), 200


def _filters() -> dict[str, Any]:
    filters: dict[str, Any] = dict(request.args.items())
    if request.method == "POST":
        filters.update({k: v for k, v in _body().items() if isinstance(v, str | int)})
    return filters


@bp.route("/task", methods=["GET", "POST"])
@authenticated
def tasks() -> Any:
    """The caller's open tasks (their own and their roles' queues), with Camunda's common filters."""
    filters = _filters()
    found = task_service.list_tasks(current_user(), "all", limit=200)
    instance = internal_id(str(filters.get("processInstanceId", ""))) if filters.get("processInstanceId") else None
    rows = [
        t
        for t in found
        if (instance is None or t.instance_id == instance)
        and (not filters.get("assignee") or (t.assignee and t.assignee.username == filters["assignee"]))
        and task_query.matches(t, filters)
        and (not filters.get("taskDefinitionKey") or t.bpmn_id == filters["taskDefinitionKey"])
        and (not filters.get("processDefinitionKey") or t.process_key == filters["processDefinitionKey"])
        and (not filters.get("processInstanceBusinessKey") or t.business_key == filters["processInstanceBusinessKey"])
    ]
    return jsonify([_task_json(t) for t in task_query.ordered(rows, filters)]), 200


def _task_number(task_id: str) -> int:
    number = internal_id(task_id)
    if number is None:
        raise NotFound(f"Cannot find task with id {task_id}")
    return number


@bp.get("/task/<task_id>")
@authenticated
def task(task_id: str) -> Any:
    found = task_service.get_task_for(current_user(), _task_number(task_id))
    if found.status != "open":
        raise NotFound(f"No matching task with id {task_id}")  # Camunda forgets a task once it is done
    return jsonify(_task_json(found)), 200


@bp.post("/task/<task_id>/claim")
@authenticated
def claim(task_id: str) -> Any:
    user_id = _body().get("userId")
    if user_id and user_id != current_user().username:
        return error(403, "a task can only be claimed for yourself here")
    task_service.claim(_task_number(task_id), current_user())
    return "", 204


@bp.post("/task/<task_id>/unclaim")
@authenticated
def unclaim(task_id: str) -> Any:
    task_service.unclaim(_task_number(task_id), current_user())
    return "", 204


@bp.post("/task/<task_id>/complete")
@bp.post("/task/<task_id>/submit-form")
@authenticated
def complete(task_id: str) -> Any:
    task_service.complete(_task_number(task_id), current_user(), plain(_body().get("variables")))
    return "", 204


@bp.post("/message")
@authenticated
def message() -> Any:
    work.require_worker(current_user())
    body = _body()
    name = body.get("messageName")
    if not isinstance(name, str) or not name:
        return error(400, "messageName is required")
    instance_text = body.get("processInstanceId")
    reached = events.correlate_message(
        current_user(),
        name,
        plain(body.get("processVariables")),
        business_key=body.get("businessKey"),
        instance_id=internal_id(str(instance_text)) if instance_text else None,
        to_all=bool(body.get("all")),
    )
    if body.get("resultEnabled"):
        return jsonify(
            [
                {"resultType": "Execution", "execution": {"id": external_id(i), "processInstanceId": external_id(i)}}
                for i in reached
            ]
        ), 200
    return "", 204


@bp.post("/signal")
@authenticated
def signal() -> Any:
    work.require_worker(current_user())
    body = _body()
    name = body.get("name")
    if not isinstance(name, str) or not name:
        return error(400, "name is required")
    events.throw_signal(current_user(), name, plain(body.get("variables")))
    return "", 204


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
@authenticated
def not_implemented(rest: str) -> Any:
    """Everything else of Camunda's API is not offered here: say so, rather than a bare 404."""
    return error(501, f"/engine-rest/{rest} is not implemented by this server")
