"""The credit files list as Excel: only the files the reader may see, as on the page."""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..exports import xlsx_response
from ..services.common import spreadsheet
from ..services.credit import credit_file as customer_service
from .blueprint import bp


@bp.route("/customers.xlsx")
@login_required
def export() -> Response:
    headers = [_("Code"), _("Customer"), _("Grade"), _("Limit"), _("Term (days)")]
    rows = (
        [c.code, c.name, c.grade or "", float(c.credit_limit) if c.credit_limit is not None else None, c.term_days]
        for c in customer_service.list_customers(current_user)
    )
    return xlsx_response(spreadsheet.workbook(_("Credit files"), headers, rows), "credit-files.xlsx")
