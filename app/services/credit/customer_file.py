"""The customer file as a whole (客户档案, 000 §4.1.2): the credit file with the customer's contacts,
finance's receivables over time, every process run for the customer (applications, reviews,
adjustments, over-limit cases, renewals) and their complaints. Each read is recorded like any read
of the credit file (confidentiality, 第三篇 五)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Complaint, CreditDecision, Customer, CustomerContact, ProcessInstance, User
from ..common.errors import Forbidden, NotFound
from ..common.transactions import transactional
from .credit_file import audit_read, find, may_read

# Processes whose instances are listed under their own heading (complaints), not among the cases.
_LISTED_APART = ("complaint_handling",)


@dataclass(frozen=True)
class CustomerFile:
    customer: Customer
    grant: CreditDecision | None
    contacts: list[CustomerContact]
    cases: list[ProcessInstance]
    complaints: list[Complaint]
    chart: dict[str, Any]


def current_grant(customer: Customer) -> CreditDecision | None:
    """The latest approval: its term of validity is the one running now."""
    return next((d for d in customer.decisions if d.decision == "approve"), None)


def contacts_of(customer: Customer) -> list[CustomerContact]:
    return list(
        db.session.scalars(
            db.select(CustomerContact).where(CustomerContact.customer_id == customer.id).order_by(CustomerContact.id)
        )
    )


def cases_of(code: str) -> list[ProcessInstance]:
    """Every instance of any process whose data names this customer, newest first: a process added
    later (a review, an adjustment, a renewal) is listed without this code knowing it."""
    named = ProcessInstance.data["customer_code"].as_string() == code
    query = (
        db.select(ProcessInstance)
        .where(named, ProcessInstance.process_key.not_in(_LISTED_APART))
        .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
        .limit(500)
    )
    return list(db.session.scalars(query))


def complaints_of(code: str) -> list[Complaint]:
    query = (
        db.select(Complaint)
        .where(Complaint.customer_code == code)
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(500)
    )
    return list(db.session.scalars(query))


def _day(value: date) -> str:
    return value.isoformat()


def chart_data(customer: Customer, grant: CreditDecision | None) -> dict[str, Any]:
    """The receivables over time, oldest first, as the chart draws them: one point per as-of date
    (the latest recording of that date wins, as it does in the file)."""
    by_day: dict[date, tuple[float, float]] = {}
    for record in sorted(customer.receivables, key=lambda r: (r.as_of, r.id)):
        by_day[record.as_of] = (float(record.balance), float(record.overdue))
    days = sorted(by_day)
    return {
        "dates": [_day(d) for d in days],
        "balance": [by_day[d][0] for d in days],
        "overdue": [by_day[d][1] for d in days],
        "limit": None if customer.credit_limit is None else float(customer.credit_limit),
        "valid_until": _day(grant.valid_until) if grant and grant.valid_until else None,
    }


@transactional
def read_file(code: str, user: User, where: str = "credit_file") -> CustomerFile:
    """The whole file for a reader of the credit file; the read is audited."""
    customer = find(code)
    if customer is None:
        raise NotFound(_l("no credit file for customer '%(code)s'", code=code))
    if not may_read(user, customer):
        raise Forbidden(_l("your role does not give access to credit files"))
    audit_read(user, code, where)
    _ = (customer.decisions, customer.receivables, customer.responsible)  # loaded for the caller
    grant = current_grant(customer)
    cases = cases_of(code)
    for case in cases:
        _ = case.process_version
    complaints = complaints_of(code)
    return CustomerFile(customer, grant, contacts_of(customer), cases, complaints, chart_data(customer, grant))
