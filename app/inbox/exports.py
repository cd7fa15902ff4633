"""The inbox's tabs as Excel, with the filters the page shows."""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..exports import company_time, refused, role_label, status_label, xlsx_response
from ..services.common import spreadsheet
from ..services.common.errors import ValidationFailed
from ..services.desk import inbox as inbox_service
from .blueprint import bp


@bp.route("/tasks.xlsx")
@login_required
def tasks_export() -> Response | tuple[str, int]:
    raw = {k: v for k, v in request.args.items() if k in inbox_service.FILTER_FIELDS and v != ""}
    try:
        query = inbox_service.parse_query(raw)
    except ValidationFailed as err:
        return refused(err)
    page = inbox_service.list_page(current_user, query, limit=inbox_service.MAX_PAGE_SIZE)
    headers = [_("Number"), _("Task"), _("Title"), _("Customer"), _("Holder"), _("Status"), _("Received"), _("Due")]
    rows = (
        [
            t.business_key or "",
            t.display_name,
            t.display_title,
            t.customer or "",
            t.assignee.display_name if t.assignee else role_label(t.role),
            status_label(t.status),
            company_time(t.created_at),
            company_time(t.due_at),
        ]
        for t in page.rows
    )
    return xlsx_response(spreadsheet.workbook(_("Inbox"), headers, rows), f"inbox-{query.tab}.xlsx")
