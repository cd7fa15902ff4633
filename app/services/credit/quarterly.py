"""The quarterly refresh (第十二条): each customer holding a limit gets its investigation back for the
responsible salesperson to confirm or correct; the decision tables grade it again, and a limit the new
grade or caps no longer bear starts a limit adjustment, else the file records "reviewed, unchanged"."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import AuditEvent, CreditDecision, CreditReview, Customer, HumanTask, ProcessInstance, User
from ...models.credit_reviews import COMPANY
from ..common.errors import ValidationFailed
from ..common.transactions import transactional
from ..instances import rules
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from .credit_file import find
from .review_adjustments import start_adjustment

PROCESS = "credit_quarterly_review"
FORM = "credit_quarterly_review"
# The investigation (第八条) as the application form holds it; the review carries it from one quarter to the next.
INVESTIGATION = (
    "contacts",
    "address",
    "shareholders",
    "legal_representative",
    "person_in_charge",
    "bank_accounts",
    "business_condition",
    "annual_revenue",
    "total_assets",
    "total_liabilities",
    "months_of_cooperation",
    "avg_monthly_shipment",
    "avg_monthly_collection",
    "credit_record",
    "bad_record_24m",
    "lawful",
    "good_operation_2y",
    "strong_capital",
    "meets_annual_target",
    "key_data_complete",
    "c_conditions",
    "collateral_value",
    "other_matters",
)
GRADE_RANK = {"A": 3, "B": 2, "C": 1}


def quarter_of(year: int, month: int) -> str:
    return f"{year}-Q{(month - 1) // 3 + 1}"


def holders() -> list[Customer]:
    """Every customer holding a limit: the ones the credit reviews are about."""
    return list(db.session.scalars(db.select(Customer).where(Customer.credit_limit > 0).order_by(Customer.code)))


def company_review(kind: str, period: str) -> CreditReview | None:
    """The company-wide row of a period's review (the quarter's pass, the month's review, the summary)."""
    return db.session.scalars(
        db.select(CreditReview).where(
            CreditReview.kind == kind, CreditReview.period == period, CreditReview.subject == COMPANY
        )
    ).first()


def last_investigation(customer: Customer) -> dict[str, Any]:
    """The investigation as last confirmed: the latest finished review, else the granted application."""
    review = db.session.scalars(
        db.select(CreditReview)
        .where(
            CreditReview.kind == "quarterly",
            CreditReview.customer_id == customer.id,
            CreditReview.finished_at.is_not(None),
        )
        .order_by(CreditReview.finished_at.desc(), CreditReview.id.desc())
        .limit(1)
    ).first()
    if review is not None and review.details.get("investigation"):
        return dict(review.details["investigation"])
    instance = db.session.scalars(
        db.select(ProcessInstance)
        .join(CreditDecision, CreditDecision.instance_id == ProcessInstance.id)
        .where(CreditDecision.customer_id == customer.id, CreditDecision.decision == "approve")
        .order_by(CreditDecision.decided_at.desc(), CreditDecision.id.desc())
        .limit(1)
    ).first()
    data = instance.data if instance is not None else {}
    return {key: data[key] for key in INVESTIGATION if data.get(key) is not None}


def start_quarter(period: str, now: datetime) -> int:
    """Start the period's review of every customer holding a limit, each once; returns how many started.

    The customers are those holding a limit when the quarter's first pass ran: a later pass catches up
    on them only, so a customer granted credit later in the month waits for the next quarter."""
    codes = set(_pass_customers(period, now))
    done = set(
        db.session.scalars(
            db.select(CreditReview.subject).where(
                CreditReview.kind == "quarterly", CreditReview.period == period, CreditReview.subject != COMPANY
            )
        )
    )
    return sum(_start_one(c.id, period, now) for c in holders() if c.code in codes - done)


def _pass_customers(period: str, now: datetime) -> list[str]:
    """The quarter's pass: begun once (the summary waits for it), with the customers it covers."""

    @transactional
    def make() -> list[str]:
        found = company_review("quarterly", period)
        if found is not None:
            return list(found.details.get("customers") or [])
        codes = [c.code for c in holders()]
        db.session.add(
            CreditReview(kind="quarterly", period=period, subject=COMPANY, created_at=now, details={"customers": codes})
        )
        db.session.flush()
        return codes

    try:
        return make()
    except IntegrityError:
        db.session.rollback()
        return make()


