"""The credit reviews in the demo's working day: this quarter's refresh waiting for the salesperson,
and this month's review at the sales manager, the report written and the sheet checked."""

from __future__ import annotations

from datetime import datetime

from ...extensions import db
from ...models import CreditReview, HumanTask, User
from ..deadlines.workdays import load_calendar
from ..desk import tasks as task_service
from .monthly import start_month
from .quarterly import holders, quarter_of, start_quarter


def _person(username: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == username)).one()


def seed_reviews(now: datetime) -> None:
    """Start this period's reviews of the demo's credit customers and do the month's first steps."""
    if not holders():
        return
    today = now.astimezone(load_calendar().tz).date()
    start_quarter(quarter_of(today.year, today.month), now)
    period = f"{today.year}-{today.month:02d}"
    start_month(period, now)
    review = db.session.scalars(
        db.select(CreditReview).where(CreditReview.kind == "monthly", CreditReview.period == period)
    ).first()
    if review is None or review.instance_id is None:
        return
    steps = {
        "write_report": {"business_report": "本月出货与回款正常，库存周转稳定，无新增风险。", "vouched": True},
        "audit_sheet": {"sheet_confirmed": True, "audit_findings": "本月授信执行符合规定，无超额度发货。"},
    }
    for task in db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == review.instance_id, HumanTask.status == "open")
    ).all():
        who = task.assignee if task.assignee is not None else _person(task.role or "credit_controller")
        if task.bpmn_id in steps:
            task_service.complete(task.id, who, steps[task.bpmn_id])
