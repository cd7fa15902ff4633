"""Process models over the API: upload BPMN/DMN, list what is deployed, read a version's XML."""

from __future__ import annotations

from typing import Any

from apiflask.schemas import FileSchema
from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..engine import DiagramError
from ..engine.parsing import MAX_XML_BYTES
from ..services.common.errors import Forbidden
from ..services.modeling import deployment, deployments, process_models, proposals, uploads
from .auth import api_user, token_required
from .blueprint import bp
from .bodies import ProposalDecision, body, refusals
from .shapes import ModelProblems
from .shapes_collab import Deployed, ProcessModel, Proposal

# Either content type carries the same diagram; the route reads the stream itself, within a size limit.
_UPLOAD = {
    "required": True,
    "content": {
        "application/xml": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
    },
}

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
@refusals(
    403,
    422,
    invalid=ModelProblems,
    answers={
        201: {"description": "deployed and current", "content": {"application/json": {"schema": Deployed}}},
        202: {
            "description": "checked and waiting for another process owner's or the general manager's approval "
            "(DEPLOY_APPROVAL on); the current version stays until then",
            "content": {"application/json": {"schema": Proposal}},
        },
    },
    request_body=_UPLOAD,
)
@token_required
def upload_model() -> Reply:
    """Deploy a BPMN diagram, or a DMN file: every process using it gets a new version.

    With approval on (DEPLOY_APPROVAL, the default) a change answers 202 with the proposal waiting for
    a second process owner or the general manager; with it off, or when nothing changed, 201. A refused
    file answers 422 with each problem and the element it concerns."""
    _require_owner()
    if (request.content_length or 0) > MAX_XML_BYTES + 64 * 1024:
        return _errors([(None, _("the upload is larger than %(kb)s KB", kb=MAX_XML_BYTES // 1024))])
    if len(request.files.getlist("file")) > 1:
        return _deploy_several()
    try:
        sent = _upload()
        if sent is None:
            return _errors(
                [(None, _("send the BPMN or DMN XML as the body (Content-Type: application/xml) or as 'file'"))]
            )
        submitted = proposals.submit("upload", {"filename": sent[0], "xml": sent[1]}, api_user())
    except DiagramError as err:
        return _errors(err.problems)
    if submitted.proposal is not None:
        return jsonify(proposal_view(submitted.proposal)), 202
    results = submitted.results
    first = results[0]
    body = {
        "process_key": first.process_key,
        "version": first.version,
        "created": first.created,
        "deployed": [{"process_key": r.process_key, "version": r.version, "created": r.created} for r in results],
        "notes": _notes(*sent),
    }
    return jsonify(body), 201


def _deploy_several() -> Reply:
    """Several `file` parts: diagrams, decision tables and forms deployed together, all or nothing."""
    uploads_sent = request.files.getlist("file")
    if len(uploads_sent) > deployments.MAX_FILES:
        return _errors([(None, _("at most %(n)s files at a time", n=deployments.MAX_FILES))])
    files = []
    for upload in uploads_sent:
        raw = upload.read(MAX_XML_BYTES + 1)
        name = (upload.filename or "upload")[:200]
        if len(raw) > MAX_XML_BYTES:
            return _file_errors([(name, None, _("the file is larger than %(kb)s KB", kb=MAX_XML_BYTES // 1024))])
        try:
            files.append((name, raw.decode("utf-8")))
        except UnicodeDecodeError:
            return _file_errors([(name, None, _("the file is not UTF-8 text"))])
    try:
        submitted = proposals.submit("files", {"files": [{"name": n, "text": t} for n, t in files]}, api_user())
    except deployments.DeploymentRefused as err:
        return _file_errors(err.problems)
    if submitted.proposal is not None:
        return jsonify(proposal_view(submitted.proposal)), 202
    results = submitted.results
    first = results[0] if results else None
    return jsonify(
        process_key=first.process_key if first else None,
        version=first.version if first else None,
        created=first.created if first else False,
        deployed=[{"process_key": r.process_key, "version": r.version, "created": r.created} for r in results],
    ), 201


def _file_errors(problems: list[tuple[str, str | None, str]]) -> Reply:
    errors = [{"file": name, "element_id": el or None, "message": msg} for name, el, msg in problems]
    return jsonify(error=_("nothing was deployed"), errors=errors), 422


def _notes(filename: str | None, xml: str) -> list[dict[str, Any]]:
    """Which standard forms a deployed diagram uses where it names none."""
    name = filename or "upload.bpmn"
    if uploads.document_kind(xml, name) != "bpmn":
        return []
    notes = deployment.deploy_notes(xml, deployment.dmn_for(xml, name), name)
    return [{"element_id": n.element_id, "message": n.message} for n in notes]


@bp.get("/process-models")
@bp.output(ProcessModel(many=True))
@refusals(403)
@token_required
def list_models() -> list[dict[str, Any]]:
    """Every deployed process, with each version's added, removed and changed elements."""
    _require_owner()
    changes = process_models.all_changes()
    return [
        {
            "process_key": m.process_key,
            "name": m.name,
            "version": m.version,
            "deployed_at": m.deployed_at,
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


@bp.get("/process-models/<process_key>/versions/<int:version>/xml")
@bp.output(FileSchema, content_type="application/xml", description="the BPMN XML")
@refusals(403, 404)
@token_required
def model_xml(process_key: str, version: int) -> Response:
    _require_owner()
    row = deployment.version_of(process_key, version)
    return Response(row.bpmn_xml, mimetype="application/xml")


@bp.get("/deployment-proposals/<id:proposal_id>")
@bp.output(Proposal)
@refusals(403, 404)
@token_required
def get_proposal(proposal_id: int) -> dict[str, Any]:
    """A deployment waiting for approval, or decided: who proposed it, who decided, what it changes."""
    _require_reviewer()
    return proposal_view(proposals.get(proposal_id))


@bp.post("/deployment-proposals/<id:proposal_id>/decision")
@bp.output(Proposal)
@refusals(403, 404, 409, 422)
@token_required
@body(ProposalDecision)
def decide_proposal(proposal_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """Approve (the change becomes current) or reject (it never does); never the proposer's own change.

    409 when the process changed since the proposal was made (it can then only be rejected)."""
    _require_reviewer()
    decided = proposals.decide(proposal_id, api_user(), sent.get("decision", ""), sent.get("comment") or "")
    return proposal_view(decided)


def proposal_view(proposal: Any) -> dict[str, Any]:
    return {**proposals.summary(proposal), "url": url_for("modeler.proposal", proposal_id=proposal.id)}


def _require_reviewer() -> None:
    if not proposals.may_review(api_user()):
        raise Forbidden(_l("only a process owner or the general manager may review changes"))
