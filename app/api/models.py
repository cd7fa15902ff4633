"""Process models over the API: upload BPMN/DMN, list what is deployed, read a version's XML."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..engine import DiagramError
from ..engine.parsing import MAX_XML_BYTES
from ..services.common.errors import Forbidden
from ..services.modeling import deployment, process_models, uploads
from .auth import api_user, token_required
from .blueprint import bp

Reply = tuple[Any, int]


def _require_owner() -> None:
    if not api_user().has_role("process_owner"):
        raise Forbidden(_l("only a process owner may manage process models"))


def _errors(problems: list[tuple[str | None, str]]) -> Reply:
    return jsonify(errors=[{"element_id": el or None, "message": msg} for el, msg in problems]), 422


def _upload() -> tuple[str | None, str] | None:
    """(file name if one was given, XML) from a multipart file or a raw XML body; None when neither was sent."""
    upload = request.files.get("file")
    if upload is not None:
        raw = upload.read(MAX_XML_BYTES + 1)
        filename = upload.filename or None
    elif request.mimetype in ("application/xml", "text/xml"):
        raw = request.get_data(cache=False)
        filename = request.args.get("filename") or None
    else:
        return None
    if len(raw) > MAX_XML_BYTES:
        raise DiagramError([(None, _("the file is larger than %(kb)s KB", kb=MAX_XML_BYTES // 1024))])
    try:
        return (filename[:200] if filename else None), raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DiagramError([(None, _("the file is not UTF-8 text"))]) from err


@bp.post("/process-models")
@token_required
def upload_model() -> Reply:
    _require_owner()
    if (request.content_length or 0) > MAX_XML_BYTES + 64 * 1024:
        return _errors([(None, _("the upload is larger than %(kb)s KB", kb=MAX_XML_BYTES // 1024))])
    try:
        sent = _upload()
        if sent is None:
            return _errors(
                [(None, _("send the BPMN or DMN XML as the body (Content-Type: application/xml) or as 'file'"))]
            )
        results = uploads.deploy_upload(*sent, api_user())
    except DiagramError as err:
        return _errors(err.problems)
    first = results[0]
    body = {
        "process_key": first.process_key,
        "version": first.version,
        "created": first.created,
        "deployed": [{"process_key": r.process_key, "version": r.version, "created": r.created} for r in results],
        "notes": _notes(*sent),
    }
    return jsonify(body), 201


def _notes(filename: str | None, xml: str) -> list[dict[str, Any]]:
    """Which standard forms a deployed diagram uses where it names none."""
    name = filename or "upload.bpmn"
    if uploads.document_kind(xml, name) != "bpmn":
        return []
    notes = deployment.deploy_notes(xml, deployment.dmn_for(xml, name), name)
    return [{"element_id": n.element_id, "message": n.message} for n in notes]


@bp.get("/process-models")
@token_required
def list_models() -> Reply:
    _require_owner()
    changes = process_models.all_changes()
    return jsonify(
        [
            {
                "process_key": m.process_key,
                "name": m.name,
                "version": m.version,
                "deployed_at": m.deployed_at.isoformat(),
                "deployed_by": m.deployed_by,
                "running_by_version": {str(v): n for v, n in sorted(m.running.items())},
                # Version numbers run from 1 without gaps; changes is null where none was recorded.
                "versions": [
                    {"version": n, "changes": c.as_json() if (c := changes.get((m.process_key, n))) else None}
                    for n in range(m.version, 0, -1)
                ],
            }
            for m in process_models.overview()
        ]
    ), 200


@bp.get("/process-models/<process_key>/versions/<int:version>/xml")
@token_required
def model_xml(process_key: str, version: int) -> Response:
    _require_owner()
    row = deployment.version_of(process_key, version)
    return Response(row.bpmn_xml, mimetype="application/xml")
