"""The customer files list as Excel, with the page's filters: only the files the reader may see, and
each one listed recorded as read, as on the page."""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..exports import refused, xlsx_response
from ..services.common import spreadsheet
from ..services.common.errors import ValidationFailed
from ..services.credit import file_list
from .blueprint import bp


def _money(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


@bp.route("/customers.xlsx")
@login_required
def export() -> Response | tuple[str, int]:
    try:
        filters = file_list.parse_filters(request.args)
    except ValidationFailed as err:
        return refused(err)
    rows = file_list.list_files(current_user, filters, "export") if file_list.may_list(current_user) else []
    headers = [
        _("Code"),
        _("Customer"),
        _("Grade"),
        _("Limit"),
        _("Term (days)"),
        _("Responsible salesperson"),
        _("Receivables balance"),
        _("Overdue"),
        _("Receivables as of"),
        _("Over the limit"),
        _("Valid until"),
    ]
    lines = (
        [
            r.customer.code,
            r.customer.name,
            r.customer.grade or "",
            _money(r.customer.credit_limit),
            r.customer.term_days,
            r.customer.responsible.display_name if r.customer.responsible else "",
            _money(r.customer.receivables_balance),
            _money(r.customer.overdue_balance),
            r.customer.receivables_as_of,
            _("yes") if r.over_limit else _("no"),
            r.valid_until,
        ]
        for r in rows
    )
    return xlsx_response(spreadsheet.workbook(_("Credit files"), headers, lines), "credit-files.xlsx")
