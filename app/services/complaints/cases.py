"""Customer complaints (第四篇、第五篇): numbers, the case record, closing, reopening and statistics."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...extensions import db
from ...models import Complaint, ComplaintCounter, ComplaintReport, Department, ProcessInstance, User
from ..common.transactions import transactional
from ..deadlines.durations import resolve_deadline
from ..deadlines.workdays import load_calendar
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from ..instances.projection import Step
from .case_clock import end_case_escalation

CATEGORIES = ("grievance", "suggestion", "product_quality", "appearance_packaging", "service_quality")
CATEGORY_NAMES = {
    "grievance": _l("Grievance"),
    "suggestion": _l("Suggestion"),
    "product_quality": _l("Product quality"),
    "appearance_packaging": _l("Appearance/packaging"),
    "service_quality": _l("Service quality"),
}


def _next_sequence(year: int) -> int:
    """The year's next running number, taken in the caller's transaction: a rollback gives it back."""
    counter = db.session.get(ComplaintCounter, year)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(ComplaintCounter).values(year=year, last_number=0))
        except IntegrityError:
            pass  # someone else created the year's row first; use theirs
    # One UPDATE both locks the row (PostgreSQL) or takes the write lock (SQLite) and increments it,
    # so concurrent intakes queue here and each gets the next number.
    return int(
        db.session.execute(
            update(ComplaintCounter)
            .where(ComplaintCounter.year == year)
            .values(last_number=ComplaintCounter.last_number + 1)
            .returning(ComplaintCounter.last_number)
        ).scalar_one()
    )


def format_number(received: datetime, sequence: int) -> str:
    """AABBCCDDD: year, month, day of receipt, then the year's running count (3 digits, more if ever needed)."""
    return f"{received:%y%m%d}{sequence:03d}"


