"""JSON endpoints for working together: return, delegations, comments, attachments and drafts."""

from __future__ import annotations

from typing import Any

from apiflask.schemas import FileSchema
from flask import request, send_file
from werkzeug.wrappers import Response

from ..models import Delegation, InstanceAttachment, InstanceComment, TaskDraft
from ..services.desk import attachments as attachment_service
from ..services.desk import comments as comment_service
from ..services.desk import delegation as delegation_service
from ..services.desk import drafts as draft_service
from ..services.desk import returns as return_service
from ..services.desk import signers as signer_service
from .auth import api_user, token_required
from .blueprint import bp
from .bodies import Body, NewComment, NewDelegation, NewSigner, Reason, ReturnTo, WithData, body, refusals
from .fields import Upload
from .serializers import task_json
from .shapes import Task
from .shapes_collab import AddedSigner, Attachment, Attachments, Comment, Comments, Delegations, Draft
from .shapes_collab import Delegation as DelegationAnswer


def delegation_json(d: Delegation) -> dict[str, Any]:
    return {
        "id": d.id,
        "delegator": d.delegator.username,
        "delegate": d.delegate.username,
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "created_at": d.created_at,
        "cancelled_at": d.cancelled_at,
        "reason": d.reason,
    }


def comment_json(c: InstanceComment) -> dict[str, Any]:
    return {"id": c.id, "author": c.author.username, "body": c.body, "created_at": c.created_at}


def attachment_json(a: InstanceAttachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": a.uploaded_by.username,
        "created_at": a.created_at,
    }


def draft_json(d: TaskDraft | None) -> dict[str, Any]:
    if d is None:
        return {"data": {}, "saved_at": None}
    return {"data": d.data, "saved_at": d.saved_at}


@bp.post("/tasks/<id:task_id>/return")
@bp.output(Task)
@refusals(403, 404, 409, 422)
@token_required
@body(ReturnTo)
def return_task(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """Return a task (退回) to the previous step or to the filer, with an opinion."""
    return task_json(return_service.return_task(task_id, api_user(), sent.get("target"), sent.get("comment")))


@bp.post("/tasks/<id:task_id>/add-signer")
@bp.output(AddedSigner, status_code=201)
@refusals(403, 404, 409, 422)
@token_required
@body(NewSigner)
def add_signer(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """The holder adds a signer (加签) before themselves (the task goes to them first and comes back) or
    after themselves (they approve next), with a reason."""
    added = signer_service.add_signer(task_id, api_user(), sent.get("user"), sent.get("position"), sent.get("reason"))
    return {
        "id": added.id,
        "task_id": added.for_task_id,
        "signer_task_id": added.signer_task_id,
        "user": added.user.username,
        "position": added.position,
        "reason": added.reason,
        "status": added.status,
    }


@bp.get("/delegations")
@bp.output(Delegations)
@refusals()
@token_required
def delegations() -> dict[str, Any]:
    """The caller's delegations (委托), given and received."""
    return {"delegations": [delegation_json(d) for d in delegation_service.mine(api_user())]}


@bp.post("/delegations")
@bp.output(DelegationAnswer, status_code=201)
@refusals(422)
@token_required
@body(NewDelegation)
def create_delegation(sent: dict[str, Any]) -> dict[str, Any]:
    made = delegation_service.create(
        api_user(), sent.get("delegate"), sent.get("starts_at"), sent.get("ends_at"), sent.get("reason")
    )
    return delegation_json(made)


@bp.delete("/delegations/<id:delegation_id>")
@bp.output(DelegationAnswer)
@refusals(403, 404, 409, 422)
@token_required
@body(Reason, optional=True)
def cancel_delegation(delegation_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    # The reason comes in the body; without one the service still answers 403/404/409 before 422.
    return delegation_json(delegation_service.cancel(delegation_id, api_user(), sent.get("reason")))


@bp.get("/instances/<id:instance_id>/comments")
@bp.output(Comments)
@refusals(403, 404)
@token_required
def comments(instance_id: int) -> dict[str, Any]:
    return {"comments": [comment_json(c) for c in comment_service.list_for(api_user(), instance_id)]}


@bp.post("/instances/<id:instance_id>/comments")
@bp.output(Comment, status_code=201)
@refusals(403, 404, 422)
@token_required
@body(NewComment)
def add_comment(instance_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    return comment_json(comment_service.add(instance_id, api_user(), sent.get("body")))


@bp.get("/instances/<id:instance_id>/attachments")
@bp.output(Attachments)
@refusals(403, 404)
@token_required
def attachments(instance_id: int) -> dict[str, Any]:
    return {"attachments": [attachment_json(a) for a in attachment_service.list_for(api_user(), instance_id)]}


class Upload(Body):
    file = Upload(metadata={"description": "PDF, image or office document"})


@bp.post("/instances/<id:instance_id>/attachments")
@bp.output(Attachment, status_code=201)
@refusals(403, 404, 413, 422)
@token_required
@bp.input(Upload, location="files", arg_name="sent")
def upload_attachment(instance_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    upload = request.files.get("file")
    made = attachment_service.upload(
        instance_id, api_user(), upload.filename if upload else None, upload.stream if upload else None
    )
    return attachment_json(made)


def attachment_response(attachment: InstanceAttachment, path: Any) -> Response:
    """The file as a download only: browsers must neither render it inline nor guess its type."""
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True, download_name=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/attachments/<id:attachment_id>")
@bp.output(FileSchema, content_type="application/octet-stream", description="the file, as an attachment")
@refusals(403, 404)
@token_required
def download_attachment(attachment_id: int) -> Response:
    return attachment_response(*attachment_service.for_download(api_user(), attachment_id))


@bp.get("/tasks/<id:task_id>/draft")
@bp.output(Draft)
@refusals(403, 404)
@token_required
def draft(task_id: int) -> dict[str, Any]:
    """The task form as last saved, not yet submitted."""
    return draft_json(draft_service.get(task_id, api_user()))


@bp.put("/tasks/<id:task_id>/draft")
@bp.output(Draft)
@refusals(403, 404, 409, 422)
@token_required
@body(WithData)
def save_draft(task_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    return draft_json(draft_service.save(task_id, api_user(), sent.get("data")))
