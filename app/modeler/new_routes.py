"""Starting something new in the modeler: a process from a blank diagram, a decision table from a
blank table. Nothing is kept until the editor deploys it."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ..services.common.errors import ValidationFailed
from ..services.modeling import blanks
from .access import owner_required
from .blueprint import bp
from .routes import panel_choices


def _asked(fields: tuple[str, ...]) -> dict[str, str]:
    return {name: request.args.get(name, "") for name in fields}


@bp.get("/modeler/processes/new")
@owner_required
def new_process() -> str | tuple[str, int]:
    """The key and name form; once they are given and free, the modeler on a blank diagram."""
    values = _asked(("process_key", "name"))
    fields = [("process_key", _("Process key (letters, digits and _)")), ("name", _("Process name"))]
    if "process_key" not in request.args:
        return render_template("modeler/new_document.html", kind="process", fields=fields, values=values, errors={})
    try:
        xml = blanks.new_process(values["process_key"], values["name"])
    except ValidationFailed as err:
        page = render_template(
            "modeler/new_document.html", kind="process", fields=fields, values=values, errors=err.errors
        )
        return page, 422
    return render_template(
        "modeler/model.html",
        **panel_choices(),
        process_key=values["process_key"].strip(),
        new_name=values["name"].strip(),
        blank_xml=xml,
        versions=[],
        changes={},
        shown=None,
        latest=None,
    )


@bp.get("/modeler/decisions/new")
@owner_required
def new_decision() -> str | tuple[str, int]:
    """The decision's id and name, what it reads and what it sets; then dmn-js on a table with no rules."""
    values = _asked(("decision_id", "name", "reads", "sets"))
    fields = [
        ("decision_id", _("Decision id (letters, digits and _)")),
        ("name", _("Name")),
        ("reads", _("Input: the variable it reads")),
        ("sets", _("Output: the variable it sets")),
    ]
    if "decision_id" not in request.args:
        return render_template("modeler/new_document.html", kind="decision", fields=fields, values=values, errors={})
    try:
        table = blanks.new_decision(values["decision_id"], values["name"], values["reads"], values["sets"])
    except ValidationFailed as err:
        page = render_template(
            "modeler/new_document.html", kind="decision", fields=fields, values=values, errors=err.errors
        )
        return page, 422
    return render_template("modeler/decision.html", name=table.filename, blank_xml=table.xml)
