"""The credit reviews' sheets, as Excel downloads and as PDFs for printing and filing."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..exports import xlsx_response
from ..models import CreditReview
from ..services.common import spreadsheet
from ..services.credit import review_sheets as sheets
from ..services.instances import record as record_service
from ..services.people.accounts import display_name_of
from .blueprint import bp

FORMATS = ("xlsx", "pdf")


def _deliver(
    review: CreditReview, title: str, headers: list[str], rows: list[list[Any]], name: str, fmt: str
) -> Response:
    if fmt == "xlsx":
        return xlsx_response(spreadsheet.workbook(title, headers, rows), f"{name}.xlsx")
    html = render_template(
        "customers/review_sheet.html",
        title=title,
        review=review,
        headers=headers,
        rows=rows,
        audit=review.details.get("audit"),
        opinions=review.details.get("opinions") or [],
        name_of=display_name_of,
        company=current_app.config["COMPANY_NAME"],
        now=clock.now(),
    )
    response = Response(record_service.to_pdf(html, base_url=request.host_url), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@bp.route("/customers/reviews/<int:review_id>/sheet.<fmt>")
@login_required
def review_sheet(review_id: int, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    review = sheets.read(current_user, review_id, "monthly")
    headers = [str(h) for h in sheets.EVALUATION_HEADERS]
    title = _("Credit limit execution sheet %(month)s", month=review.period)
    return _deliver(review, title, headers, sheets.evaluation_rows(review), f"credit-sheet-{review.period}", fmt)


@bp.route("/customers/summaries/<int:summary_id>/summary.<fmt>")
@login_required
def summary_sheet(summary_id: int, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    review = sheets.read(current_user, summary_id, "summary")
    headers = [str(h) for h in sheets.SUMMARY_HEADERS]
    title = _("Summary of prepaid and credit-sale customers %(quarter)s", quarter=review.period)
    return _deliver(review, title, headers, sheets.summary_rows(review), f"credit-summary-{review.period}", fmt)
