from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..models import ProcessInstance
from ..services.audit import trail
from ..services.common.errors import ValidationFailed
from ..services.credit import confidential, ledger, limits_view
from ..services.credit import credit_file as customer_service
from ..services.credit import receivables as receivables_service
from ..services.people.access import roles_of
from ..views import describe, run_action
from .blueprint import bp


class SheetForm(FlaskForm):
    """Carries only the CSRF token; the file comes as `file`."""


class ReassignForm(FlaskForm):
    salesperson = StringField(validators=[Optional(), Length(max=64)])
    reason = StringField(validators=[Optional(), Length(max=2000)])


def _may_record() -> bool:
    return bool(roles_of(current_user) & receivables_service.RECORDERS)


@bp.route("/customers")
@login_required
def index() -> str:
    credit_role = bool(roles_of(current_user) & confidential.CREDIT_ROLES)
    return render_template(
        "customers/index.html",
        customers=customer_service.list_customers(current_user),
        totals=ledger.totals() if credit_role else None,
        sheet_form=SheetForm() if _may_record() else None,
    )


@bp.route("/customers/receivables", methods=["POST"])
@login_required
def upload_receivables() -> Response | tuple[str, int]:
    form = SheetForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again"), "error")
        return redirect(url_for("customers.index"))
    upload = request.files.get("file")
    limit = current_app.config["RECEIVABLES_SHEET_MAX_BYTES"]
    content = upload.stream.read(limit + 1) if upload else b""
    try:
        count = receivables_service.upload(current_user, upload.filename if upload else "", content)
    except ValidationFailed as err:
        flash(describe(err), "error")
        return index(), 422
    flash(_("Recorded %(count)s customers' receivables", count=count), "info")
    return redirect(url_for("customers.index"))


@bp.route("/customers/<code>")
@login_required
def credit_file(code: str) -> str:
    customer = customer_service.read_credit_file(code, current_user)
    reassign = ReassignForm() if "sales_manager" in roles_of(current_user) else None
    readers = trail.file_readers(current_user, code)
    limits = limits_view.file_view(customer, current_user)
    return render_template(
        "customers/credit_file.html", customer=customer, reassign_form=reassign, readers=readers, limits=limits
    )


@bp.route("/customers/<code>/responsible", methods=["POST"])
@login_required
def reassign(code: str) -> Response:
    form = ReassignForm()
    form.validate_on_submit()  # the service checks who may act first, then what was given
    run_action(
        lambda: customer_service.reassign(code, current_user, form.salesperson.data or "", form.reason.data or ""),
        _("Reassigned"),
    )
    return redirect(url_for("customers.credit_file", code=code))


@bp.app_context_processor
def _credit_panel() -> dict[str, object]:
    """Templates of the desk show a credit application's credit-file figures through this, and only
    to readers of the file (each showing audited)."""

    def credit_figures(instance: ProcessInstance) -> confidential.Figures | None:
        return confidential.figures_for(current_user, instance, f"page:instance:{instance.id}")

    return {"credit_figures": credit_figures}
