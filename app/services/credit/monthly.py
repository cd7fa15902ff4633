"""The monthly review (第三十八–四十一条): each responsible salesperson reports in writing on each of
their credit customers (第三十九条); the credit controller checks the 客户授信额度执行评价表 made from
finance's receivables records and so audits the month's execution (第三十七、四十条); the sales manager
signs an evaluation per customer and may propose a lower limit, which starts a limit adjustment (第四十一条).

The sheet's figures stay out of the instance's data (a salesperson writing one report must not read
the others' customers): they are kept with the review and read through `review_sheets`, by the credit roles."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import AuditEvent, CreditReview, Customer, HumanTask, ProcessInstance, User
from ...models.credit_reviews import COMPANY
from ..common.errors import ValidationFailed
from ..common.transactions import transactional
from ..instances import rules
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from .credit_file import find
from .ledger import company_today
from .quarterly import ReviewRules, company_review, holders
from .review_adjustments import start_adjustment

PROCESS = "credit_monthly_review"
REPORT_FORM, SHEET_FORM, EVALUATION_FORM = (
    "credit_business_report",
    "credit_execution_sheet",
    "credit_monthly_evaluation",
)


def label_of(customer: Customer) -> str:
    """How a customer is named in the month's tasks (and in the inbox's customer column)."""
    return f"{customer.code} {customer.name}"[:120]


def sheet_rows(customers: list[Customer], today: date) -> list[dict[str, Any]]:
    """The 客户授信额度执行评价表 (第四十条) as finance's latest receivables records give it."""
    rows = []
    for c in customers:
        limit = float(c.credit_limit or 0)
        balance = float(c.receivables_balance) if c.receivables_balance is not None else None
        rows.append(
            {
                "code": c.code,
                "name": c.name,
                "responsible": c.responsible.username if c.responsible else None,
                "grade": c.grade,
                "limit": limit,
                "balance": balance,
                "overdue": float(c.overdue_balance) if c.overdue_balance is not None else None,
                "use_percent": round(balance / limit * 100, 1) if balance is not None and limit else None,
                "over_limit": balance is not None and balance > limit,
                "as_of": c.receivables_as_of.isoformat() if c.receivables_as_of else None,
                "age_days": (today - c.receivables_as_of).days if c.receivables_as_of else None,
            }
        )
    return rows


def start_month(period: str, now: datetime) -> int:
    """Start the month's review once, when any customer holds a limit; returns 1 if it started."""

    @transactional
    def make() -> int:
        if company_review("monthly", period) is not None:
            return 0
        customers = holders()
        if not customers:
            return 0
        review = CreditReview(
            kind="monthly",
            period=period,
            subject=COMPANY,
            created_at=now,
            details={"sheet": sheet_rows(customers, company_today(now)), "reports": {}, "evaluations": {}},
        )
        db.session.add(review)
        db.session.flush()  # the unique (kind, period, subject) makes a second scheduler's attempt fail here
        labels = [label_of(c) for c in customers]
        instance = start_system_instance(
            PROCESS,
            {
                "review_id": review.id,
                "review_month": period,
                "review_due_in": f"{current_app.config['CREDIT_MONTHLY_REVIEW_WORKING_DAYS']} working days",
                "customers_count": len(customers),
                "report_labels": labels,
                "responsible_of": {label_of(c): (c.responsible.username if c.responsible else None) for c in customers},
                "customer_of": {label_of(c): c.code for c in customers},
            },
            business_key=period,
        )
        review.instance_id = instance.id
        return 1

    try:
        return make()
    except IntegrityError:
        db.session.rollback()
        return 0


def _company_review(data: dict[str, Any]) -> CreditReview:
    return db.session.get(CreditReview, int(data["review_id"]))


def _who(name: Any) -> User | None:
    """The person a completion named in its data (each of the month's forms adds who filled it)."""
    return db.session.scalars(db.select(User).where(User.username == str(name))).first() if name else None


