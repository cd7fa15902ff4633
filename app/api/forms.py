"""Task forms over the API: list them, read one, create a form and save new versions of it.

A definition is either a form designer schema (form-js: `components`) or a JSON form as in forms/.
Whatever is saved is served at once to every task and start page that names the form, and checked
by the server with the same rules on every submission.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..services.common.errors import Forbidden, NotFound, ValidationFailed
from ..services.modeling import form_versions
from ..taskforms import FormDefinitionError, is_designed
from .auth import api_user, token_required
from .blueprint import bp
from .bodies import body, refusals
from .forms_shapes import FormAnswer, FormBody, FormList, FormSaved, FormUpdate


def _require_owner() -> None:
    if not api_user().has_role("process_owner"):
        raise Forbidden(_l("only a process owner may manage forms"))


def _definition(sent: dict[str, Any]) -> dict[str, Any]:
    definition = sent.get("definition")
    if not isinstance(definition, dict):
        raise ValidationFailed({"definition": [_l("must be a JSON object: a form designer schema or a JSON form")]})
    return definition


@bp.get("/forms")
@bp.output(FormList)
@refusals(403)
@token_required
def list_forms() -> dict[str, Any]:
    """Every form with its newest version (0: only the file in forms/), its format and its title."""
    _require_owner()
    return {
        "forms": [
            {"key": f["key"], "version": f["version"], "title": f["title"]["zh_CN"], "title_en": f["title"]["en"]}
            for f in form_versions.summaries()
        ]
    }


@bp.get("/forms/<form_key>")
@bp.output(FormAnswer)
@refusals(403, 404)
@token_required
def read_form(form_key: str) -> dict[str, Any]:
    """The newest definition as saved, with its version; `format` is `designed` or `json`."""
    _require_owner()
    try:
        definition = form_versions.current_definition(form_key)
    except FormDefinitionError as err:
        raise NotFound(_l("there is no form %(key)s", key=form_key)) from err
    return {
        "key": form_key,
        "version": form_versions.current_version(form_key),
        "format": "designed" if is_designed(definition) else "json",
        "definition": definition,
    }


@bp.post("/forms")
@bp.output(FormSaved, status_code=201)
@refusals(403, 409, 422)
@token_required
@body(FormBody)
def create_form(sent: dict[str, Any]) -> dict[str, Any]:
    """A new form as version 1; 409 if the key is taken, 422 naming what is wrong in the definition."""
    _require_owner()
    row = form_versions.create(str(sent.get("key") or ""), _definition(sent), api_user())
    return {"key": row.form_key, "version": row.version}


@bp.put("/forms/<form_key>")
@bp.output(FormSaved)
@refusals(403, 404, 409, 422)
@token_required
@body(FormUpdate)
def update_form(form_key: str, sent: dict[str, Any]) -> dict[str, Any]:
    """The next version of a form; with `version` (the one edited) a stale edit is a 409."""
    _require_owner()
    row = form_versions.update(form_key, _definition(sent), sent.get("version"), api_user())
    return {"key": row.form_key, "version": row.version}
