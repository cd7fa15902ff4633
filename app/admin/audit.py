"""The audit trail page with its Excel export, and the people import from a spreadsheet."""

from __future__ import annotations

from flask import Response, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services.audit import trail
from ..services.common.errors import Forbidden, ValidationFailed
from ..services.people import spreadsheet, staff
from .blueprint import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/audit")
@login_required
def audit() -> str | tuple[str, int]:
    if not trail.may_read(current_user):
        raise Forbidden(
            _("only the administrator, the finance director and the credit controller read the audit trail")
        )
    args = {k: v for k, v in request.args.items()}
    try:
        rows, after = trail.page(current_user, args)
    except ValidationFailed as err:
        return render_template("admin/audit.html", rows=[], after=None, args=args, errors=err.errors), 422
    return render_template("admin/audit.html", rows=rows, after=after, args=args, errors={})


@bp.route("/audit.xlsx")
@login_required
def audit_export() -> Response:
    data = trail.export_xlsx(current_user, dict(request.args.items()), trail.export_headers())
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": "attachment; filename=audit.xlsx"})


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_people() -> str | tuple[str, int]:
    staff.require_admin(current_user)
    if request.method == "GET":
        return render_template("admin/import.html", preview=None, errors={}, applied=False)
    upload = request.files.get("file")
    dry_run = request.form.get("apply") != "1"
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed({"file": [_("choose the spreadsheet to upload")]})
        people = spreadsheet.import_people(current_user, upload.read(spreadsheet.MAX_BYTES + 1), dry_run=dry_run)
    except ValidationFailed as err:
        return render_template("admin/import.html", preview=None, errors=err.errors, applied=False), 422
    if not dry_run:
        flash(_("%(count)s people created", count=len(people)), "info")
    return render_template("admin/import.html", preview=people, errors={}, applied=not dry_run)


@bp.route("/import/template.xlsx")
@login_required
def import_template() -> Response:
    staff.require_admin(current_user)
    notes = [
        _("One person per row. The first row names the columns; keep it as it is."),
        _("roles: role keys separated by commas; supervisor: a login, in this sheet or already here."),
        _("Nothing is saved unless every row is right: errors name the row and the column."),
    ]
    return Response(
        spreadsheet.template_xlsx(notes),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=people-template.xlsx"},
    )
