"""The API's answers as plain data; shapes.py dumps them, writing every instant in company time."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import clock
from ..clock import to_company_iso
from ..models import AuditEvent, CreditDecision, Customer, HumanTask, ProcessInstance


def task_json(task: HumanTask) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": task.id,
        "process_key": task.process_key,
        "instance_id": task.instance_id,
        "business_key": task.business_key,
        "name": task.name,
        "title": task.title,
        "role": task.role,
        "assignee": task.assignee.username if task.assignee else None,
        "status": task.status,
        "created_at": task.created_at,
        "due_at": task.due_at,
        "overdue": bool(task.status == "open" and task.due_at is not None and task.due_at < now),
        "form_key": task.form_key,
        "escalation_level": max(task.escalation_level, 0),
        "escalated_to": task.escalated_to.username if task.escalated_to else None,
    }


def history_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "actor": event.actor.username if event.actor else None,
        "action": event.action,
        "task": event.task_name,
        "comment": event.comment,
    }


def instance_json(
    instance: ProcessInstance, tasks: list[HumanTask], history: list[AuditEvent], data: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "version": instance.process_version.version,
        "status": instance.status,
        "business_key": instance.business_key,
        "title": instance.title,
        "started_at": instance.started_at,
        "ended_at": instance.ended_at,
        "due_at": instance.due_at,
        "case_closed_at": instance.case_closed_at,
        "data": instance.data if data is None else data,
        "tasks": [task_json(t) for t in tasks],
        "history": [history_json(e) for e in history],
    }


def _money(value: Any) -> float | None:
    return None if value is None else float(value)


def decision_json(decision: CreditDecision) -> dict[str, Any]:
    return {
        "decision": decision.decision,
        "grade": decision.grade,
        "credit_type": decision.credit_type,
        "requested_limit": _money(decision.requested_limit),
        "limit": _money(decision.credit_limit),
        "term_days": decision.term_days,
        "reason": decision.reason,
        "reason_en": decision.reason_en,
        "instance_id": decision.instance_id,
        "filed_by": decision.filed_by.username if decision.filed_by else None,
        "decided_at": decision.decided_at,
        "valid_from": _day(decision.valid_from),
        "valid_until": _day(decision.valid_until),
        "approvals": decision.approvals,
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def receivables_json(customer: Customer) -> dict[str, Any]:
    """The latest of finance's recordings; the history lists them all."""
    return {
        "balance": _money(customer.receivables_balance),
        "overdue": _money(customer.overdue_balance),
        "as_of": _day(customer.receivables_as_of),
        "history": [
            {
                "balance": _money(r.balance),
                "overdue": _money(r.overdue),
                "as_of": _day(r.as_of),
                "recorded_at": to_company_iso(r.recorded_at),
                "recorded_by": r.recorded_by.username if r.recorded_by else None,
            }
            for r in customer.receivables
        ],
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    grant = next((d for d in customer.decisions if d.decision == "approve"), None)
    return {
        "code": customer.code,
        "name": customer.name,
        "grade": customer.grade,
        "limit": _money(customer.credit_limit),
        "term_days": customer.term_days,
        "credit_type": customer.credit_type,
        "updated_at": customer.updated_at,
        "responsible": customer.responsible.username if customer.responsible else None,
        "valid_from": _day(grant.valid_from) if grant else None,
        "valid_until": _day(grant.valid_until) if grant else None,
        "receivables": receivables_json(customer),
        "history": [decision_json(d) for d in customer.decisions],
    }


def desk_json(desk: Any) -> dict[str, Any]:
    return {
        "tasks": [
            {
                **task_json(row.task),
                "holder": row.holder,
                "department": row.department,
                "late_working_days": row.late_working_days,
                "late_hours": row.late_hours,
            }
            for row in desk.rows
        ],
        "cases_at_risk": [
            {
                "instance_id": case.instance.id,
                "process_key": case.instance.process_key,
                "business_key": case.instance.business_key,
                "title": case.instance.title,
                "due_at": case.instance.due_at,
                "overdue": case.overdue,
                "hours_left": case.hours_left,
            }
            for case in desk.cases_at_risk
        ],
        "counts_by_department": desk.counts_by_department,
        "on_time_rate_last_month": desk.on_time_rate_last_month,
        "completed_last_month": desk.completed_last_month,
        "due_soon_until": desk.due_soon_until,
    }
