"""The API described as OpenAPI 3.1, served at /api/v1/openapi.json for integrators and fuzzers."""

from __future__ import annotations

from typing import Any

from .openapi_collaboration import collaboration_paths

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_VALIDATION = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["error", "errors"],
}
_TASK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "process_key": {"type": "string"},
        "instance_id": {"type": "integer"},
        "business_key": {"type": ["string", "null"]},
        "name": {"type": "string"},
        "title": {"type": "string"},
        "role": {"type": ["string", "null"]},
        "assignee": {"type": ["string", "null"]},
        "status": {"type": "string"},
        "created_at": {"type": "string"},
        "due_at": {"type": ["string", "null"]},
        "overdue": {"type": "boolean"},
    },
    "required": ["id", "process_key", "instance_id", "name", "status", "overdue"],
}
_DATA_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"type": "object", "properties": {"data": {"type": "object"}}}}},
}


def _row_id(name: str) -> dict[str, Any]:
    # Ids in URLs are bounded like the route converter: larger ones are a 404, not a crash.
    schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    return {"name": name, "in": "path", "required": True, "schema": schema}


_ID = _row_id("task_id")


def _text_body(*fields: str, required: bool = False) -> dict[str, Any]:
    """A JSON object of text fields; `required` makes every one of them required."""
    schema: dict[str, Any] = {"type": "object", "properties": {f: {"type": "string"} for f in fields}}
    if required:
        schema["required"] = list(fields)
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answers(ok: int, ok_schema: dict[str, Any], *codes: int) -> dict[str, Any]:
    responses: dict[str, Any] = {
        str(ok): {"description": "done", "content": {"application/json": {"schema": ok_schema}}}
    }
    for code in codes:
        schema = _VALIDATION if code == 422 else _ERROR
        responses[str(code)] = {"description": "refused", "content": {"application/json": {"schema": schema}}}
    return responses


_MODEL_PROBLEMS = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"element_id": {"type": ["string", "null"]}, "message": {"type": "string"}},
                "required": ["element_id", "message"],
            },
        }
    },
    "required": ["errors"],
}


def _process_model_paths(secured: list[dict[str, list[str]]]) -> dict[str, Any]:
    """Process owners deploy BPMN/DMN and read back what is deployed."""
    refused = {
        str(c): {"description": "refused", "content": {"application/json": {"schema": _ERROR}}} for c in (401, 403)
    }
    deployed = {
        "type": "object",
        "properties": {"process_key": {"type": "string"}, "version": {"type": "integer"}},
        "required": ["process_key", "version"],
    }
    return {
        "/process-models": {
            "post": {
                "security": secured,
                "description": "Deploy a BPMN diagram (or a DMN file: every process using it gets a new version).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/xml": {"schema": {"type": "string"}},
                        "multipart/form-data": {
                            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                        },
                    },
                },
                "responses": {
                    "201": {"description": "deployed", "content": {"application/json": {"schema": deployed}}},
                    "422": {
                        "description": "problems, each naming its element",
                        "content": {"application/json": {"schema": _MODEL_PROBLEMS}},
                    },
                    **refused,
                },
            },
            "get": {
                "security": secured,
                "description": "Every deployed process, with each version's added, removed and changed elements.",
                "responses": _answers(200, {"type": "array"}, 401, 403),
            },
        },
        "/process-models/{process_key}/versions/{version}/xml": {
            "get": {
                "security": secured,
                "parameters": [
                    {"name": "process_key", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "version",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the BPMN XML",
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    **refused,
                    "404": {"description": "no such version", "content": {"application/json": {"schema": _ERROR}}},
                },
            }
        },
    }


def document() -> dict[str, Any]:
    from .openapi_inbox import inbox_paths  # the inbox's operations live beside its routes

    secured = [{"bearer": []}]
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Approvals API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/auth/token": {
                "post": {
                    "security": [],
                    "requestBody": _text_body("username", "password", required=True),
                    "responses": _answers(
                        200, {"type": "object", "properties": {"token": {"type": "string"}}}, 401, 422, 429
                    ),
                }
            },
            "/tasks/{task_id}/claim": {
                "post": {
                    "security": secured,
                    "parameters": [_ID],
                    "responses": _answers(200, _TASK, 401, 403, 404, 409),
                }
            },
            "/tasks/{task_id}/complete": {
                "post": {
                    "security": secured,
                    "parameters": [_ID],
                    "requestBody": _DATA_BODY,
                    "responses": _answers(200, _TASK, 401, 403, 404, 409, 422),
                }
            },
            "/tasks/{task_id}/reassign": {
                "post": {
                    "security": secured,
                    "parameters": [_ID],
                    "requestBody": _text_body("assignee", "reason"),
                    "responses": _answers(200, _TASK, 401, 403, 404, 409, 422),
                }
            },
            "/tasks/{task_id}/transfer": {
                "post": {
                    "security": secured,
                    "parameters": [_ID],
                    "requestBody": _text_body("assignee", "comment"),
                    "responses": _answers(200, _TASK, 401, 403, 404, 409, 422),
                }
            },
            "/tasks/{task_id}/urge": {
                "post": {
                    "security": secured,
                    "parameters": [_ID],
                    "requestBody": _text_body("comment"),
                    "responses": _answers(200, _TASK, 401, 403, 404, 409, 422),
                }
            },
            "/processes/{process_key}/instances": {
                "post": {
                    "security": secured,
                    "parameters": [
                        {"name": "process_key", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": _DATA_BODY,
                    "responses": _answers(201, {"type": "object"}, 401, 403, 404, 422),
                }
            },
            "/instances/{instance_id}": {
                "get": {
                    "security": secured,
                    "parameters": [_row_id("instance_id")],
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404),
                }
            },
            "/instances/{instance_id}/retry": {
                "post": {
                    "security": secured,
                    "parameters": [_row_id("instance_id")],
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 409, 422),
                }
            },
            "/instances/{instance_id}/withdraw": {
                "post": {
                    "security": secured,
                    "parameters": [_row_id("instance_id")],
                    "requestBody": _text_body("comment"),
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 409, 422),
                }
            },
            "/instances/{instance_id}/copy-to": {
                "post": {
                    "security": secured,
                    "parameters": [_row_id("instance_id")],
                    "requestBody": _text_body("user", "comment"),
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 422),
                }
            },
            "/customers/{code}": {
                "get": {
                    "security": secured,
                    "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404),
                }
            },
            "/customers/{code}/receivables": {
                "put": {
                    "security": secured,
                    "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "balance": {"type": "number", "minimum": 0},
                                        "overdue": {"type": "number", "minimum": 0},
                                        "as_of": {"type": "string", "format": "date"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": _answers(200, {"type": "object"}, 401, 403, 422),
                }
            },
            "/customers/{code}/responsible": {
                "put": {
                    "security": secured,
                    "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": _text_body("salesperson", "reason"),
                    "responses": _answers(200, {"type": "object"}, 401, 403, 404, 422),
                }
            },
            "/supervision/overdue": {
                "get": {
                    "security": secured,
                    "parameters": [
                        {"name": k, "in": "query", "schema": {"type": "string"}} for k in ("process", "role", "person")
                    ],
                    "responses": _answers(200, {"type": "object"}, 401),
                }
            },
            "/incidents": {"get": {"security": secured, "responses": _answers(200, {"type": "object"}, 401, 403)}},
            **collaboration_paths(secured, _row_id, _text_body, _answers),
            **_process_model_paths(secured),
        },
    }
    doc["paths"].update(inbox_paths())
    return doc