@register("collect_monthly_reports")
def collect_monthly_reports(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Keep the salespersons' reports and the controller's audit with the sheet, for the manager to read."""
    review = _company_review(data)
    customer_of = data.get("customer_of") or {}
    reports = {}
    for answer in data.get("business_reports") or []:
        label = str(answer.get("customer_name") or "")
        writer = _who(answer.get("written_by"))
        reports[customer_of.get(label, label)] = {
            "report": answer.get("business_report"),
            "by": writer.username if writer else None,
        }
    auditor = _who(data.get("checked_by"))
    review.details = {
        **review.details,
        "reports": reports,
        "audit": {
            "confirmed": bool(data.get("sheet_confirmed")),
            "corrections": data.get("corrections"),
            "findings": data.get("audit_findings"),
            "by": auditor.username if auditor else None,
            "at": ctx.now.isoformat(),
        },
    }
    return {"reports": len(reports)}


def _customer_row(review: CreditReview, customer: Customer, now: datetime) -> CreditReview:
    row = db.session.scalars(
        db.select(CreditReview).where(
            CreditReview.kind == "monthly", CreditReview.period == review.period, CreditReview.subject == customer.code
        )
    ).first()
    if row is None:
        row = CreditReview(
            kind="monthly",
            period=review.period,
            subject=customer.code,
            customer_id=customer.id,
            instance_id=review.instance_id,
            created_at=now,
            grade=customer.grade,
            limit_before=customer.credit_limit,
            details={},
        )
        db.session.add(row)
    return row


@register("record_monthly_review")
def record_monthly_review(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Each evaluation into its customer's file; a proposed lower limit starts its adjustment.

    Run again after a wait while an adjustment could not start: what was recorded stays as it is."""
    review = _company_review(data)
    customer_of = data.get("customer_of") or {}
    evaluations = dict(review.details.get("evaluations") or {})
    pending = 0
    for answer in data.get("evaluations") or []:
        label = str(answer.get("customer_name") or "")
        customer = find(str(customer_of.get(label, "")))
        if customer is None:
            continue
        row = _customer_row(review, customer, ctx.now)
        if row.finished_at is None:
            manager = _who(answer.get("evaluated_by"))
            report = (review.details.get("reports") or {}).get(customer.code) or {}
            row.details = {
                "report": report.get("report"),
                "reported_by": report.get("by"),
                "evaluation": answer.get("evaluation"),
                "evaluated_by": manager.username if manager else None,
            }
            row.outcome = "evaluated"
            row.note = str(answer.get("evaluation") or "")[:2000]
            row.finished_at = ctx.now
            evaluations[customer.code] = {**row.details, "proposed_limit": answer.get("proposed_limit")}
            db.session.add(
                AuditEvent(
                    at=ctx.now,
                    actor_id=manager.id if manager else None,
                    action="credit_review",
                    instance_id=ctx.instance.id,
                    subject=f"customer:{customer.code}",
                    comment=row.note,
                    details={"kind": "monthly", "period": review.period, "outcome": "evaluated"},
                )
            )
        proposed = answer.get("proposed_limit")
        if proposed in (None, "") or row.adjustment_instance_id is not None:
            continue
        row.proposed_limit = Decimal(str(proposed)).quantize(Decimal("0.01"))
        reason = f"月度评价（第四十一条）：{answer.get('evaluation') or ''}"
        started = start_adjustment(
            ctx.instance, customer.code, customer.credit_limit or Decimal("0"), row.proposed_limit, reason
        )
        row.adjustment_instance_id = started.instance_id
        row.outcome = "adjustment_started" if started.instance_id else "adjustment_not_started"
        row.note = started.note or row.note
        pending += started.instance_id is None
    review.details = {**review.details, "evaluations": evaluations}
    if not pending:
        review.outcome, review.finished_at = "evaluated", ctx.now
    return {"pending": pending}


def _must_vouch(clean: dict[str, Any], name: str, message: Any) -> None:
    if clean.get(name) is not True:
        raise ValidationFailed({name: [message]})


class MonthlyRules(ReviewRules):
    """Who vouches for what (第三十九、四十条), and a proposed limit only ever lower (第四十二条)."""

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        if task.form_key == REPORT_FORM:
            _must_vouch(clean, "vouched", _l("the writer vouches for the report (art. 39)"))
            return {"written_by": user.username}
        if task.form_key == SHEET_FORM:
            _must_vouch(clean, "sheet_confirmed", _l("finance vouches for the figures (art. 40)"))
            return {"checked_by": user.username}
        if task.form_key != EVALUATION_FORM:
            return {}
        if clean.get("proposed_limit") is not None:
            code = str((instance.data.get("customer_of") or {}).get(task.customer or "", ""))
            customer = find(code)
            current = customer.credit_limit if customer is not None else None
            if current is None or Decimal(str(clean["proposed_limit"])) >= current:
                raise ValidationFailed(
                    {
                        "proposed_limit": [
                            _l(
                                "must be lower than the current limit %(limit)s (art. 42)",
                                limit=f"{float(current or 0):,.2f}",
                            )
                        ]
                    }
                )
        return {"evaluated_by": user.username}


rules.register(PROCESS, MonthlyRules())