@register("number_complaint")
def number_complaint(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    received = datetime.fromisoformat(data["received_at"]) if data.get("received_at") else ctx.now
    local = received.astimezone(ctx.calendar.tz)
    sequence = _next_sequence(local.year)
    number = format_number(local, sequence)
    deadline = resolve_deadline(str(params.get("case_deadline") or "15 days"), data)
    due = deadline.due(received, ctx.calendar)
    instance = ctx.instance
    instance.business_key = number
    instance.title = f"{instance.process_version.name} · {number} · {data.get('customer_name', '')}"[:300]
    instance.due_at = due
    reopened_from = None
    if data.get("reopened_from"):
        reopened_from = db.session.scalars(
            db.select(Complaint).where(Complaint.number == data["reopened_from"])
        ).first()
    recorder = db.session.scalars(db.select(User).where(User.username == data.get("filed_by"))).first()
    db.session.add(
        Complaint(
            number=number,
            year=local.year,
            sequence=sequence,
            instance_id=instance.id,
            customer_code=data.get("customer_code") or None,
            customer_name=str(data.get("customer_name", "")),
            channel=str(data.get("channel", "")),
            region=str(data.get("region", "")),
            category=str(data.get("category", "")),
            amount_claimed=Decimal(str(data.get("amount_claimed") or 0)),
            received_at=received,
            due_at=due,
            reopened_from=reopened_from,
            recorded_by_id=recorder.id if recorder else None,
        )
    )
    db.session.flush()
    config = current_app.config
    return {
        "number": number,
        "received_at": received.isoformat(),
        "due_at": due.isoformat(),
        "department_head": _department_head(str(data.get("department") or "")),
        "settlement_limit_manager": config["COMPLAINT_SETTLEMENT_MANAGER_LIMIT"],
        "settlement_limit_vp": config["COMPLAINT_SETTLEMENT_VP_LIMIT"],
    }


def _department_head(key: str) -> str:
    """Who gives the opinion on a service-quality complaint: the head of the department it names.

    Empty when the department has no active head: the task then waits in the customer-service
    director's queue, who can transfer it.
    """
    if not key or "\x00" in key:
        return ""
    head = db.session.scalars(
        db.select(User).join(Department, Department.head_id == User.id).where(Department.key == key, User.active)
    ).first()
    return head.username if head else ""


def _complaint_of(instance: ProcessInstance) -> Complaint:
    return db.session.scalars(db.select(Complaint).where(Complaint.instance_id == instance.id)).one()


@register("record_responsibility")
def record_responsibility(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint_of(ctx.instance)
    tally = data.get("tally") or {}
    # The committee's own decision when its members agreed; otherwise the production manager's ruling.
    decided = tally.get("decision") if tally.get("agreed") else data
    complaint.responsibility = {
        "party": decided.get("responsible_party"),
        "company_share": decided.get("company_share"),
        "repair_budget": decided.get("repair_budget"),
        "repair_due_on": decided.get("repair_due_on"),
        "decided_by": "committee" if tally.get("agreed") else "production_manager",
        "ruling_reason": None if tally.get("agreed") else data.get("ruling_reason"),
        "votes": tally.get("votes", []),
    }
    return {"recorded": True, **complaint.responsibility}


@register("close_complaint")
def close_complaint(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint_of(ctx.instance)
    complaint.closed_at, complaint.outcome = ctx.now, data.get("outcome")
    ctx.instance.case_closed_at = ctx.now
    end_case_escalation(complaint, Step(actor=ctx.actor, now=ctx.now, calendar=ctx.calendar))
    return {"closed_at": ctx.now.isoformat(), "on_time": ctx.now <= complaint.due_at}


REOPEN_KEYS = ("customer_code", "customer_name", "contact", "channel", "region", "category", "amount_claimed")


@register("reopen_complaint")
def reopen_complaint(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The customer rejects the outcome: a new complaint, linked to this one (第五篇 第九条(八))."""
    old = _complaint_of(ctx.instance)
    seed = {key: data.get(key) for key in REOPEN_KEYS}
    seed.update(
        description=f"客户不接受投诉 {old.number} 的处理结果，重新投诉。Reopened: the customer rejected the outcome of "
        f"{old.number}.\n{data.get('reply', '')}",
        received_at=ctx.now.isoformat(),
        policy_misunderstanding=bool(data.get("policy_misunderstanding")),
        reopened_from=old.number,
        filed_by=data.get("filed_by"),
        filed_by_name=data.get("filed_by_name"),
    )
    new_instance = start_system_instance("complaint_handling", seed)
    # The reopened case is customer service's own from its first moment (the single intake window),
    # not only once a task reaches them: whoever recorded the rejection files it.
    filer = ctx.actor or old.recorded_by
    if filer is not None:
        new_instance.started_by_id = filer.id
    return {"number": new_instance.business_key, "instance_id": new_instance.id}


def for_instance(instance_id: int) -> Complaint | None:
    return db.session.scalars(db.select(Complaint).where(Complaint.instance_id == instance_id)).first()


def linked(complaint: Complaint) -> dict[str, list[Complaint]]:
    later = list(db.session.scalars(db.select(Complaint).where(Complaint.reopened_from_id == complaint.id)))
    return {"reopened_from": [complaint.reopened_from] if complaint.reopened_from else [], "reopened_as": later}


def month_bounds(year: int, month: int, tz: Any) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def previous_month(now: datetime, tz: Any) -> tuple[int, int]:
    first = now.astimezone(tz).replace(day=1)
    last_month = first - timedelta(days=1)
    return last_month.year, last_month.month


def statistics(year: int, month: int, tz: Any) -> dict[str, Any]:
    """Last month's closed complaints: counts by category, on-time rate, days to close, responsibility."""
    start, end = month_bounds(year, month, tz)
    closed = list(
        db.session.scalars(
            db.select(Complaint)
            .where(Complaint.closed_at >= start, Complaint.closed_at < end)
            .order_by(Complaint.number)
        )
    )
    by_category = Counter(c.category for c in closed)
    on_time = sum(1 for c in closed if c.closed_at <= c.due_at)
    days = [(c.closed_at - c.received_at).total_seconds() / 86400 for c in closed]
    parties = Counter(c.responsibility.get("party") for c in closed if c.responsibility.get("party"))
    return {
        "year": year,
        "month": month,
        "closed": len(closed),
        "by_category": {k: by_category.get(k, 0) for k in CATEGORIES},
        "on_time": on_time,
        "on_time_rate": round(on_time / len(closed), 4) if closed else None,
        "average_days_to_close": round(sum(days) / len(days), 1) if days else None,
        "responsibility": dict(sorted(parties.items())),
        "numbers": [c.number for c in closed],
    }


def statistics_csv(year: int, month: int, tz: Any) -> str:
    start, end = month_bounds(year, month, tz)
    closed = db.session.scalars(
        db.select(Complaint).where(Complaint.closed_at >= start, Complaint.closed_at < end).order_by(Complaint.number)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "number",
            "category",
            "region",
            "customer",
            "received_at",
            "closed_at",
            "due_at",
            "on_time",
            "days_to_close",
            "responsible_party",
            "company_share",
            "amount_claimed",
        ]
    )
    for c in closed:
        writer.writerow(
            [
                c.number,
                c.category,
                c.region,
                c.customer_name,
                c.received_at.astimezone(tz).isoformat(),
                c.closed_at.astimezone(tz).isoformat(),
                c.due_at.astimezone(tz).isoformat(),
                c.closed_at <= c.due_at,
                round((c.closed_at - c.received_at).total_seconds() / 86400, 1),
                c.responsibility.get("party", ""),
                c.responsibility.get("company_share", ""),
                c.amount_claimed,
            ]
        )
    return out.getvalue()


REPORT_PROCESS = "complaint_monthly_report"


def ensure_monthly_report() -> ComplaintReport | None:
    """On or after the 1st, make last month's report once and hand it to the general manager."""

    @transactional
    def make() -> ComplaintReport | None:
        calendar = load_calendar()
        now = clock.now()
        year, month = previous_month(now, calendar.tz)
        if db.session.scalars(
            db.select(ComplaintReport.id).where(ComplaintReport.year == year, ComplaintReport.month == month)
        ).first():
            return None
        report = ComplaintReport(
            year=year,
            month=month,
            created_at=now,
            stats=statistics(year, month, calendar.tz),
            csv=statistics_csv(year, month, calendar.tz),
        )
        db.session.add(report)
        db.session.flush()  # the (year, month) unique key makes a second scheduler's attempt fail here
        local = now.astimezone(calendar.tz)
        due = datetime.combine(local.date().replace(day=10), calendar.end_of_day, tzinfo=calendar.tz)
        stats = report.stats
        instance = start_system_instance(
            REPORT_PROCESS,
            {
                "report_id": report.id,
                "report_month": f"{year}-{month:02d}",
                "report_due_at": due.isoformat(),
                "closed_complaints": stats["closed"],
                "on_time_rate": stats["on_time_rate"],
                "average_days_to_close": stats["average_days_to_close"],
                "report_url": f"{current_app.config['BASE_URL'].rstrip('/')}/complaints/stats?month={year}-{month:02d}",
            },
            business_key=f"{year}-{month:02d}",
        )
        report.instance_id = instance.id
        return report

    try:
        return make()
    except IntegrityError:
        db.session.rollback()
        return None
