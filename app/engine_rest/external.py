"""Camunda's external-task protocol: fetch and lock (with long polling), complete, failure,
BPMN error, extend the lock, unlock."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, jsonify, request

from ..extensions import db
from ..services.common.errors import NotFound, ValidationFailed
from ..services.external import events, work
from .answers import authenticated, current_user, external_id, internal_id
from .blueprint import bp
from .routes import camunda_time
from .variables import plain, typed

# A long poll holds a server worker: it is capped, and the database is asked again at this pace.
MAX_LONG_POLL_MS = 60_000
POLL_INTERVAL_S = 0.2


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ["must be a JSON object"]})
    return body


def _number(value: Any, field: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed({field: ["must be a whole number"]})
    return value


def _worker(body: dict[str, Any]) -> str:
    worker = body.get("workerId")
    if not isinstance(worker, str) or not worker or len(worker) > 200:
        raise ValidationFailed({"workerId": ["is required"]})
    return worker


def _task_number(task_id: str) -> int:
    number = internal_id(task_id)
    if number is None:
        raise NotFound(f"External task with id {task_id} does not exist")
    return number


def _locked_json(locked: work.LockedTask, wanted: list[str] | None) -> dict[str, Any]:
    task, instance = locked.task, locked.instance
    data = instance.data or {}
    values = data if wanted is None else {k: data[k] for k in wanted if k in data}
    return {
        "activityId": task.bpmn_id,
        "activityInstanceId": f"{task.bpmn_id}:{task.engine_task_id}",
        "errorMessage": task.error_message,
        "errorDetails": task.error_details,
        "executionId": external_id(instance.id),
        "id": external_id(task.id),
        "lockExpirationTime": camunda_time(task.lease_until),
        "createTime": camunda_time(task.created_at),
        "processDefinitionId": f"{instance.process_key}:{instance.process_version_id}",
        "processDefinitionKey": instance.process_key,
        "processDefinitionVersionTag": None,
        "processInstanceId": external_id(instance.id),
        "retries": task.retries,
        "suspended": False,
        "workerId": task.lease_owner,
        "topicName": task.topic,
        "tenantId": None,
        "variables": typed(values),
        "priority": task.priority,
        "businessKey": instance.business_key,
        "extensionProperties": task.extension_properties or {},
    }


@bp.post("/external-task/fetchAndLock")
@authenticated
def external_fetch_and_lock() -> Any:
    work.require_worker(current_user())
    body = _body()
    worker = _worker(body)
    max_tasks = _number(body.get("maxTasks"), "maxTasks")
    if max_tasks < 1:
        raise ValidationFailed({"maxTasks": ["must be at least 1"]})
    topics = body.get("topics")
    if not isinstance(topics, list) or not topics:
        raise ValidationFailed({"topics": ["name at least one topic"]})
    locks: dict[str, int] = {}
    wanted: dict[str, list[str] | None] = {}
    for topic in topics:
        if not isinstance(topic, dict) or not isinstance(topic.get("topicName"), str):
            raise ValidationFailed({"topics": ["each topic has a topicName"]})
        locks[topic["topicName"]] = _number(topic.get("lockDuration"), "lockDuration")
        names = topic.get("variables")
        wanted[topic["topicName"]] = [str(n) for n in names] if isinstance(names, list) else None
    wait_ms = min(_number(body.get("asyncResponseTimeout"), "asyncResponseTimeout", 0), MAX_LONG_POLL_MS)
    deadline = time.monotonic() + wait_ms / 1000
    user = current_user()
    while True:
        locked = work.fetch_and_lock(user, worker, locks, max_tasks)
        if locked or time.monotonic() >= deadline or current_app.testing:
            break
        # Long polling: answer as soon as work appears, or empty-handed at the timeout.
        db.session.remove()
        time.sleep(POLL_INTERVAL_S)
    return jsonify([_locked_json(item, wanted[item.task.topic]) for item in locked]), 200


@bp.get("/external-task/<task_id>")
@authenticated
def external_get_task(task_id: str) -> Any:
    return jsonify(_locked_json(work.get(_task_number(task_id), current_user()), None)), 200


@bp.post("/external-task/<task_id>/complete")
@authenticated
def external_complete(task_id: str) -> Any:
    work.require_worker(current_user())
    body = _body()
    variables = {**plain(body.get("variables")), **plain(body.get("localVariables"))}
    work.complete(_task_number(task_id), current_user(), _worker(body), variables)
    return "", 204


@bp.post("/external-task/<task_id>/failure")
@authenticated
def external_failure(task_id: str) -> Any:
    work.require_worker(current_user())
    body = _body()
    message = body.get("errorMessage")
    details = body.get("errorDetails")
    work.failure(
        _task_number(task_id),
        current_user(),
        _worker(body),
        str(message or ""),
        str(details) if details is not None else None,
        _number(body.get("retries"), "retries", 0),
        _number(body.get("retryTimeout"), "retryTimeout", 0),
    )
    return "", 204


@bp.post("/external-task/<task_id>/bpmnError")
@authenticated
def external_bpmn_error(task_id: str) -> Any:
    work.require_worker(current_user())
    body = _body()
    code = body.get("errorCode")
    if not isinstance(code, str) or not code:
        raise ValidationFailed({"errorCode": ["is required"]})
    events.bpmn_error(_task_number(task_id), current_user(), _worker(body), code, plain(body.get("variables")))
    return "", 204


@bp.post("/external-task/<task_id>/extendLock")
@authenticated
def external_extend_lock(task_id: str) -> Any:
    work.require_worker(current_user())
    body = _body()
    work.extend_lock(
        _task_number(task_id), current_user(), _worker(body), _number(body.get("newDuration"), "newDuration")
    )
    return "", 204


@bp.post("/external-task/<task_id>/unlock")
@authenticated
def external_unlock(task_id: str) -> Any:
    work.unlock(_task_number(task_id), current_user())
    return "", 204
