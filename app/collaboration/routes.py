from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..api.collaboration import attachment_response
from ..models import ProcessInstance
from ..services.common.errors import DomainError, ValidationFailed
from ..services.desk import attachments as attachment_service
from ..services.desk import comments as comment_service
from ..services.desk import delegation as delegation_service
from ..services.desk import drafts as draft_service
from ..services.desk import returns as return_service
from ..services.people.access import may_act_on, may_take_part
from ..views import run_action
from .blueprint import bp


class ReturnForm(FlaskForm):
    target = StringField(validators=[Optional(), Length(max=20)])
    comment = StringField(validators=[Optional(), Length(max=2000)])


class CommentForm(FlaskForm):
    body = TextAreaField(validators=[Optional(), Length(max=4000)])


class UploadForm(FlaskForm):
    file = FileField()


class DelegationForm(FlaskForm):
    delegate = StringField(validators=[Optional(), Length(max=64)])
    starts_at = StringField(validators=[Optional(), Length(max=40)])
    ends_at = StringField(validators=[Optional(), Length(max=40)])
    reason = TextAreaField(validators=[Optional(), Length(max=2000)])


class CancelDelegationForm(FlaskForm):
    reason = StringField(validators=[Optional(), Length(max=2000)])


class ActionForm(FlaskForm):
    """Carries only the CSRF token."""


def _csrf_checked(form: FlaskForm) -> FlaskForm:
    # The service checks who may act and what was given; here only the token is required.
    if not form.validate_on_submit() and "csrf_token" in form.errors:
        abort(400)
    return form


def _back_to_instance(instance_id: int) -> Response:
    return redirect(url_for("processes.instance", instance_id=instance_id) + "#timeline")


@bp.route("/tasks/<id:task_id>/return", methods=["POST"])
@login_required
def return_task(task_id: int) -> Response:
    form = _csrf_checked(ReturnForm())
    run_action(
        lambda: return_service.return_task(task_id, current_user, form.target.data, form.comment.data or ""),
        _("Returned"),
    )
    return redirect(url_for("inbox.tasks"))


@bp.route("/tasks/<id:task_id>/draft", methods=["POST"])
@login_required
def save_draft(task_id: int) -> Response:
    _csrf_checked(ActionForm())
    fields = {k: v[0] if len(v) == 1 else v for k, v in request.form.to_dict(flat=False).items() if k != "csrf_token"}
    run_action(lambda: draft_service.save(task_id, current_user, fields), _("Draft saved"))
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/instances/<id:instance_id>/comments", methods=["POST"])
@login_required
def add_comment(instance_id: int) -> Response:
    form = _csrf_checked(CommentForm())
    run_action(lambda: comment_service.add(instance_id, current_user, form.body.data or ""), _("Comment added"))
    return _back_to_instance(instance_id)


@bp.route("/instances/<id:instance_id>/attachments", methods=["POST"])
@login_required
def upload(instance_id: int) -> Response:
    _csrf_checked(UploadForm())
    upload_file = request.files.get("file")
    run_action(
        lambda: attachment_service.upload(
            instance_id,
            current_user,
            upload_file.filename if upload_file else None,
            upload_file.stream if upload_file and upload_file.filename else None,
        ),
        _("File attached"),
    )
    return _back_to_instance(instance_id)


@bp.route("/attachments/<id:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    try:
        return attachment_response(*attachment_service.for_download(current_user, attachment_id))
    except DomainError as err:
        abort(err.status)


def _delegations_page(
    form: DelegationForm | None = None, errors: dict[str, list[str]] | None = None, cancelling: int | None = None
) -> str:
    return render_template(
        "collaboration/delegations.html",
        delegations=delegation_service.mine(current_user),
        form=form or DelegationForm(formdata=None),
        cancel_form=CancelDelegationForm(formdata=None),
        errors=errors or {},
        cancelling=cancelling,
    )


@bp.route("/delegations")
@login_required
def delegations() -> str:
    return _delegations_page()


@bp.route("/delegations", methods=["POST"])
@login_required
def create_delegation() -> Response | tuple[str, int]:
    form = _csrf_checked(DelegationForm())
    try:
        delegation_service.create(
            current_user, form.delegate.data, form.starts_at.data, form.ends_at.data, form.reason.data or ""
        )
    except ValidationFailed as err:
        # The page again, with what was typed and the error beside its field.
        return _delegations_page(form=form, errors=err.errors), 422  # type: ignore[arg-type]
    flash(_("Delegation saved"), "info")
    return redirect(url_for("collaboration.delegations"))


@bp.route("/delegations/<id:delegation_id>/cancel", methods=["POST"])
@login_required
def cancel_delegation(delegation_id: int) -> Response | tuple[str, int]:
    form = _csrf_checked(CancelDelegationForm())
    try:
        delegation_service.cancel(delegation_id, current_user, form.reason.data or "")
    except ValidationFailed as err:
        return _delegations_page(errors=err.errors, cancelling=delegation_id), 422
    except DomainError as err:
        if err.status in (403, 404):
            abort(err.status)
        flash(err.message, "error")
        return redirect(url_for("collaboration.delegations"))
    flash(_("Delegation cancelled"), "info")
    return redirect(url_for("collaboration.delegations"))


@bp.app_template_global()
def collaboration_timeline(instance: ProcessInstance) -> list[comment_service.TimelineEntry]:
    """For the instance page's timeline partial; the page itself has checked who may see it."""
    return comment_service.timeline(instance, current_user)  # type: ignore[arg-type]


@bp.app_template_global()
def collaboration_may_contribute(instance: ProcessInstance) -> bool:
    """Whether to offer comment, upload and copy-to: a copied colleague only reads and downloads."""
    return may_take_part(current_user, instance)  # type: ignore[arg-type]


@bp.app_template_global()
def collaboration_may_return(task: object) -> bool:
    if getattr(task, "status", None) != "open" or getattr(task, "bpmn_id", None) == return_service.RESUBMIT_STEP:
        return False
    if getattr(task, "sign_kind", None):
        return False  # a signer among several approves or rejects; the step goes back from its holder
    return may_act_on(current_user, task)  # type: ignore[arg-type]


@bp.app_template_global()
def collaboration_draft(task_id: int) -> dict[str, object]:
    try:
        draft = draft_service.get(task_id, current_user)
    except DomainError:
        return {}
    return dict(draft.data) if draft is not None else {}
