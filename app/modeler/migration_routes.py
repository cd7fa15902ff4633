"""Deploying several files together, and moving running instances to another version."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..engine.parsing import MAX_XML_BYTES
from ..services.common.errors import DomainError, ValidationFailed
from ..services.modeling import deployments, instance_migration, process_models, proposals
from .access import owner_required
from .blueprint import bp


def _chosen_version(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@bp.get("/modeler/processes/<process_key>/migrate")
@owner_required
def migrate_page(process_key: str) -> str | Response:
    versions = process_models.versions(process_key)
    if not versions:
        return redirect(url_for("modeler.index"))
    latest = versions[0][0].version
    to_version = _chosen_version(request.args.get("to_version")) or latest
    mapping = {
        key[len("map_") :]: value for key, value in request.args.items() if key.startswith("map_") and value.strip()
    }
    plans = instance_migration.plan(current_user, process_key, to_version, mapping=mapping)
    return render_template(
        "modeler/migrate.html",
        process_key=process_key,
        versions=[v.version for v, _n in versions],
        to_version=to_version,
        plans=plans,
        mapping=mapping,
        steps_to_map=sorted({el for p in plans for el, _m in p.problems if el} | set(mapping)),
    )


@bp.post("/modeler/processes/<process_key>/migrate")
@owner_required
def migrate_instances(process_key: str) -> Response:
    to_version = _chosen_version(request.form.get("to_version"))
    ids = [int(i) for i in request.form.getlist("instance_ids") if i.isdigit()]
    mapping = {
        key[len("map_") :]: value.strip()
        for key, value in request.form.items()
        if key.startswith("map_") and value.strip()
    }
    back = url_for(
        "modeler.migrate_page",
        process_key=process_key,
        to_version=to_version,
        **{f"map_{k}": v for k, v in mapping.items()},
    )
    try:
        moved = instance_migration.migrate(current_user, process_key, to_version, ids, mapping)
    except instance_migration.MigrationRefused as err:
        for plan in err.plans:
            for element, message in plan.problems:
                flash(
                    _("Instance %(id)s, step %(step)s: %(why)s", id=plan.instance_id, step=element, why=message),
                    "error",
                )
        return redirect(back)
    except ValidationFailed as err:
        for messages in err.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(back)
    flash(_("%(n)s instances now run on version %(v)s", n=len(moved), v=moved[0].to_version), "info")
    return redirect(url_for("modeler.model", process_key=process_key))


@bp.post("/modeler/deploy-files")
@owner_required
def deploy_files() -> Response:
    sent = request.files.getlist("file")[: deployments.MAX_FILES]
    files = []
    for upload in sent:
        raw = upload.read(MAX_XML_BYTES + 1)
        name = (upload.filename or "upload")[:200]
        text = _text_of(raw)
        if text is None:
            flash(
                _("%(file)s: not a UTF-8 text file of at most %(kb)s KB", file=name, kb=MAX_XML_BYTES // 1024), "error"
            )
            return redirect(url_for("modeler.index"))
        files.append((name, text))
    if not files:
        flash(_("Choose the files to deploy"), "error")
        return redirect(url_for("modeler.index"))
    try:
        submitted = proposals.submit("files", {"files": [{"name": n, "text": t} for n, t in files]}, current_user)
    except deployments.DeploymentRefused as err:
        for name, element, message in err.problems:
            flash(f"{name}{' · ' + element if element else ''}: {message}", "error")
        return redirect(url_for("modeler.index"))
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("modeler.index"))
    if submitted.proposal is not None:
        flash(_("Waiting for approval: change proposal %(id)s", id=submitted.proposal.id), "info")
        return redirect(url_for("modeler.proposal", proposal_id=submitted.proposal.id))
    for result in submitted.results:
        flash(_("%(key)s: version %(v)s", key=result.process_key, v=result.version), "info")
    return redirect(url_for("modeler.index"))


def _text_of(raw: bytes) -> str | None:
    if len(raw) > MAX_XML_BYTES:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
