from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..services.deadlines import supervision as desk_service
from ..views import run_action
from .blueprint import bp


class ReassignForm(FlaskForm):
    assignee = StringField(validators=[DataRequired(), Length(max=64)])
    reason = StringField(validators=[DataRequired(), Length(max=2000)])


@bp.route("/supervision")
@login_required
def index() -> str:
    filters = {k: (request.args.get(k) or None) for k in ("process", "role", "person")}
    desk = desk_service.desk(current_user, **filters)
    max_count = max(desk.counts_by_department.values(), default=0)
    return render_template(
        "supervision/desk.html",
        desk=desk,
        filters=filters,
        form=ReassignForm(),
        max_count=max_count,
        department_name=desk_service.department_name,
    )


@bp.route("/supervision/tasks/<id:task_id>/reassign", methods=["POST"])
@login_required
def reassign(task_id: int) -> Response:
    form = ReassignForm()
    form.validate_on_submit()  # the service decides: who may reassign first, then what was given
    run_action(
        lambda: desk_service.reassign(task_id, current_user, form.assignee.data or "", form.reason.data or ""),
        _("Reassigned"),
    )
    return redirect(url_for("supervision.index"))
