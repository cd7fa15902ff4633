from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..extensions import db
from ..models import ProcessVersion
from ..services.common.errors import ProcessFailed, ValidationFailed
from ..services.complaints import cases as complaint_service
from ..services.desk import actions as action_service
from ..services.desk import lists as list_service
from ..services.instances import chain as chain_service
from ..services.instances import incidents as incident_service
from ..services.instances import lifecycle as instance_service
from ..services.instances import unowned as unowned_service
from ..taskforms import build_form_class, form_to_data
from ..views import data_rows, describe, run_action
from .blueprint import bp


def _startable() -> list[instance_service.StartForm]:
    keys = db.session.scalars(db.select(ProcessVersion.process_key).distinct().order_by(ProcessVersion.process_key))
    forms = [instance_service.start_form(key) for key in keys]
    return [f for f in forms if instance_service.may_start(current_user, f)]


@bp.route("/processes")
@login_required
def index() -> str:
    return render_template("processes/index.html", processes=_startable())


@bp.route("/processes/<process_key>/start", methods=["GET", "POST"])
@login_required
def start(process_key: str) -> str | Response | tuple[str, int]:
    info = instance_service.start_form(process_key)
    if not instance_service.may_start(current_user, info):
        return render_template("error.html", message=_("You may not start this process"), status=403), 403
    # Opened from a page about something (a credit file): what that page knows is filled in.
    prefill = instance_service.start_prefill(process_key, current_user, request.args) if request.args else {}
    form_cls = build_form_class(info.form, context=prefill)
    form = form_cls(data=prefill) if prefill and request.method == "GET" else form_cls()
    if form.validate_on_submit():
        try:
            instance = instance_service.start(process_key, current_user, form_to_data(form, info.form))
            flash(_("Submitted: %(title)s", title=instance.title), "info")
            return redirect(url_for("processes.instance", instance_id=instance.id))
        except ValidationFailed as err:
            for name, messages in err.errors.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(messages)
    status = 422 if form.is_submitted() else 200
    return render_template("processes/start.html", info=info, form=form, form_def=info.form), status


@bp.route("/instances/<id:instance_id>")
@login_required
def instance(instance_id: int) -> str:
    row = instance_service.get_for(current_user, instance_id)
    list_service.mark_copy_read(current_user, row.id)
    complaint = complaint_service.for_instance(row.id)
    tasks = instance_service.tasks_of(row)
    return render_template(
        "processes/instance.html",
        instance=row,
        rows=data_rows(row),
        chain=chain_service.chain(row),
        tasks=tasks,
        urgeable={t.id for t in tasks if t.status == "open" and action_service.may_urge(t, current_user)},
        complaint=complaint,
        links=complaint_service.linked(complaint) if complaint else None,
    )


class RetryForm(FlaskForm):
    """Carries only the CSRF token."""


@bp.route("/incidents")
@login_required
def incidents() -> str:
    rows = incident_service.open_incidents(current_user)
    return render_template(
        "processes/incidents.html",
        instances=rows,
        unowned=unowned_service.open_unowned([i.id for i in rows]),
        may_retry=current_user.has_role("process_owner"),
        form=RetryForm(),
    )


@bp.route("/incidents/tasks/<id:task_id>/assign", methods=["POST"])
@login_required
def assign_unowned(task_id: int) -> Response:
    form = InstanceActionForm()
    if not form.validate_on_submit():
        abort(400)
    run_action(
        lambda: unowned_service.assign(task_id, current_user, form.user.data or "", form.comment.data or ""),
        _("Assigned"),
    )
    return redirect(url_for("processes.incidents"))


@bp.route("/incidents/<id:instance_id>/retry", methods=["POST"])
@login_required
def retry(instance_id: int) -> Response:
    if not RetryForm().validate_on_submit():
        abort(400)
    try:
        incident_service.retry(instance_id, current_user)
        flash(_("Retried"), "info")
    except ProcessFailed as err:
        flash(err.message, "error")
    return redirect(url_for("processes.incidents"))


class InstanceActionForm(FlaskForm):
    user = StringField(validators=[Optional(), Length(max=64)])
    comment = StringField(validators=[Optional(), Length(max=2000)])


def _instance_action(
    instance_id: int, action: Callable[[InstanceActionForm], object], done: str
) -> Response | tuple[str, int]:
    form = InstanceActionForm()
    form.validate_on_submit()  # the service checks who may act first, then what was given
    try:
        run_action(lambda: action(form), done, raise_invalid=True)
    except ValidationFailed as err:
        # The instance page again, telling which field was missing or wrong; nothing was changed.
        flash(describe(err), "error")
        return instance(instance_id), 422
    return redirect(url_for("processes.instance", instance_id=instance_id))


@bp.route("/instances/<id:instance_id>/withdraw", methods=["POST"])
@login_required
def withdraw(instance_id: int) -> Response | tuple[str, int]:
    return _instance_action(
        instance_id,
        lambda f: action_service.withdraw(instance_id, current_user, f.comment.data or ""),
        _("Withdrawn"),
    )


@bp.route("/instances/<id:instance_id>/copy-to", methods=["POST"])
@login_required
def copy_to(instance_id: int) -> Response | tuple[str, int]:
    return _instance_action(
        instance_id,
        lambda f: action_service.copy_to(instance_id, current_user, f.user.data or "", f.comment.data or ""),
        _("Copied"),
    )
