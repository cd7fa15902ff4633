"""Task forms: edited as JSON with a preview rendered by the code that renders the real form, or drawn
in the form designer (form-js)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..services.common.errors import DomainError, ValidationFailed
from ..services.modeling import form_versions
from ..taskforms import FormNotFound, build_form_class, is_designed
from .access import body_within_limit, owner_required
from .blueprint import bp


def _current(form_key: str) -> str:
    try:
        return form_versions.current_text(form_key)
    except FormNotFound:
        abort(404)


@bp.get("/modeler/forms/<form_key>")
@owner_required
def form(form_key: str) -> str:
    return render_template(
        "modeler/form.html",
        form_key=form_key,
        text=_current(form_key),
        versions=form_versions.versions(form_key),
        errors=[],
        designed=is_designed(form_versions.current_definition(form_key)),
    )


@bp.post("/modeler/forms/<form_key>")
@owner_required
def save_form(form_key: str) -> Response | tuple[str, int]:
    _current(form_key)  # only existing forms are edited here
    body_within_limit()
    text = request.form.get("definition", "")
    try:
        row = form_versions.save(form_key, text, current_user)
    except ValidationFailed as err:
        errors = [message for messages in err.errors.values() for message in messages]
        page = render_template(
            "modeler/form.html",
            form_key=form_key,
            text=text,
            versions=form_versions.versions(form_key),
            errors=errors,
        )
        return page, 422
    flash(_("Form %(key)s saved as version %(version)s", key=form_key, version=row.version), "info")
    return redirect(url_for("modeler.form", form_key=form_key))


@bp.post("/modeler/forms/<form_key>/preview")
@owner_required
def preview_form(form_key: str) -> tuple[Response, int]:
    body_within_limit()
    body = request.get_json(silent=True)
    text = body.get("definition") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return jsonify(errors=[_("no form definition was sent")]), 422
    try:
        _raw, form_def = form_versions.check_definition(form_key, text)
    except ValidationFailed as err:
        return jsonify(errors=[m for ms in err.errors.values() for m in ms]), 422
    locale = "en" if request.args.get("locale") == "en" else "zh_CN"
    preview = build_form_class(form_def, locale=locale)(meta={"csrf": False})
    html = render_template("modeler/_form_preview.html", form=preview, form_def=form_def)
    return jsonify(html=html, errors=[]), 200


def _designer_page(form_key: str | None, definition: dict[str, Any] | None, version: int) -> str:
    return render_template(
        "modeler/form_designer.html",
        form_key=form_key,
        definition=definition or {"type": "default", "components": []},
        version=version,
        versions=form_versions.versions(form_key) if form_key else [],
    )


@bp.get("/modeler/forms/new")
@owner_required
def new_form() -> str:
    return _designer_page(None, None, 0)


@bp.get("/modeler/forms/<form_key>/design")
@owner_required
def design_form(form_key: str) -> str | Response:
    try:
        definition = form_versions.current_definition(form_key)
    except FormNotFound:
        abort(404)
    if not is_designed(definition):
        flash(_("This form is written as JSON: edit it here, or make a new form in the designer"), "info")
        return redirect(url_for("modeler.form", form_key=form_key))
    return _designer_page(form_key, definition, form_versions.current_version(form_key))


@bp.post("/modeler/forms/<form_key>/design")
@owner_required
def save_designed_form(form_key: str) -> tuple[Response, int]:
    """The designer's save: a new form (version 0 sent) or the next version of this one."""
    body_within_limit()
    body = request.get_json(silent=True)
    definition = body.get("definition") if isinstance(body, dict) else None
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(definition, dict) or not is_designed(definition):
        return jsonify(errors=[_("no form definition was sent")]), 422
    if not isinstance(version, int) or isinstance(version, bool):
        return jsonify(errors=[_("no form definition was sent")]), 422
    try:
        if version == 0:
            row = form_versions.create(form_key, definition, current_user)
        else:
            row = form_versions.update(form_key, definition, version, current_user)
    except ValidationFailed as err:
        return jsonify(errors=[m for ms in err.errors.values() for m in ms]), 422
    except DomainError as err:
        return jsonify(errors=[err.message]), err.status
    return jsonify(
        key=row.form_key,
        version=row.version,
        url=url_for("modeler.design_form", form_key=row.form_key),
        message=_("Form %(key)s saved as version %(version)s", key=row.form_key, version=row.version),
    ), 200
