"""Customers over their limit (第三十三条) and balances that rise without a limit (第三十四条).

A receivables record that puts the balance above what the customer may owe opens a case for the
responsible salesperson (bpmn/credit_over_limit.bpmn): a plan with a target date, approved by the
sales manager and seen by the credit controller; its follow-up falls due on the target date and is
escalated like any late task. A later record within the limit closes the case by itself.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from ...engine import EngineError
from ...extensions import db
from ...models import AuditEvent, CreditAllowance, Customer, HumanTask, OverLimitCase, ProcessInstance, User
from ..common.errors import ProcessFailed, ValidationFailed
from ..instances import rules
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from ..instances.projection import Step, load_runtime, project
from ..modeling.specs import bundle_for_id
from .ledger import company_today

PROCESS_KEY = "credit_over_limit"
WITHIN_LIMIT = "credit_within_limit"
ZERO = Decimal("0")


def allowance_total(customer_id: int, today: date) -> Decimal:
    """One-off allowances beyond the limit still running today (第三十二条)."""
    total = db.session.scalar(
        db.select(db.func.sum(CreditAllowance.amount)).where(
            CreditAllowance.customer_id == customer_id, CreditAllowance.valid_until >= today
        )
    )
    return Decimal(total or 0)


def open_case(customer_id: int) -> OverLimitCase | None:
    return db.session.scalars(
        db.select(OverLimitCase)
        .where(OverLimitCase.customer_id == customer_id, OverLimitCase.closed_at.is_(None))
        .order_by(OverLimitCase.id.desc())
    ).first()


def _ceiling_now(customer: Customer, case: OverLimitCase | None, today: date) -> Decimal:
    limit = customer.credit_limit or ZERO
    allowance = allowance_total(customer.id, today)
    if limit > 0:
        return limit + allowance
    return max(case.ceiling if case is not None else ZERO, allowance)


def check_record(customer: Customer, previous_balance: Decimal | None, now: datetime) -> None:
    """After finance records the latest balance: open a case, or close the open one (same transaction)."""
    balance = customer.receivables_balance
    if balance is None:
        return
    today = company_today(now)
    case = open_case(customer.id)
    if case is not None:
        if balance <= _ceiling_now(customer, case, today):
            close(case, customer, now)
        return
    limit = customer.credit_limit or ZERO
    allowance = allowance_total(customer.id, today)
    if limit > 0 and balance > limit + allowance:
        _open(customer, "over_limit", limit + allowance, now)
    elif limit <= 0 and previous_balance is not None and balance > max(previous_balance, allowance):
        # Without a limit a balance may only go down (第三十四条): the earlier one is the most it may be.
        _open(customer, "no_limit_rise", max(previous_balance, allowance), now)


def _open(customer: Customer, kind: str, ceiling: Decimal, now: datetime) -> OverLimitCase:
    case = OverLimitCase(
        customer_id=customer.id,
        kind=kind,
        ceiling=ceiling,
        balance=customer.receivables_balance,
        as_of=customer.receivables_as_of,
        opened_at=now,
    )
    db.session.add(case)
    db.session.flush()
    responsible = db.session.get(User, customer.responsible_id) if customer.responsible_id else None
    instance = start_system_instance(
        PROCESS_KEY,
        {
            "case_id": case.id,
            "case_kind": kind,
            "customer_code": customer.code,
            "customer_name": customer.name,
            "responsible": responsible.username if responsible else None,
            "credit_limit": float(customer.credit_limit or 0),
            "ceiling": float(ceiling),
            "balance": float(customer.receivables_balance),
            "balance_as_of": customer.receivables_as_of.isoformat(),
        },
        business_key=customer.code,
    )
    case.instance_id = instance.id
    db.session.add(
        AuditEvent(
            at=now,
            action="over_limit_opened",
            subject=f"customer:{customer.code}",
            details={"instance": instance.id, "kind": kind, "balance": float(case.balance), "ceiling": float(ceiling)},
        )
    )
    return case


def close(case: OverLimitCase, customer: Customer, now: datetime) -> None:
    """A record within the limit: the diagram's waiting event takes it to the end, writing the file."""
    variables = {
        "closing_balance": float(customer.receivables_balance),
        "closing_as_of": customer.receivables_as_of.isoformat(),
    }
    instance = db.session.get(ProcessInstance, case.instance_id) if case.instance_id else None
    if instance is not None and instance.status == "running":
        step = Step(actor=None, now=now)
        runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
        if runtime.waits_for("message", WITHIN_LIMIT):
            try:
                runtime.deliver("message", WITHIN_LIMIT, variables)
            except EngineError as err:
                # Finance's record stands whatever the diagram does; the instance shows the incident.
                raise ProcessFailed(f"the over-limit case could not close: {err}", instance.id) from err
            project(instance, runtime, step)
    if case.closed_at is None:  # a diagram without the waiting event: the file is closed all the same
        _write_closed(case, variables, now)


def _write_closed(case: OverLimitCase, variables: dict[str, Any], now: datetime) -> None:
    case.closed_at = now
    case.closing_balance = Decimal(str(variables["closing_balance"]))
    case.closing_as_of = date.fromisoformat(str(variables["closing_as_of"]))
    customer = db.session.get(Customer, case.customer_id)
    db.session.add(
        AuditEvent(
            at=now,
            action="over_limit_closed",
            subject=f"customer:{customer.code}",
            details={
                "instance": case.instance_id,
                "balance": variables["closing_balance"],
                "as_of": variables["closing_as_of"],
            },
        )
    )


@register("close_over_limit_case")
def close_over_limit_case(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    case = db.session.get(OverLimitCase, int(data["case_id"]))
    if case.closed_at is None:
        _write_closed(case, data, ctx.now)
    return {"closed_at": ctx.now.isoformat()}


@register("record_over_limit_plan")
def record_over_limit_plan(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The approved plan's target date goes into the file; the follow-up falls due at its end."""
    case = db.session.get(OverLimitCase, int(data["case_id"]))
    target = date.fromisoformat(str(data["target_date"]))
    case.target_date = target
    case.target_passed_at = None
    due = ctx.calendar.end_of_working_day(target)
    return {"target_date": target.isoformat(), "target_due_at": due.isoformat()}


class OverLimitRules:
    """A plan's target date lies ahead: a date already past would escalate at once."""

    def refused_fields(self, data: dict[str, Any]) -> dict[str, list[Any]]:
        return {}

    def before_start(self, user: User, clean: dict[str, Any]) -> dict[str, Any]:
        return {}

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        target = clean.get("target_date")
        if target and date.fromisoformat(str(target)) < company_today():
            raise ValidationFailed({"target_date": [_l("may not be in the past")]})
        return {}

    def material_change(self, instance: ProcessInstance, clean: dict[str, Any]) -> bool:
        return False


rules.register(PROCESS_KEY, OverLimitRules())


def target_dates_passed(now: datetime) -> int:
    """The file notes each open case whose target date has gone by (the late follow-up escalates itself)."""
    today = company_today(now)
    cases = db.session.scalars(
        db.select(OverLimitCase).where(
            OverLimitCase.closed_at.is_(None),
            OverLimitCase.target_passed_at.is_(None),
            OverLimitCase.target_date < today,
        )
    ).all()
    for case in cases:
        case.target_passed_at = now
        customer = db.session.get(Customer, case.customer_id)
        db.session.add(
            AuditEvent(
                at=now,
                action="over_limit_target_passed",
                subject=f"customer:{customer.code}",
                details={"instance": case.instance_id, "target_date": case.target_date.isoformat()},
            )
        )
    return len(cases)
