"""The collaboration endpoints' part of the OpenAPI document, merged into it by `openapi.document`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_OBJECT = {"type": "object"}


def collaboration_paths(
    secured: list[dict[str, Any]],
    row_id: Callable[[str], dict[str, Any]],
    text_body: Callable[..., dict[str, Any]],
    answers: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    task, instance = row_id("task_id"), row_id("instance_id")
    draft_body = {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "properties": {"data": _OBJECT}}}},
    }
    upload_body = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            }
        },
    }
    file_answer = {
        "200": {"description": "the file, as an attachment", "content": {"application/octet-stream": {}}},
        **{k: v for k, v in answers(200, _OBJECT, 401, 403, 404).items() if k != "200"},
    }
    return {
        "/tasks/{task_id}/return": {
            "post": {
                "security": secured,
                "parameters": [task],
                "requestBody": text_body("target", "comment"),
                "responses": answers(200, _OBJECT, 401, 403, 404, 409, 422),
            }
        },
        "/tasks/{task_id}/draft": {
            "get": {"security": secured, "parameters": [task], "responses": answers(200, _OBJECT, 401, 403, 404)},
            "put": {
                "security": secured,
                "parameters": [task],
                "requestBody": draft_body,
                "responses": answers(200, _OBJECT, 401, 403, 404, 409, 422),
            },
        },
        "/delegations": {
            "get": {"security": secured, "responses": answers(200, _OBJECT, 401)},
            "post": {
                "security": secured,
                "requestBody": text_body("delegate", "starts_at", "ends_at", "reason", required=True),
                "responses": answers(201, _OBJECT, 401, 422),
            },
        },
        "/delegations/{delegation_id}": {
            "delete": {
                "security": secured,
                "parameters": [row_id("delegation_id")],
                "requestBody": text_body("reason", required=True),
                "responses": answers(200, _OBJECT, 401, 403, 404, 409, 422),
            }
        },
        "/instances/{instance_id}/comments": {
            "get": {"security": secured, "parameters": [instance], "responses": answers(200, _OBJECT, 401, 403, 404)},
            "post": {
                "security": secured,
                "parameters": [instance],
                "requestBody": text_body("body"),
                "responses": answers(201, _OBJECT, 401, 403, 404, 422),
            },
        },
        "/instances/{instance_id}/attachments": {
            "get": {"security": secured, "parameters": [instance], "responses": answers(200, _OBJECT, 401, 403, 404)},
            "post": {
                "security": secured,
                "parameters": [instance],
                "requestBody": upload_body,
                "responses": answers(201, _OBJECT, 401, 403, 404, 413, 422),
            },
        },
        "/attachments/{attachment_id}": {
            "get": {"security": secured, "parameters": [row_id("attachment_id")], "responses": file_answer}
        },
    }
