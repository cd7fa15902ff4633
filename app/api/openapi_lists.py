"""The lists, message centre and people picker endpoints' part of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ..services.desk.lists import SCOPES
from ..services.desk.lists import STATUSES as LIST_STATUSES
from ..services.people.search import PURPOSES

_OBJECT = {"type": "object"}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}
_INVALID = {"type": "object", "properties": {"error": {"type": "string"}, "errors": {"type": "object"}}}


def _answers(ok: int, ok_schema: dict[str, Any], *codes: int) -> dict[str, Any]:
    # Kept here rather than imported from .openapi, which imports this module.
    done = {"description": "done", "content": {"application/json": {"schema": ok_schema}}}
    responses: dict[str, Any] = {str(ok): done}
    for code in codes:
        schema = _INVALID if code == 422 else _ERROR
        responses[str(code)] = {"description": "refused", "content": {"application/json": {"schema": schema}}}
    return responses


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


def lists_paths() -> dict[str, Any]:
    secured = [{"bearer": []}]
    text = {"type": "string", "maxLength": 100}
    return {
        "/instances": {
            "get": {
                "security": secured,
                "description": "What I started (with where each stands), what I handled, what I was copied on.",
                "parameters": [
                    _query("scope", {"enum": list(SCOPES)}),
                    _query("status", {"enum": list(LIST_STATUSES)}),
                    _query("process", text),
                    _query("q", text),
                ],
                "responses": _answers(200, _OBJECT, 401, 422),
            }
        },
        "/notifications": {
            "get": {
                "security": secured,
                "parameters": [_query("unread", {"enum": ["0", "1", "true", "false"]})],
                "responses": _answers(200, _OBJECT, 401),
            }
        },
        "/notifications/read": {
            "post": {
                "security": secured,
                "description": "Mark the given message ids read, or all of them without `ids`.",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"ids": {"type": "array", "items": {"type": "integer"}}},
                            }
                        }
                    }
                },
                "responses": _answers(200, _OBJECT, 401, 422),
            }
        },
        "/users": {
            "get": {
                "security": secured,
                "description": "People who qualify for the purpose and match part of a name, its pinyin or "
                "initials, a log-in name or a department.",
                "parameters": [
                    _query("q", {"type": "string", "maxLength": 50}),
                    _query("for", {"enum": list(PURPOSES)}),
                    _query("task", {"type": "integer", "minimum": 1, "maximum": 999999999}),
                ],
                "responses": _answers(200, _OBJECT, 401, 403, 404, 422),
            }
        },
    }
