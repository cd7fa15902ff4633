from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..models import ProcessInstance
from ..services.common.errors import Conflict, ValidationFailed
from ..services.desk import actions as action_service
from ..services.desk import attachments as attachment_service
from ..services.desk import drafts as draft_service
from ..services.desk import signers as signer_service
from ..services.desk import tasks as task_service
from ..services.instances import chain as chain_service
from ..services.instances import lifecycle as instance_service
from ..services.notifications import notices
from ..system_facts import has_system_facts
from ..taskforms import FormDef, build_form_class, form_to_data
from ..views import data_rows, run_action
from .blueprint import bp


class ActionForm(FlaskForm):
    """Carries only the CSRF token for one-button actions."""


@bp.route("/")
@login_required
def index() -> Response:
    return redirect(url_for("inbox.tasks"))


@bp.route("/tasks/<id:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        task_service.claim(task_id, current_user)
        flash(_("Claimed"), "info")
    except Conflict as err:
        flash(err.message, "error")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/tasks/<id:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int) -> str | Response | tuple[str, int]:
    row = task_service.get_task_for(current_user, task_id)
    instance: ProcessInstance = row.instance
    form_def = current_app.extensions["forms"].get(row.form_key) if row.form_key else None
    form = None
    if form_def is not None and row.status == "open":
        form_cls = build_form_class(form_def, context=instance.data)
        prefill = {f.name: instance.data.get(f.name) for f in form_def.fields if f.name in instance.data}
        form = form_cls(data=prefill) if request.method == "GET" and form_def.prefill else form_cls()
        saved = draft_service.get(task_id, current_user) if request.method == "GET" else None
        if saved is not None:
            form = form_cls(formdata=draft_service.as_formdata(saved))
    status = 200
    if request.method == "POST":
        if row.status != "open":
            flash(_("This task has already been handled"), "error")
            return redirect(url_for("inbox.tasks"))
        if form is not None and form.validate_on_submit():
            try:
                _attach_uploads(form, form_def, instance.id)
                task_service.complete(task_id, current_user, form_to_data(form, form_def))
                flash(_("Submitted: %(name)s", name=row.display_name), "info")
                return redirect(url_for("inbox.tasks"))
            except ValidationFailed as err:
                for name, messages in err.errors.items():
                    field = getattr(form, name, None)
                    if field is not None:
                        field.errors = list(messages)
            except Conflict as err:
                flash(err.message, "error")
                return redirect(url_for("inbox.tasks"))
        status = 422
    return render_template(
        "inbox/task.html",
        task=row,
        instance=instance,
        form=form,
        form_def=form_def,
        rows=data_rows(instance),
        chain=chain_service.chain(instance, current_user),
        system_task=has_system_facts(instance),
        action_form=ActionForm(),
        escalations=instance_service.escalations_of(row),
        colleagues=[u for u in notices.role_holders(row.role) if u.id != current_user.id] if row.role else [],
        added_signers=signer_service.waiting_for(row) if row.status in ("open", "held") else [],
    ), status


def _attach_uploads(form: FlaskForm, form_def: FormDef, instance_id: int) -> None:
    """Files chosen in a file field become the instance's attachments; the field keeps their numbers."""
    for fdef in form_def.fields:
        field = form[fdef.name] if fdef.type == "file" else None
        for upload in getattr(field, "uploads", None) or []:
            try:
                stored = attachment_service.upload(instance_id, current_user, upload.filename, upload.stream)
            except ValidationFailed as err:
                raise ValidationFailed({fdef.name: [m for ms in err.errors.values() for m in ms]}) from err
            field.data = [*(field.data or []), stored.id]
        if field is not None:
            field.uploads = []


class OpinionForm(FlaskForm):
    assignee = StringField(validators=[Optional(), Length(max=64)])
    comment = StringField(validators=[Optional(), Length(max=2000)])


@bp.route("/tasks/<id:task_id>/transfer", methods=["POST"])
@login_required
def transfer(task_id: int) -> Response:
    form = OpinionForm()
    form.validate_on_submit()  # the service checks who may act first, then what was given
    run_action(
        lambda: action_service.transfer(task_id, current_user, form.assignee.data or "", form.comment.data or ""),
        _("Transferred"),
    )
    return redirect(url_for("inbox.tasks"))


class SignerForm(FlaskForm):
    user = StringField(validators=[Optional(), Length(max=64)])
    position = StringField(validators=[Optional(), Length(max=10)])
    reason = StringField(validators=[Optional(), Length(max=2000)])


@bp.route("/tasks/<id:task_id>/add-signer", methods=["POST"])
@login_required
def add_signer(task_id: int) -> Response:
    form = SignerForm()
    form.validate_on_submit()  # the service checks who may act first, then what was given
    run_action(
        lambda: signer_service.add_signer(
            task_id, current_user, form.user.data or "", form.position.data or "", form.reason.data or ""
        ),
        _("Signer added"),
    )
    # Back to the task: a signer added after waits for the holder's own decision, one added before
    # leaves the page saying whom the task waits for.
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/tasks/<id:task_id>/urge", methods=["POST"])
@login_required
def urge(task_id: int) -> Response:
    form = OpinionForm()
    form.validate_on_submit()
    run_action(lambda: action_service.urge(task_id, current_user, form.comment.data or ""), _("Reminder sent"))
    return redirect(request.referrer or url_for("inbox.tasks"))
