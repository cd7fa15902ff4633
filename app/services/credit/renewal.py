"""The contract year (第三十六条): a month before a grant's `valid_until` the responsible salesperson
agrees the next year's terms (a new credit application, prefilled from the file) or ends the credit;
at `valid_until` a grant not renewed expires and the customer's limit becomes 0.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ...extensions import db
from ...models import AuditEvent, CreditDecision, Customer, ProcessInstance, ReceivablesRecord, User
from ..instances import rules
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from .credit_file import acts_for, find
from .ledger import company_today

PROCESS_KEY = "credit_renewal"
APPLICATION = "credit_application"


def months_later(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_grant(customer_id: int) -> CreditDecision | None:
    return db.session.scalars(
        db.select(CreditDecision)
        .where(CreditDecision.customer_id == customer_id, CreditDecision.decision == "approve")
        .order_by(CreditDecision.decided_at.desc(), CreditDecision.id.desc())
    ).first()


def _current_grants(until: date) -> list[CreditDecision]:
    """Grants still in force that end by `until`, each the customer's latest (an older one was renewed)."""
    found = db.session.scalars(
        db.select(CreditDecision)
        .where(
            CreditDecision.decision == "approve",
            CreditDecision.expired_at.is_(None),
            CreditDecision.valid_until.is_not(None),
            CreditDecision.valid_until <= until,
        )
        .order_by(CreditDecision.valid_until, CreditDecision.id)
    ).all()
    return [g for g in found if latest_grant(g.customer_id) is g]


def cleared_once(customer_id: int, start: date | None, end: date) -> bool:
    """Whether finance recorded the balance at zero at least once in the contract year (第三十六条)."""
    query = db.select(ReceivablesRecord.id).where(
        ReceivablesRecord.customer_id == customer_id, ReceivablesRecord.balance == 0, ReceivablesRecord.as_of <= end
    )
    if start is not None:
        query = query.where(ReceivablesRecord.as_of >= start)
    return db.session.scalar(query.limit(1)) is not None


def start_due_renewals(now: datetime) -> int:
    """One renewal task per grant from one month before its end; a grant that has one is left alone."""
    today = company_today(now)
    started = 0
    for grant in _current_grants(today + timedelta(days=31)):
        if grant.renewal_instance_id is not None or grant.valid_until < today:
            continue
        if months_later(grant.valid_until, -1) > today:
            continue
        locked = db.session.scalars(
            db.select(CreditDecision).where(CreditDecision.id == grant.id).with_for_update()
        ).one()
        if locked.renewal_instance_id is not None:
            continue
        customer = db.session.get(Customer, grant.customer_id)
        responsible = db.session.get(User, customer.responsible_id) if customer.responsible_id else None
        instance = start_system_instance(
            PROCESS_KEY,
            {
                "grant_id": grant.id,
                "customer_code": customer.code,
                "customer_name": customer.name,
                "responsible": responsible.username if responsible else None,
                "credit_limit": float(customer.credit_limit or 0),
                "valid_from": grant.valid_from.isoformat() if grant.valid_from else None,
                "valid_until": grant.valid_until.isoformat(),
                "receivables_balance": float(customer.receivables_balance)
                if customer.receivables_balance is not None
                else None,
                "balance_cleared_once": cleared_once(customer.id, grant.valid_from, today),
            },
            business_key=customer.code,
        )
        locked.renewal_instance_id = instance.id
        started += 1
    return started


def expire_grants(now: datetime) -> int:
    """At the end of `valid_until` a grant not renewed expires: the limit becomes 0, and it is audited."""
    today = company_today(now)
    expired = 0
    for grant in _current_grants(today - timedelta(days=1)):
        locked = db.session.scalars(
            db.select(CreditDecision).where(CreditDecision.id == grant.id).with_for_update()
        ).one()
        if locked.expired_at is not None:
            continue
        customer = db.session.get(Customer, grant.customer_id)
        before = customer.credit_limit
        locked.expired_at = now
        customer.credit_limit = Decimal("0")
        customer.updated_at = now
        db.session.add(
            AuditEvent(
                at=now,
                action="credit_expired",
                subject=f"customer:{customer.code}",
                details={
                    "instance": grant.instance_id,
                    "valid_until": grant.valid_until.isoformat(),
                    "limit_before": float(before) if before is not None else None,
                    "renewal": grant.renewal_choice,
                    "balance_cleared_once": cleared_once(customer.id, grant.valid_from, grant.valid_until),
                },
            )
        )
        expired += 1
    return expired


@register("record_renewal_choice")
def record_renewal_choice(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    grant = db.session.get(CreditDecision, int(data["grant_id"]))
    choice = "renew" if data.get("renewal") == "renew" else "end"
    grant.renewal_choice = choice
    code = str(data["customer_code"])
    db.session.add(
        AuditEvent(
            at=ctx.now,
            actor_id=ctx.actor.id if ctx.actor else None,
            action="renewal_chosen",
            subject=f"customer:{code}",
            details={
                "instance": ctx.instance.id,
                "choice": choice,
                "valid_until": grant.valid_until.isoformat() if grant.valid_until else None,
            },
        )
    )
    url = f"/processes/{APPLICATION}/start?customer_code={code}" if choice == "renew" else None
    return {"choice": choice, "application_url": url}


def application_prefill(user: User, args: Mapping[str, str]) -> dict[str, Any]:
    """A new application for a customer one is responsible for opens with the file's last application."""
    customer = find(str(args.get("customer_code", "")))
    if customer is None or not acts_for(user, customer.responsible_id):
        return {}
    last = db.session.scalars(
        db.select(ProcessInstance)
        .where(ProcessInstance.process_key == APPLICATION, ProcessInstance.business_key == customer.code)
        .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
    ).first()
    data = dict(last.data or {}) if last is not None else {}
    data.update(customer_code=customer.code, customer_name=customer.name)
    return data


rules.register_prefill(APPLICATION, application_prefill)
