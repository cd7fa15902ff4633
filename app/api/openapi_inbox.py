"""The inbox's operations in the OpenAPI document: the list, give back, bulk decisions, saved filters."""

from __future__ import annotations

from typing import Any

from ..services.desk.bulk import BULK_DECISIONS, MAX_TASKS
from ..services.desk.inbox import MAX_PAGE_SIZE, SORTS, STATUSES, TABS
from .openapi import _TASK, _answers, _row_id


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


_TEXT = {"type": "string", "maxLength": 100}
_DATE = {"type": "string", "format": "date"}
_PARAMS = {
    "type": "object",
    "properties": {
        "tab": {"enum": list(TABS)},
        "status": {"enum": list(STATUSES)},
        "sort": {"enum": list(SORTS)},
        "process": {"type": "string", "maxLength": 100},
        "customer": {"type": "string", "maxLength": 200},
        "due_from": _DATE,
        "due_to": _DATE,
        "q": _TEXT,
    },
    "additionalProperties": False,
}
_ROW = {
    **_TASK,
    "properties": {
        **_TASK["properties"],
        "customer": {"type": ["string", "null"]},
        "urgency": {"enum": ["overdue", "due-today", None]},
    },
}
_PAGE = {
    "type": "object",
    "properties": {
        "tasks": {"type": "array", "items": _ROW},
        "next": {"type": ["string", "null"]},
        "prev": {"type": ["string", "null"]},
    },
    "required": ["tasks", "next", "prev"],
}
_FILTER = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "params": _PARAMS},
    "required": ["id", "name", "params"],
}
_RESULT = {
    "type": "object",
    "properties": {
        "task_id": {"type": "integer"},
        "ok": {"type": "boolean"},
        "status": {"type": "integer"},
        "error": {"type": ["string", "null"]},
    },
    "required": ["task_id", "ok", "status", "error"],
}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def inbox_paths() -> dict[str, Any]:
    secured = [{"bearer": []}]
    return {
        "/tasks": {
            "get": {
                "security": secured,
                "description": "One page of the inbox; pass `next`/`prev` back as `after`/`before`.",
                "parameters": [
                    _query("tab", {"enum": list(TABS)}),
                    _query("scope", {"enum": list(TABS)}),
                    _query("status", {"enum": list(STATUSES)}),
                    _query("sort", {"enum": list(SORTS)}),
                    _query("process", {"type": "string", "maxLength": 100}),
                    _query("customer", {"type": "string", "maxLength": 200}),
                    _query("due_from", _DATE),
                    _query("due_to", _DATE),
                    _query("q", _TEXT),
                    _query("after", {"type": "string"}),
                    _query("before", {"type": "string"}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}),
                ],
                "responses": _answers(200, _PAGE, 401, 422),
            }
        },
        "/tasks/{task_id}/unclaim": {
            "post": {
                "security": secured,
                "parameters": [_row_id("task_id")],
                "responses": _answers(200, _TASK, 401, 403, 404, 409),
            }
        },
        "/tasks/bulk": {
            "post": {
                "security": secured,
                "description": "Each task is decided in its own transaction; one failing leaves the others done.",
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "properties": {
                            "task_ids": {
                                "type": "array",
                                "items": {"type": "integer"},
                                "minItems": 1,
                                "maxItems": MAX_TASKS,
                            },
                            "decision": {"enum": list(BULK_DECISIONS)},
                            "comment": {"type": "string", "maxLength": 2000},
                        },
                        "required": ["task_ids", "decision"],
                    }
                ),
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "properties": {
                            "results": {"type": "array", "items": _RESULT},
                            "succeeded": {"type": "integer"},
                        },
                    },
                    401,
                    422,
                ),
            }
        },
        "/saved-filters": {
            "get": {
                "security": secured,
                "responses": _answers(
                    200, {"type": "object", "properties": {"filters": {"type": "array", "items": _FILTER}}}, 401
                ),
            },
            "post": {
                "security": secured,
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "properties": {"name": {"type": "string", "maxLength": 60}, "params": _PARAMS},
                        "required": ["name"],
                    }
                ),
                "responses": _answers(201, _FILTER, 401, 422),
            },
        },
        "/saved-filters/{filter_id}": {
            "delete": {
                "security": secured,
                "parameters": [_row_id("filter_id")],
                "responses": _answers(200, {"type": "object"}, 401, 403, 404),
            }
        },
    }
