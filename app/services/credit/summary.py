"""The quarterly summary of prepaid and credit-sale customers (《预付、赊销客户汇总表》, 第二十九、三十条):
once the quarter's refreshes are finished, every customer with a limit or a balance goes to the general
manager and then the chairman to approve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import AuditEvent, CreditDecision, CreditReview, Customer
from ...models.credit_reviews import COMPANY
from ..common.transactions import transactional
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from .quarterly import company_review

PROCESS = "credit_quarterly_summary"


def summary_rows() -> list[dict[str, Any]]:
    """Every customer holding a limit or owing a balance (a customer with credit sales but no limit too)."""
    customers = db.session.scalars(
        db.select(Customer)
        .where((Customer.credit_limit > 0) | (Customer.receivables_balance > 0))
        .order_by(Customer.code)
    ).all()
    rows = []
    for c in customers:
        valid_until = db.session.scalar(
            db.select(CreditDecision.valid_until)
            .where(CreditDecision.customer_id == c.id, CreditDecision.decision == "approve")
            .order_by(CreditDecision.decided_at.desc(), CreditDecision.id.desc())
            .limit(1)
        )
        rows.append(
            {
                "code": c.code,
                "name": c.name,
                "grade": c.grade,
                "limit": float(c.credit_limit) if c.credit_limit is not None else None,
                "term_days": c.term_days,
                "balance": float(c.receivables_balance) if c.receivables_balance is not None else None,
                "overdue": float(c.overdue_balance) if c.overdue_balance is not None else None,
                "valid_until": valid_until.isoformat() if valid_until else None,
            }
        )
    return rows


def _quarter_done(period: str) -> bool:
    """The quarter's pass has begun and none of its refreshes is still open."""
    rows = db.session.execute(
        db.select(CreditReview.subject, CreditReview.finished_at).where(
            CreditReview.kind == "quarterly", CreditReview.period == period
        )
    ).all()
    return any(r.subject == COMPANY for r in rows) and all(r.finished_at for r in rows if r.subject != COMPANY)


def start_summary(period: str, now: datetime) -> int:
    @transactional
    def make() -> int:
        if company_review("summary", period) is not None:
            return 0
        if not _quarter_done(period):
            return 0
        rows = summary_rows()
        if not rows:
            return 0
        review = CreditReview(kind="summary", period=period, subject=COMPANY, created_at=now, details={"rows": rows})
        db.session.add(review)
        db.session.flush()  # the unique (kind, period, subject) makes a second scheduler's attempt fail here
        instance = start_system_instance(
            PROCESS,
            {"review_id": review.id, "summary_period": period, "customers_count": len(rows)},
            business_key=period,
        )
        review.instance_id = instance.id
        return 1

    try:
        return make()
    except IntegrityError:
        db.session.rollback()
        return 0


@register("record_credit_summary")
def record_credit_summary(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The summary's approval (or refusal) with each approver's opinion, kept with the summary."""
    review = db.session.get(CreditReview, int(data["review_id"]))
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.instance_id == ctx.instance.id, AuditEvent.action.in_(("approve", "reject")))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    opinions = [
        {
            "step": e.task_name,
            "by": e.actor.username if e.actor else None,
            "decision": e.action,
            "comment": e.comment,
            "at": e.at.isoformat(),
        }
        for e in events
    ]
    approved = bool(opinions) and all(o["decision"] == "approve" for o in opinions) and len(opinions) >= 2
    review.outcome = "approved" if approved else "rejected"
    review.details = {**review.details, "opinions": opinions}
    review.finished_at = ctx.now
    return {"outcome": review.outcome}
