"""The inbox list page: tabs, filters, saved filters, claim and give back, bulk decisions."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..services.common.errors import ValidationFailed
from ..services.desk import bulk as bulk_service
from ..services.desk import inbox as inbox_service
from ..services.desk import saved_filters as filter_service
from ..services.desk import tasks as task_service
from ..views import run_action
from .blueprint import bp


class CsrfForm(FlaskForm):
    """Carries only the CSRF token for one-button actions."""


class SaveFilterForm(FlaskForm):
    name = StringField(validators=[Optional(), Length(max=200)])


class BulkForm(FlaskForm):
    comment = TextAreaField(validators=[Optional(), Length(max=4000)])


def _filter_args() -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k in inbox_service.FILTER_FIELDS and v != ""}


def _errors_text(err: ValidationFailed) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in err.errors.items())


@bp.route("/tasks")
@login_required
def tasks() -> tuple[str, int]:
    raw = _filter_args()
    if "scope" in request.args and "tab" not in raw:  # links written before the tabs had their own name
        raw["tab"] = request.args["scope"]
    status = 200
    try:
        query = inbox_service.parse_query(raw)
        page = inbox_service.list_page(
            current_user, query, after=request.args.get("after") or None, before=request.args.get("before") or None
        )
    except ValidationFailed as err:
        flash(_errors_text(err), "error")
        query, status = inbox_service.InboxQuery(), 422
        page = inbox_service.list_page(current_user, query)
    bulk_ids = {t.id for t in page.rows if t.status == "open" and _bulk_form(t.form_key)}
    return render_template(
        "inbox/tasks.html",
        page=page,
        query=page.query,
        params=page.query.params(),
        tab=page.query.tab,
        processes=inbox_service.processes_in_inbox(current_user),
        saved=filter_service.list_for(current_user),
        bulk_ids=bulk_ids,
        action_form=CsrfForm(),
        save_form=SaveFilterForm(),
        bulk_form=BulkForm(),
    ), status


def _bulk_form(form_key: str | None) -> bool:
    if not form_key:
        return False
    try:
        return bool(current_app.extensions["forms"].get(form_key).bulk)
    except Exception:  # noqa: BLE001 - a form missing from disk only hides the checkbox
        return False


@bp.route("/tasks/<id:task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id: int) -> Response:
    if not CsrfForm().validate_on_submit():
        abort(400)
    run_action(lambda: task_service.unclaim(task_id, current_user), _("Given back to the role's queue"))
    return redirect(url_for("inbox.tasks", tab="mine"))


@bp.route("/tasks/filters", methods=["POST"])
@login_required
def save_filter() -> Response:
    form = SaveFilterForm()
    if not form.validate_on_submit():
        abort(400)
    params = {k: v for k, v in request.form.items() if k in inbox_service.FILTER_FIELDS and v != ""}
    try:
        row = filter_service.save(current_user, form.name.data, params)
        flash(_("Filter saved: %(name)s", name=row.name), "info")
    except ValidationFailed as err:
        flash(_errors_text(err), "error")
    return redirect(url_for("inbox.tasks", **params))


@bp.route("/tasks/filters/<id:filter_id>")
@login_required
def apply_filter(filter_id: int) -> Response:
    row = filter_service.get_for(current_user, filter_id)
    return redirect(url_for("inbox.tasks", **filter_service.query_of(row).params()))


@bp.route("/tasks/filters/<id:filter_id>/delete", methods=["POST"])
@login_required
def delete_filter(filter_id: int) -> Response:
    if not CsrfForm().validate_on_submit():
        abort(400)
    filter_service.delete(current_user, filter_id)
    flash(_("Filter deleted"), "info")
    return redirect(url_for("inbox.tasks"))


@bp.route("/tasks/bulk", methods=["POST"])
@login_required
def bulk() -> Response | str:
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("task_ids") if v.isdigit() and len(v) < 10]
    try:
        results = bulk_service.decide(current_user, ids, request.form.get("decision"), form.comment.data or "")
    except ValidationFailed as err:
        flash(_errors_text(err), "error")
        return redirect(request.referrer or url_for("inbox.tasks"))
    return render_template("inbox/bulk_result.html", results=results, decision=request.form.get("decision"))
