"""JSON endpoints of the credit file: finance's receivables record and the responsible salesperson."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from ..services.common.errors import ValidationFailed
from ..services.credit import credit_file as customer_service
from ..services.credit import receivables as receivables_service
from .auth import api_user, token_required
from .blueprint import bp
from .serializers import receivables_json

Reply = tuple[Any, int]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("must be a JSON object")]})
    return body


@bp.put("/customers/<code>/receivables")
@token_required
def put_receivables(code: str) -> Reply:
    body = _body()
    values = {"balance": body.get("balance"), "overdue": body.get("overdue"), "as_of": body.get("as_of")}
    customer = receivables_service.record(code, api_user(), values)
    return jsonify(code=customer.code, receivables=receivables_json(customer)), 200


@bp.put("/customers/<code>/responsible")
@token_required
def put_responsible(code: str) -> Reply:
    body = _body()
    customer = customer_service.reassign(code, api_user(), body.get("salesperson"), body.get("reason"))
    return jsonify(code=customer.code, responsible=customer.responsible.username if customer.responsible else None), 200