def _start_one(customer_id: int, period: str, now: datetime) -> int:
    @transactional
    def make() -> None:
        customer = db.session.get(Customer, customer_id)
        review = CreditReview(
            kind="quarterly",
            period=period,
            subject=customer.code,
            customer_id=customer.id,
            created_at=now,
            grade=customer.grade,
            limit_before=customer.credit_limit,
            details={},
        )
        db.session.add(review)
        db.session.flush()  # the unique (kind, period, subject) makes a second scheduler's attempt fail here
        current = float(customer.credit_limit or 0)
        seed: dict[str, Any] = {
            "collateral_value": 0.0,
            "c_conditions": [],
            **last_investigation(customer),
            "customer_code": customer.code,
            "customer_name": customer.name,
            "review_id": review.id,
            "review_period": period,
            "review_due_in": f"{current_app.config['CREDIT_REVIEW_WORKING_DAYS']} working days",
            "responsible": customer.responsible.username if customer.responsible else None,
            "current_limit": current,
            "current_grade": customer.grade,
            "credit_type": customer.credit_type or "long_term",
            # What the policy table reads from the file: this customer holds credit now; the review asks
            # whether its limit still fits the grade and the caps, not whether new credit may be granted.
            "credit_file": {"current_limit": current, "has_prior_credit": True, "previous_credit_settled": True},
        }
        instance = start_system_instance(PROCESS, seed, business_key=f"{customer.code} {period}")
        review.instance_id = instance.id

    try:
        make()
        return 1
    except IntegrityError:
        db.session.rollback()
        return 0


def _review(data: dict[str, Any]) -> CreditReview:
    return db.session.get(CreditReview, int(data["review_id"]))


def _reviewer(data: dict[str, Any]) -> User | None:
    """Who confirmed the investigation (the completion adds their name to the data)."""
    name = data.get("reviewed_by")
    return db.session.scalars(db.select(User).where(User.username == name)).first() if name else None


@register("start_review_adjustment")
def start_review_adjustment(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The new grade or caps fall below the current limit: propose the cap as the new limit (第四十一条)."""
    review = _review(data)
    current, proposed = Decimal(str(data["current_limit"])), Decimal(str(data["review_cap"]))
    reason = (
        f"季度复核（第十二条）：信用等级 {data.get('grade')}，政策上限 {proposed} 低于现有额度 {current}。"
        f"{data.get('policy_reason') or ''}"
    )
    started = start_adjustment(ctx.instance, str(data["customer_code"]), current, proposed, reason)
    review.proposed_limit = proposed
    review.grade = data.get("grade")
    review.outcome = "adjustment_started" if started.instance_id else "adjustment_not_started"
    review.note = started.note or None
    review.adjustment_instance_id = started.instance_id
    return {"started": started.instance_id is not None, "instance_id": started.instance_id}


@register("record_quarterly_review")
def record_quarterly_review(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Write the review into the credit file: the confirmed investigation, the grade, and what follows."""
    review = _review(data)
    customer = find(str(data["customer_code"]))
    grade = str(data.get("grade") or "")
    reviewer = _reviewer(data)
    review.grade = grade or None
    review.details = {
        "investigation": {key: data.get(key) for key in INVESTIGATION if key in data},
        "grade_reason": data.get("grade_reason"),
        "policy_reason": data.get("policy_reason"),
        "limit_cap": data.get("review_cap"),
        "comment": data.get("comment"),
        "reviewed_by": reviewer.username if reviewer else None,
    }
    if not data.get("needs_adjustment"):
        review.outcome = "unchanged"
        review.note = "已复核，额度不变 · reviewed, unchanged"
    review.finished_at = ctx.now
    # The table may grade lower at once; a higher grade waits for the next application's confirmation.
    if customer is not None and grade in GRADE_RANK and GRADE_RANK[grade] < GRADE_RANK.get(customer.grade or "", 4):
        customer.grade = grade
        customer.updated_at = ctx.now
    db.session.add(
        AuditEvent(
            at=ctx.now,
            actor_id=reviewer.id if reviewer else None,
            action="credit_review",
            instance_id=ctx.instance.id,
            subject=f"customer:{data['customer_code']}",
            comment=review.note,
            details={"kind": "quarterly", "period": review.period, "outcome": review.outcome, "grade": grade},
        )
    )
    return {"outcome": review.outcome, "grade": grade}


class ReviewRules:
    """What the reviews add to the generic completion path: nothing at start, no resubmissions."""

    def refused_fields(self, data: dict[str, Any]) -> dict[str, list[Any]]:
        return {}

    def before_start(self, user: User, clean: dict[str, Any]) -> dict[str, Any]:
        return {}

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        return {}

    def material_change(self, instance: ProcessInstance, clean: dict[str, Any]) -> bool:
        return False


class QuarterlyRules(ReviewRules):
    """The salesperson vouches for the investigation they confirm (第十条)."""

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        if task.form_key != FORM:
            return {}
        if clean.get("review_confirmed") is not True:
            raise ValidationFailed({"review_confirmed": [_l("the investigation must be vouched for (art. 10)")]})
        return {"reviewed_by": user.username}


rules.register(PROCESS, QuarterlyRules())
