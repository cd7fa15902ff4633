"""JSON endpoints for customer service: the case clock of every open complaint."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ..clock import to_company_iso
from ..services.complaints import case_clock
from .auth import api_user, token_required
from .blueprint import bp


def case_clock_json(row: case_clock.CaseClock) -> dict[str, Any]:
    c = row.complaint
    return {
        "number": c.number,
        "instance_id": c.instance_id,
        "customer_name": c.customer_name,
        "category": c.category,
        "region": c.region,
        "received_at": to_company_iso(c.received_at),
        "due_at": to_company_iso(c.due_at),
        "hours_left": row.hours_left,
        "at_risk": row.at_risk,
        "overdue": row.overdue,
        "escalated_at": to_company_iso(c.case_escalated_at) if c.case_escalated_at else None,
    }


@bp.get("/complaints/open")
@token_required
def open_complaints() -> tuple[Any, int]:
    rows = case_clock.open_cases_for(api_user())
    return jsonify(complaints=[case_clock_json(r) for r in rows]), 200
