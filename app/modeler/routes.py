"""Process models in the browser: the list, the BPMN and DMN modelers, check, deploy and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..config import PROJECT_ROOT
from ..engine import DiagramError
from ..services.common.errors import DomainError
from ..services.instances import diagram_state
from ..services.modeling import blanks, camunda_rules, decision_tables, deployment, process_models, proposals, uploads
from .access import body_within_limit, owner_required
from .blueprint import bp
from .proposal_routes import proposal_view

# Only the built bundles and their styles and fonts are served, never package sources.
_VENDOR_PACKAGES = {"bpmn-js", "dmn-js"}
_VENDOR_SUFFIXES = (".js", ".css", ".woff", ".woff2", ".ttf", ".eot", ".svg")


@bp.get("/vendor/<path:asset>")
@login_required
def vendor(asset: str) -> Response:
    package, _slash, rest = asset.partition("/")
    if package not in _VENDOR_PACKAGES or not rest.startswith("dist/") or not rest.endswith(_VENDOR_SUFFIXES):
        abort(404)
    root = Path(current_app.config.get("NODE_MODULES_DIR", PROJECT_ROOT / "node_modules")) / package
    return send_from_directory(root, rest, max_age=3600)


@bp.get("/modeler")
@owner_required
def index() -> str:
    return render_template(
        "modeler/index.html",
        models=process_models.overview(),
        decisions=_decision_files(),
        forms=current_app.extensions["forms"].keys(),
        pending=[p for p in proposals.listing() if p.state == "pending"],
    )


def panel_choices() -> dict[str, list[str]]:
    """What the properties panel offers to pick: the forms and the decisions a diagram may name."""
    return {"form_keys": list(current_app.extensions["forms"].keys()), "decision_ids": sorted(blanks.known_decisions())}


def _decision_files() -> list[str]:
    return decision_tables.file_names()


@bp.get("/modeler/processes/<process_key>")
@owner_required
def model(process_key: str) -> str:
    versions = process_models.versions(process_key)
    if not versions:
        abort(404)
    shown = request.args.get("version", type=int) or versions[0][0].version
    if shown not in {v.version for v, _n in versions}:
        abort(404)
    return render_template(
        "modeler/model.html",
        **panel_choices(),
        process_key=process_key,
        versions=versions,
        changes=process_models.changes_by_version(process_key),
        shown=shown,
        latest=versions[0][0].version,
    )


@bp.get("/modeler/processes/<process_key>/versions/<int:version>/xml")
@owner_required
def version_xml(process_key: str, version: int) -> Response:
    row = deployment.version_of(process_key, version)
    return Response(row.bpmn_xml, mimetype="application/xml")


@bp.get("/modeler/processes/<process_key>/versions/<int:version>/view")
@owner_required
def version_view(process_key: str, version: int) -> str:
    deployment.version_of(process_key, version)
    return render_template("modeler/version.html", process_key=process_key, version=version)


@bp.get("/modeler/processes/<process_key>/versions/<int:version>/diagram")
@owner_required
def version_diagram(process_key: str, version: int) -> Response:
    """The version's diagram in the shape the instance viewer reads, with no progress to mark."""
    row = deployment.version_of(process_key, version)
    return jsonify(xml=row.bpmn_xml, completed=[], current=[], timers=[])


@bp.post("/modeler/processes/<process_key>/versions/<int:version>/restore")
@owner_required
def restore(process_key: str, version: int) -> Response:
    try:
        submitted = proposals.submit("restore", {"process_key": process_key, "version": version}, current_user)
    except DiagramError as err:
        flash("; ".join(f"{el or ''} {msg}" for el, msg in err.problems), "error")
        return redirect(url_for("modeler.model", process_key=process_key, version=version))
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("modeler.model", process_key=process_key, version=version))
    if submitted.proposal is not None:
        flash(_("Waiting for approval: change proposal %(id)s", id=submitted.proposal.id), "info")
        return redirect(url_for("modeler.proposal", proposal_id=submitted.proposal.id))
    result = submitted.results[0]
    if result.created:
        flash(_("Version %(old)s deployed again as version %(new)s", old=version, new=result.version), "info")
    else:
        flash(_("Version %(old)s is already the newest version", old=version), "info")
    return redirect(url_for("modeler.model", process_key=process_key))


@bp.get("/modeler/decisions/<name>")
@owner_required
def decision(name: str) -> str:
    if name not in _decision_files():
        abort(404)
    return render_template("modeler/decision.html", name=name)


@bp.get("/modeler/decisions/<name>/xml")
@owner_required
def decision_xml(name: str) -> Response:
    if name not in _decision_files():
        abort(404)
    xml = deployment.deployed_dmn_file(name) or (Path(current_app.config["BPMN_DIR"]) / name).read_text("utf-8")
    return Response(xml, mimetype="application/xml")


def _upload() -> tuple[str, str]:
    """(file name, XML) from the modeler's JSON request."""
    body_within_limit()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str) or not body["xml"].strip():
        raise _Refusal([{"element_id": None, "message": _("no diagram was sent")}])
    filename = str(body.get("filename") or "diagram.bpmn")[:200]
    return filename, body["xml"]


class _Refusal(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("refused")
        self.errors = errors


def _problems(problems: list[tuple[str | None, str]]) -> list[dict[str, Any]]:
    # A decision table used by several diagrams is checked once for each: say each problem once.
    return [{"element_id": element, "message": message} for element, message in dict.fromkeys(problems)]


@bp.post("/modeler/check")
@owner_required
def check() -> tuple[Response, int]:
    try:
        filename, xml = _upload()
        kind = uploads.document_kind(xml, filename)
        problems = deployment.check_upload(kind, filename, xml)
        notes = [deployment.Problem(el, msg) for el, msg in camunda_rules.check_notes(kind, filename, xml)]
    except _Refusal as refusal:
        return jsonify(ok=False, errors=refusal.errors), 422
    except DiagramError as err:
        return jsonify(ok=False, errors=_problems(err.problems)), 200
    if kind == "bpmn":
        notes += deployment.deploy_notes(xml, deployment.dmn_for(xml, filename), filename)
    return jsonify(
        ok=not problems,
        kind=kind,
        errors=_problems([(p.element_id, p.message) for p in problems]),
        notes=_problems([(n.element_id, n.message) for n in notes]),
    ), 200


@bp.post("/modeler/deploy")
@owner_required
def deploy() -> tuple[Response, int]:
    try:
        filename, xml = _upload()
        # A table no process calls yet changes nothing that runs: it is kept for the diagram that will call it.
        saved = uploads.save_new_table(filename, xml, current_user)
        if saved is not None:
            return jsonify(saved=saved.name, deployed=[]), 201
        submitted = proposals.submit("upload", {"filename": filename, "xml": xml}, current_user)
    except _Refusal as refusal:
        return jsonify(errors=refusal.errors), 422
    except DiagramError as err:
        return jsonify(errors=_problems(err.problems)), 422
    except DomainError as err:
        return jsonify(errors=[{"element_id": None, "message": err.message}]), err.status
    if submitted.proposal is not None:
        return jsonify(proposal_view(submitted.proposal)), 202
    results = submitted.results
    first = results[0]
    return jsonify(
        process_key=first.process_key,
        version=first.version,
        created=first.created,
        deployed=[{"process_key": r.process_key, "version": r.version, "created": r.created} for r in results],
    ), 201


@bp.get("/instances/<id:instance_id>/diagram")
@login_required
def instance_state(instance_id: int) -> Response:
    return jsonify(diagram_state.for_instance(current_user, instance_id).as_json())
