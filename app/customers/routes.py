from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..exports import status_label
from ..models import ProcessInstance
from ..services.audit import trail
from ..services.common.errors import ValidationFailed
from ..services.complaints.cases import CATEGORY_NAMES
from ..services.credit import confidential, contacts, file_list, ledger, limits_view
from ..services.credit import credit_file as customer_service
from ..services.credit import customer_file as file_service
from ..services.credit import receivables as receivables_service
from ..services.people.access import roles_of
from ..views import describe, run_action
from .blueprint import bp
from .forms import ContactForm


class SheetForm(FlaskForm):
    """Carries only the CSRF token; the file comes as `file`."""


class ReassignForm(FlaskForm):
    salesperson = StringField(validators=[Optional(), Length(max=64)])
    reason = StringField(validators=[Optional(), Length(max=2000)])


def _may_record() -> bool:
    return bool(roles_of(current_user) & receivables_service.RECORDERS)


@bp.route("/customers")
@login_required
def index() -> str | tuple[str, int]:
    credit_role = bool(roles_of(current_user) & confidential.CREDIT_ROLES)
    try:
        filters = file_list.parse_filters(request.args)
    except ValidationFailed as err:
        flash(describe(err), "error")
        filters, status = file_list.Filters(), 422
    else:
        status = 200
    # Someone who reads no credit file sees an empty list; each file listed is recorded as read.
    rows = file_list.list_files(current_user, filters, "page:customers") if file_list.may_list(current_user) else []
    page = render_template(
        "customers/index.html",
        rows=rows,
        filters=filters,
        grades=file_list.GRADES,
        totals=ledger.totals() if credit_role else None,
        sheet_form=SheetForm() if _may_record() else None,
    )
    return (page, status) if status != 200 else page


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
    found = file_service.read_file(code, current_user)
    reassign = ReassignForm() if "sales_manager" in roles_of(current_user) else None
    readers = trail.file_readers(current_user, code)
    limits = limits_view.file_view(found.customer, current_user)
    return render_template(
        "customers/credit_file.html",
        customer=found.customer,
        found=found,
        contact_form=ContactForm() if contacts.may_edit(current_user, found.customer) else None,
        categories=CATEGORY_NAMES,
        status_label=status_label,
        reassign_form=reassign,
        readers=readers,
        limits=limits,
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
