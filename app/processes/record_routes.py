"""The approval record (审批单) of an instance as a PDF, for printing and filing."""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_login import current_user, login_required

from .. import clock
from ..services.instances import record as record_service
from ..views import data_rows
from .blueprint import bp


@bp.route("/instances/<id:instance_id>/record.pdf")
@login_required
def record_pdf(instance_id: int) -> Response:
    record = record_service.read(current_user, instance_id)
    html = render_template(
        "processes/record.html",
        record=record,
        instance=record.instance,
        rows=data_rows(record.instance),
        company=current_app.config["COMPANY_NAME"],
        now=clock.now(),
    )
    pdf = record_service.to_pdf(html, base_url=request.host_url)
    response = Response(pdf, mimetype="application/pdf")
    name = f"record-{record.instance.business_key or record.instance.id}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
