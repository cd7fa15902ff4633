"""JSON endpoints for working together: return, delegations, comments, attachments and drafts."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ..clock import to_company_iso
from ..models import Delegation, InstanceAttachment, InstanceComment, TaskDraft
from ..services.common.errors import ValidationFailed
from ..services.desk import attachments as attachment_service
from ..services.desk import comments as comment_service
from ..services.desk import delegation as delegation_service
from ..services.desk import drafts as draft_service
from ..services.desk import returns as return_service
from .auth import api_user, token_required
from .blueprint import bp
from .serializers import task_json

Reply = tuple[Any, int]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("must be a JSON object")]})
    return body


def delegation_json(d: Delegation) -> dict[str, Any]:
    return {
        "id": d.id,
        "delegator": d.delegator.username,
        "delegate": d.delegate.username,
        "starts_at": to_company_iso(d.starts_at),
        "ends_at": to_company_iso(d.ends_at),
        "created_at": to_company_iso(d.created_at),
        "cancelled_at": to_company_iso(d.cancelled_at),
        "reason": d.reason,
    }


def comment_json(c: InstanceComment) -> dict[str, Any]:
    return {"id": c.id, "author": c.author.username, "body": c.body, "created_at": to_company_iso(c.created_at)}


def attachment_json(a: InstanceAttachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": a.uploaded_by.username,
        "created_at": to_company_iso(a.created_at),
    }


def draft_json(d: TaskDraft | None) -> dict[str, Any]:
    if d is None:
        return {"data": {}, "saved_at": None}
    return {"data": d.data, "saved_at": to_company_iso(d.saved_at)}


@bp.post("/tasks/<id:task_id>/return")
@token_required
def return_task(task_id: int) -> Reply:
    body = _body()
    task = return_service.return_task(task_id, api_user(), body.get("target"), body.get("comment"))
    return jsonify(task_json(task)), 200


@bp.get("/delegations")
@token_required
def delegations() -> Reply:
    return jsonify(delegations=[delegation_json(d) for d in delegation_service.mine(api_user())]), 200


@bp.post("/delegations")
@token_required
def create_delegation() -> Reply:
    body = _body()
    made = delegation_service.create(
        api_user(), body.get("delegate"), body.get("starts_at"), body.get("ends_at"), body.get("reason")
    )
    return jsonify(delegation_json(made)), 201


@bp.delete("/delegations/<id:delegation_id>")
@token_required
def cancel_delegation(delegation_id: int) -> Reply:
    # The reason comes in the body; without one the service still answers 403/404/409 before 422.
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else None
    return jsonify(delegation_json(delegation_service.cancel(delegation_id, api_user(), reason))), 200


@bp.get("/instances/<id:instance_id>/comments")
@token_required
def comments(instance_id: int) -> Reply:
    return jsonify(comments=[comment_json(c) for c in comment_service.list_for(api_user(), instance_id)]), 200


@bp.post("/instances/<id:instance_id>/comments")
@token_required
def add_comment(instance_id: int) -> Reply:
    return jsonify(comment_json(comment_service.add(instance_id, api_user(), _body().get("body")))), 201


@bp.get("/instances/<id:instance_id>/attachments")
@token_required
def attachments(instance_id: int) -> Reply:
    rows = attachment_service.list_for(api_user(), instance_id)
    return jsonify(attachments=[attachment_json(a) for a in rows]), 200


@bp.post("/instances/<id:instance_id>/attachments")
@token_required
def upload_attachment(instance_id: int) -> Reply:
    upload = request.files.get("file")
    made = attachment_service.upload(
        instance_id, api_user(), upload.filename if upload else None, upload.stream if upload else None
    )
    return jsonify(attachment_json(made)), 201


def attachment_response(attachment: InstanceAttachment, path: Any) -> Response:
    """The file as a download only: browsers must neither render it inline nor guess its type."""
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True, download_name=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/attachments/<id:attachment_id>")
@token_required
def download_attachment(attachment_id: int) -> Response:
    return attachment_response(*attachment_service.for_download(api_user(), attachment_id))


@bp.get("/tasks/<id:task_id>/draft")
@token_required
def draft(task_id: int) -> Reply:
    return jsonify(draft_json(draft_service.get(task_id, api_user()))), 200


@bp.put("/tasks/<id:task_id>/draft")
@token_required
def save_draft(task_id: int) -> Reply:
    return jsonify(draft_json(draft_service.save(task_id, api_user(), _body().get("data")))), 200
