"""The case clock (第五篇 第七、十条): every open complaint runs against its whole-case deadline; a case
near it is at risk on the desks of customer service and the general manager, and a case past it
gets the general manager's 督办, which ends when the case closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Complaint, HumanTask, ProcessInstance, User
from ..common.errors import Forbidden
from ..common.transactions import transactional
from ..deadlines import escalation
from ..instances.lifecycle import start_system_instance
from ..instances.projection import Step
from ..people.access import roles_of
from ..people.directory import ROLES

# Who sees the case clock of every complaint: the intake window and the office answerable for it.
CLOCK_ROLES = frozenset({"cs_director", "general_manager"})
SCAN_BATCH = 100


@dataclass(frozen=True)
class CaseClock:
    complaint: Complaint
    hours_left: float
    at_risk: bool
    overdue: bool


def clock_of(complaint: Complaint, now: datetime) -> CaseClock:
    left = (complaint.due_at - now).total_seconds() / 3600
    window = timedelta(days=current_app.config["COMPLAINT_AT_RISK_DAYS"])
    is_open = complaint.closed_at is None
    return CaseClock(
        complaint=complaint,
        hours_left=round(left, 1),
        at_risk=is_open and complaint.due_at <= now + window,
        overdue=is_open and complaint.due_at <= now,
    )


def open_cases(now: datetime | None = None, limit: int = 500) -> list[CaseClock]:
    """Every open complaint with its deadline and the time left, the most pressing first."""
    now = now or clock.now()
    rows = db.session.scalars(
        db.select(Complaint).where(Complaint.closed_at.is_(None)).order_by(Complaint.due_at).limit(limit)
    )
    return [clock_of(c, now) for c in rows]


def at_risk(now: datetime | None = None) -> list[CaseClock]:
    return [c for c in open_cases(now) if c.at_risk]


def may_watch(user: User) -> bool:
    return bool(roles_of(user) & CLOCK_ROLES)


@transactional
def open_cases_for(user: User) -> list[CaseClock]:
    """The case clock as the customer-service director and the general manager see it; each read audited."""
    if not may_watch(user):
        raise Forbidden(_l("only customer service and the general manager follow the case clock"))
    rows = open_cases()
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=user.id,
            action="read_case_clock",
            subject="complaints:open",
            details={"count": len(rows)},
        )
    )
    return rows


def late_case_ids(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            db.select(Complaint.id)
            .where(Complaint.closed_at.is_(None), Complaint.due_at <= now, Complaint.case_escalated_at.is_(None))
            .order_by(Complaint.due_at)
            .limit(SCAN_BATCH)
        )
    )


def _holding(instance_id: int) -> str:
    """What the case waits on and who holds it, for the 督办 task's title."""
    tasks = db.session.scalars(
        db.select(HumanTask)
        .where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        .order_by(HumanTask.id)
    )
    parts = [
        f"{t.name}（{t.assignee.display_name if t.assignee else ROLES.get(t.role or '', ('—',))[0]}）" for t in tasks
    ]
    return "、".join(parts) or "—"


@transactional
def escalate_case(complaint_id: int) -> ProcessInstance | None:
    """Start the general manager's 督办 on one late case, once, however many schedulers race for it."""
    now = clock.now()
    claimed = db.session.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, Complaint.case_escalated_at.is_(None), Complaint.closed_at.is_(None))
        .values(case_escalated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    complaint = db.session.get(Complaint, complaint_id)
    db.session.refresh(complaint)
    holding = _holding(complaint.instance_id)
    data = {
        "case_instance_id": complaint.instance_id,
        "case_number": complaint.number,
        "original_title": f"投诉 {complaint.number} 已过结案时限 · 待办：{holding}"[:250],
        "original_instance_id": complaint.instance_id,
        "original_process_key": "complaint_handling",
        "original_due_at": complaint.due_at.isoformat(),
        "holding": holding,
        "escalation_due": current_app.config["ESCALATION_DEADLINE"],
    }
    instance = start_system_instance(escalation.ESCALATION_PROCESS, data, business_key=complaint.number)
    complaint.case_escalation_instance_id = instance.id
    return instance


def escalate_late_cases(now: datetime) -> int:
    started = 0
    for complaint_id in late_case_ids(now):
        started += escalate_case(complaint_id) is not None
    return started


def end_case_escalation(complaint: Complaint, step: Step) -> None:
    """The case closed: the general manager's 督办 on it is over."""
    if complaint.case_escalation_instance_id is not None:
        escalation.cancel_escalation(complaint.case_escalation_instance_id, step, "the case was closed")
