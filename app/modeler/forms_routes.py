"""Task forms edited as JSON, with a preview rendered by the same code that renders the real form."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..services.common.errors import ValidationFailed
from ..services.modeling import form_versions
from ..taskforms import FormNotFound, build_form_class
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
