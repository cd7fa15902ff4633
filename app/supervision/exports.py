"""The supervisor desk as Excel, with the page's filters."""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..exports import company_time, xlsx_response
from ..services.common import spreadsheet
from ..services.deadlines import supervision as desk_service
from .blueprint import bp


@bp.route("/supervision.xlsx")
@login_required
def export() -> Response:
    filters = {k: (request.args.get(k) or None) for k in ("process", "role", "person")}
    desk = desk_service.desk(current_user, **filters)
    headers = [_("Task"), _("Holder"), _("Department"), _("Due"), _("Late working days"), _("Late hours")]
    rows = (
        [
            row.task.display_title,
            row.holder,
            desk_service.department_name(row.department),
            company_time(row.task.due_at),
            row.late_working_days if row.overdue else 0,
            row.late_hours if row.overdue else 0,
        ]
        for row in desk.rows
    )
    return xlsx_response(spreadsheet.workbook(_("Supervisor desk"), headers, rows), "supervisor-desk.xlsx")
