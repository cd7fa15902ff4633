"""JSON endpoints of the customer file: the whole file, the filtered list, finance's receivables
record and the responsible salesperson."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from ..i18n import current_locale
from ..models import CustomerContact
from ..services.common.errors import ValidationFailed
from ..services.credit import contacts as contact_service
from ..services.credit import credit_file as customer_service
from ..services.credit import customer_file as file_service
from ..services.credit import file_list
from ..services.credit import receivables as receivables_service
from ..services.instances.lifecycle import instance_title, process_name
from .auth import api_user, token_required
from .blueprint import bp
from .bodies import ContactBody, FileQuery, body, refusals
from .serializers import customer_json, receivables_json
from .shapes_customers import Contact, CustomerFile, FileList

Reply = tuple[Any, int]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("must be a JSON object")]})
    return body


def _money(value: Any) -> float | None:
    return None if value is None else float(value)


def contact_json(c: CustomerContact) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "position": c.position,
        "phone": c.phone,
        "email": c.email,
        "website": c.website,
        "note": c.note,
        "updated_at": c.updated_at,
    }


def file_json(found: file_service.CustomerFile) -> dict[str, Any]:
    locale = current_locale()
    return {
        **customer_json(found.customer),
        "contacts": [contact_json(c) for c in found.contacts],
        "cases": [
            {
                "instance_id": i.id,
                "process_key": i.process_key,
                "process_name": process_name(i.process_key, locale),
                "status": i.status,
                "business_key": i.business_key,
                "title": instance_title(i, locale),
                "started_at": i.started_at,
                "ended_at": i.ended_at,
            }
            for i in found.cases
        ],
        "complaints": [
            {
                "number": c.number,
                "instance_id": c.instance_id,
                "category": c.category,
                "received_at": c.received_at,
                "closed_at": c.closed_at,
                "outcome": c.outcome,
            }
            for c in found.complaints
        ],
    }


@bp.get("/customers/<code>")
@bp.output(CustomerFile)
@refusals(403, 404)
@token_required
def customer(code: str) -> dict[str, Any]:
    """A customer's file: the credit file with every decision and its approvals, the receivables
    records, the contacts, every process run for the customer and their complaints (the read is audited)."""
    return file_json(file_service.read_file(code, api_user(), "api:customer"))


@bp.get("/customers")
@bp.output(FileList)
@refusals(403, 422)
@token_required
@bp.input(FileQuery, location="query", arg_name="query")
def customers(query: dict[str, Any]) -> dict[str, Any]:
    """The customer files the caller may read, filtered; each file listed is recorded as read."""
    filters = file_list.parse_filters(query)
    rows = file_list.list_files(api_user(), filters, "api:customers")
    return {
        "customers": [
            {
                "code": r.customer.code,
                "name": r.customer.name,
                "grade": r.customer.grade,
                "limit": _money(r.customer.credit_limit),
                "term_days": r.customer.term_days,
                "responsible": r.responsible,
                "balance": _money(r.customer.receivables_balance),
                "overdue": _money(r.customer.overdue_balance),
                "receivables_as_of": r.customer.receivables_as_of.isoformat() if r.customer.receivables_as_of else None,
                "over_limit": r.over_limit,
                "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            }
            for r in rows
        ]
    }


@bp.post("/customers/<code>/contacts")
@bp.output(Contact, status_code=201)
@refusals(403, 404, 422)
@token_required
@body(ContactBody)
def add_contact(code: str, sent: dict[str, Any]) -> dict[str, Any]:
    """Add a contact to the customer's file (the responsible salesperson or the sales manager; audited)."""
    return contact_json(contact_service.save(code, api_user(), sent))


@bp.put("/customers/<code>/contacts/<id:contact_id>")
@bp.output(Contact)
@refusals(403, 404, 422)
@token_required
@body(ContactBody)
def change_contact(code: str, contact_id: int, sent: dict[str, Any]) -> dict[str, Any]:
    """Change a contact: every field as it should now be (audited with what it was)."""
    return contact_json(contact_service.save(code, api_user(), sent, contact_id))


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
