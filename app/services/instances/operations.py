"""Named operations that service tasks in a diagram may call.

Diagrams reach the outside world only through this registry, so a process owner
can wire a step to "write the credit file" without any Python in the diagram.
Operations run inside the calling use case's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ...extensions import db
from ...models import AuditEvent, CreditDecision, Customer, ProcessInstance, User
from ..deadlines.workdays import WorkCalendar

DECISION_ACTIONS = ("approve", "reject", "return")


@dataclass
class OperationContext:
    instance: ProcessInstance
    actor: User | None
    now: datetime
    calendar: WorkCalendar


Operation = Callable[[OperationContext, dict[str, Any], dict[str, Any]], dict[str, Any]]


def _customer(code: str) -> Customer | None:
    return db.session.scalars(db.select(Customer).where(Customer.code == code)).first()


def load_credit_file(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    customer = _customer(str(data.get("customer_code", "")))
    if customer is None:
        return {"exists": False, "current_limit": None, "grade": None, "term_days": None}
    return {
        "exists": True,
        "current_limit": float(customer.credit_limit) if customer.credit_limit is not None else None,
        "grade": customer.grade,
        "term_days": customer.term_days,
    }


def _approvals(instance_id: int) -> list[dict[str, Any]]:
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.instance_id == instance_id, AuditEvent.action.in_(DECISION_ACTIONS))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [
        {
            "task": e.task_name,
            "task_en": e.task.name_en if e.task is not None else None,
            "action": e.action,
            "actor": e.actor.username if e.actor else None,
            "actor_name": e.actor.name_zh if e.actor else None,
            "comment": e.comment,
            "approved_limit": e.details.get("approved_limit"),
            "at": e.at.isoformat(),
        }
        for e in events
    ]


def record_credit_decision(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    now = ctx.now
    code = str(data["customer_code"])
    customer = _customer(code)
    if customer is None:
        customer = Customer(code=code, name=str(data.get("customer_name") or code), updated_at=now)
        db.session.add(customer)
    customer.name = str(data.get("customer_name") or customer.name)
    approved = data.get("decision") == "approve"
    limit = Decimal(str(data.get("approved_limit") or 0)).quantize(Decimal("0.01")) if approved else Decimal("0")
    term = int(data.get("approved_term_days") or 0) if approved else 0
    filer = db.session.scalars(db.select(User).where(User.username == data.get("filed_by"))).first()
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
        approvals=_approvals(ctx.instance.id),
        filed_by_id=filer.id if filer else None,
        decided_at=now,
    )
    db.session.add(decision)
    customer.grade = data.get("grade") or customer.grade
    if approved:
        customer.credit_limit = limit
        customer.term_days = term
        customer.credit_type = data.get("credit_type")
    customer.updated_at = now
    db.session.flush()
    return {"decision_id": decision.id, "decision": decision.decision}


OPERATIONS: dict[str, Operation] = {
    "load_credit_file": load_credit_file,
    "record_credit_decision": record_credit_decision,
}


def register(name: str) -> Callable[[Operation], Operation]:
    """Add an operation from another module (keeps this registry free of import cycles)."""

    def add(fn: Operation) -> Operation:
        OPERATIONS[name] = fn
        return fn

    return add
