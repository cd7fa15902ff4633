"""The service tasks of the credit application: read the credit file's facts, write the decision into it.

The facts the policy table needs about earlier credit and settlement come from here (the file's
grants and finance's receivables record, 第三十五条), never from the filer.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import bindparam

from ...extensions import db
from ...models import AuditEvent, CreditDecision, Customer, User
from ..common.wording import english_beside
from ..instances.operations import OperationContext, register
from .credit_file import find
from .ledger import check_headroom, company_today

DECISION_ACTIONS = ("approve", "reject", "return")


def _granted(customer_id: Any) -> Any:
    return db.select(CreditDecision.id).where(
        CreditDecision.customer_id == customer_id, CreditDecision.decision == "approve"
    )


def has_had_grant(customer: Customer) -> bool:
    return bool(db.session.scalar(_granted(customer.id)))


# Every credit application reads it as it starts: the file and whether it ever had a grant, in one
# statement built once.
_FILE_AND_GRANT = db.select(Customer, _granted(Customer.id).exists()).where(Customer.code == bindparam("code"))


def receivables_out_of_date(customer: Customer | None, today: date) -> bool:
    if customer is None or customer.receivables_as_of is None:
        return False
    return (today - customer.receivables_as_of).days > current_app.config["RECEIVABLES_MAX_AGE_DAYS"]


def file_facts(customer: Customer | None, today: date, prior: bool | None = None) -> dict[str, Any]:
    """What the policy reads from the credit file, as plain values (`prior`: whether it ever had a grant,
    when already read)."""
    if customer is None:
        return {
            "exists": False,
            "current_limit": None,
            "grade": None,
            "term_days": None,
            "has_prior_credit": False,
            "previous_credit_settled": True,
            "receivables_balance": None,
            "overdue_balance": None,
            "receivables_as_of": None,
            "receivables_out_of_date": False,
        }
    if prior is None:
        prior = has_had_grant(customer)
    balance = customer.receivables_balance
    # Settled means finance's latest record shows nothing owed. Without any record, a customer who
    # never had credit owes us nothing from it; one who had credit must be shown settled by finance.
    settled = (balance == 0) if balance is not None else not prior
    return {
        "exists": True,
        "current_limit": float(customer.credit_limit) if customer.credit_limit is not None else None,
        "grade": customer.grade,
        "term_days": customer.term_days,
        "has_prior_credit": prior,
        "previous_credit_settled": settled,
        "receivables_balance": float(balance) if balance is not None else None,
        "overdue_balance": float(customer.overdue_balance) if customer.overdue_balance is not None else None,
        "receivables_as_of": customer.receivables_as_of.isoformat() if customer.receivables_as_of else None,
        "receivables_out_of_date": receivables_out_of_date(customer, today),
    }


@register("load_credit_file")
def load_credit_file(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    found = db.session.execute(_FILE_AND_GRANT, {"code": str(data.get("customer_code", ""))}).first()
    customer, prior = found if found is not None else (None, None)
    return file_facts(customer, company_today(ctx.now), prior)


def _approvals(instance_id: int) -> list[dict[str, Any]]:
    """Every approver's answer; those given before the application changed are marked as superseded."""
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.instance_id == instance_id, AuditEvent.action.in_((*DECISION_ACTIONS, "supersede")))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    last_change = max((i for i, e in enumerate(events) if e.action == "supersede"), default=-1)
    return [
        {
            "task": e.task_name,
            "task_en": e.task.name_en if e.task is not None else None,
            "action": e.action,
            "actor": e.actor.username if e.actor else None,
            "actor_name": e.actor.name_zh if e.actor else None,
            "comment": e.comment,
            "approved_limit": e.details.get("approved_limit"),
            "confirmed_grade": e.details.get("confirmed_grade"),
            "superseded": i < last_change,
            "at": e.at.isoformat(),
        }
        for i, e in enumerate(events)
        if e.action != "supersede"
    ]


def validity(start: date, months: int) -> date:
    """The last day of a term of `months` calendar months starting on `start` (the contract year)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


@register("record_credit_decision")
def record_credit_decision(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    now = ctx.now
    code = str(data["customer_code"])
    customer = find(code)
    if customer is None:
        # Filing makes the file; this covers instances filed before files were made at filing.
        customer = Customer(code=code, name=str(data.get("customer_name") or code), updated_at=now)
        db.session.add(customer)
    approved = data.get("decision") == "approve"
    limit = Decimal(str(data.get("approved_limit") or 0)).quantize(Decimal("0.01")) if approved else Decimal("0")
    if approved:
        # The grant is written here, so here the company's total is held until the commit (第二十四条).
        check_headroom(limit, code, locked=True)
    term = int(data.get("approved_term_days") or 0) if approved else 0
    filer = db.session.scalars(db.select(User).where(User.username == data.get("filed_by"))).first()
    today = company_today(now)
    reason_key = "rejection_reason" if data.get("rejection_reason") else "policy_reason"
    decision = CreditDecision(
        customer=customer,
        instance_id=ctx.instance.id,
        decision="approve" if approved else "reject",
        grade=data.get("grade"),
        credit_type=data.get("credit_type"),
        requested_limit=Decimal(str(data.get("requested_limit") or 0)),
        credit_limit=limit,
        term_days=term,
        reason=None if approved else (data.get("rejection_reason") or data.get("policy_reason")),
        reason_en=None if approved else english_beside(data, reason_key),
        approvals=_approvals(ctx.instance.id),
        filed_by_id=filer.id if filer else None,
        decided_at=now,
        valid_from=today if approved else None,
        valid_until=validity(today, current_app.config["CREDIT_VALIDITY_MONTHS"]) if approved else None,
    )
    db.session.add(decision)
    customer.grade = data.get("grade") or customer.grade
    if customer.responsible_id is None and filer is not None:
        customer.responsible_id = filer.id
    if approved:
        customer.credit_limit = limit
        customer.term_days = term
        customer.credit_type = data.get("credit_type")
    customer.updated_at = now
    db.session.flush()
    return {"decision_id": decision.id, "decision": decision.decision}


def approvals_of(instance_id: int) -> list[dict[str, Any]]:
    """Every approver's answer on one instance, as the credit file keeps it."""
    return _approvals(instance_id)
