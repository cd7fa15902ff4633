"""The complaints list as Excel, with the cases the complaints page shows the reader."""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..exports import company_time, xlsx_response
from ..extensions import db
from ..models import Complaint
from ..services.common import spreadsheet
from ..services.complaints import cases as complaint_service
from ..services.people.access import complaint_instances_of
from .blueprint import bp


@bp.route("/complaints.xlsx")
@login_required
def export() -> Response:
    # The same cases the complaints page shows this person: the whole register, or only their own.
    query = db.select(Complaint).order_by(Complaint.received_at.desc()).limit(200)
    visible = complaint_instances_of(current_user)
    if visible is not None:
        query = query.where(Complaint.instance_id.in_(visible))
    complaints = db.session.scalars(query).all()
    names = complaint_service.CATEGORY_NAMES
    headers = [_("Number"), _("Customer"), _("Category"), _("Received"), _("Case due"), _("Closed")]
    rows = (
        [
            c.number,
            c.customer_name,
            str(names.get(c.category, c.category)),
            company_time(c.received_at),
            company_time(c.due_at),
            company_time(c.closed_at),
        ]
        for c in complaints
    )
    return xlsx_response(spreadsheet.workbook(_("Complaints"), headers, rows), "complaints.xlsx")
