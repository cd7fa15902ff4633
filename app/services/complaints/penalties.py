"""The monthly penalty review (第五篇 第十二条): by the 10th the general manager reviews last month's
closed cases with their responsibility findings, decides any penalties and publishes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Complaint, ComplaintReport, PenaltyReview, User
from ..common.transactions import transactional
from ..deadlines.workdays import load_calendar
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from .cases import CATEGORY_NAMES, month_bounds, previous_month

PROCESS = "complaint_penalty_review"
# The parties the quality committee may find responsible (forms/quality_committee.json).
PARTY_NAMES = {
    "company": _l("Our company"),
    "customer": _l("Customer"),
    "carrier": _l("Carrier"),
    "supplier": _l("Supplier"),
}


def closed_cases(year: int, month: int, tz: Any) -> list[dict[str, Any]]:
    """Last month's closed cases as the review reads them: who was found responsible, and how late."""
    start, end = month_bounds(year, month, tz)
    rows = db.session.scalars(
        db.select(Complaint).where(Complaint.closed_at >= start, Complaint.closed_at < end).order_by(Complaint.number)
    )
    return [
        {
            "number": c.number,
            "category": c.category,
            "customer_name": c.customer_name,
            "responsible_party": c.responsibility.get("party"),
            "company_share": c.responsibility.get("company_share"),
            "on_time": c.closed_at <= c.due_at if c.closed_at else None,
            "instance_id": c.instance_id,
        }
        for c in rows
    ]


def _summary(cases: list[dict[str, Any]]) -> str:
    lines = [
        f"{c['number']} {CATEGORY_NAMES.get(c['category'], c['category'])} {c['customer_name']} "
        f"责任方 {c['responsible_party'] or '—'} {'按时' if c['on_time'] else '逾期'}"
        for c in cases
    ]
    return "\n".join(lines)[:4000] or "—"


def ensure_penalty_review() -> PenaltyReview | None:
    """On or after the 1st, give the general manager last month's review once, due by the 10th."""

    @transactional
    def make() -> PenaltyReview | None:
        calendar = load_calendar()
        now = clock.now()
        year, month = previous_month(now, calendar.tz)
        if db.session.scalars(
            db.select(PenaltyReview.id).where(PenaltyReview.year == year, PenaltyReview.month == month)
        ).first():
            return None
        # The review goes out with the month's statistics (第五篇 第十二条 beside 第九条(九)): once they
        # have been handed to the general manager.
        if not db.session.scalars(
            db.select(ComplaintReport.id).where(
                ComplaintReport.year == year, ComplaintReport.month == month, ComplaintReport.instance_id.is_not(None)
            )
        ).first():
            return None
        cases = closed_cases(year, month, calendar.tz)
        review = PenaltyReview(year=year, month=month, created_at=now, cases=cases)
        db.session.add(review)
        db.session.flush()  # the (year, month) unique key makes a second scheduler's attempt fail here
        local = now.astimezone(calendar.tz)
        due = datetime.combine(local.date().replace(day=10), calendar.end_of_day, tzinfo=calendar.tz)
        base = current_app.config["BASE_URL"].rstrip("/")
        instance = start_system_instance(
            PROCESS,
            {
                "review_id": review.id,
                "review_month": f"{year}-{month:02d}",
                "review_due_at": due.isoformat(),
                "closed_cases": len(cases),
                "cases_summary": _summary(cases),
                "stats_url": f"{base}/complaints/stats?month={year}-{month:02d}",
            },
            business_key=f"{year}-{month:02d}",
        )
        review.instance_id = instance.id
        return review

    try:
        return make()
    except IntegrityError:
        db.session.rollback()
        return None


@register("publish_penalties")
def publish_penalties(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    review = db.session.get(PenaltyReview, int(data["review_id"]))
    review.decisions = str(data.get("penalties") or "")
    review.published_at = ctx.now
    review.published_by_id = ctx.actor.id if ctx.actor else None
    return {"published_at": ctx.now.isoformat(), "month": data.get("review_month")}


@transactional
def published(reader: User) -> list[PenaltyReview]:
    """The published penalties, for everyone (人事公布单); each read is recorded."""
    db.session.add(AuditEvent(at=clock.now(), actor_id=reader.id, action="read_penalties", subject="penalties"))
    return list(
        db.session.scalars(
            db.select(PenaltyReview)
            .where(PenaltyReview.published_at.is_not(None))
            .order_by(PenaltyReview.year.desc(), PenaltyReview.month.desc())
            .limit(24)
        )
    )
