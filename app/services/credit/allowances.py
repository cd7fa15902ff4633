"""A one-off shipment or prepayment beyond the limit (第三十二条): the salesperson asks (amount, reason,
until when), the sales manager and the credit controller check, the finance director and the
general manager approve. The allowance shows on the credit file until its date, lets the balance go
that far above the limit, and counts in the company's total cap (第二十四条) while it lasts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...i18n import format_cny
from ...models import AuditEvent, CreditAllowance, HumanTask, ProcessInstance, User
from ..common.errors import Forbidden, ValidationFailed
from ..instances import rules
from ..instances.operations import OperationContext, register
from .credit_file import acts_for, find
from .decisions import approvals_of
from .ledger import company_today, lock_totals, totals

PROCESS_KEY = "credit_one_off_allowance"
FINAL_STEP = "approve_general_manager"


def active(customer_id: int, today: date) -> list[CreditAllowance]:
    return list(
        db.session.scalars(
            db.select(CreditAllowance)
            .where(CreditAllowance.customer_id == customer_id, CreditAllowance.valid_until >= today)
            .order_by(CreditAllowance.valid_until, CreditAllowance.id)
        )
    )


def _cap_check(amount: Decimal) -> None:
    lock_totals()
    room = totals().headroom
    if room is not None and amount > room:
        raise ValidationFailed(
            {
                "amount": [
                    _l(
                        "exceeds the company's total credit cap: the headroom is %(room)s (article 24)",
                        room=format_cny(float(max(room, Decimal("0")))),
                    )
                ]
            }
        )


class AllowanceRules:
    def refused_fields(self, data: dict[str, Any]) -> dict[str, list[Any]]:
        return {}

    def before_start(self, user: User, clean: dict[str, Any]) -> dict[str, Any]:
        code = str(clean["customer_code"])
        customer = find(code)
        if customer is None:
            raise ValidationFailed({"customer_code": [_l("no credit file for customer '%(code)s'", code=code)]})
        if not acts_for(user, customer.responsible_id):
            raise Forbidden(_l("another salesperson is responsible for this customer"))
        if date.fromisoformat(str(clean["valid_until"])) < company_today():
            raise ValidationFailed({"valid_until": [_l("may not be in the past")]})
        return {"customer_name": customer.name, "credit_limit": float(customer.credit_limit or 0)}

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        if task.bpmn_id == FINAL_STEP and clean.get("decision") == "approve":
            _cap_check(Decimal(str((instance.data or {}).get("amount") or 0)))
        return {}

    def material_change(self, instance: ProcessInstance, clean: dict[str, Any]) -> bool:
        return False


rules.register(PROCESS_KEY, AllowanceRules())


def prefill(user: User, args: Mapping[str, str]) -> dict[str, Any]:
    customer = find(str(args.get("customer_code", "")))
    return {"customer_code": customer.code} if customer is not None and acts_for(user, customer.responsible_id) else {}


rules.register_prefill(PROCESS_KEY, prefill)


@register("record_credit_allowance")
def record_credit_allowance(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    customer = find(str(data["customer_code"]))
    allowance = CreditAllowance(
        customer_id=customer.id,
        instance_id=ctx.instance.id,
        amount=Decimal(str(data["amount"])).quantize(Decimal("0.01")),
        reason=str(data.get("reason") or ""),
        valid_until=date.fromisoformat(str(data["valid_until"])),
        approvals=approvals_of(ctx.instance.id),
        granted_at=ctx.now,
    )
    db.session.add(allowance)
    customer.updated_at = ctx.now
    db.session.add(
        AuditEvent(
            at=ctx.now,
            action="allowance_granted",
            subject=f"customer:{customer.code}",
            details={
                "instance": ctx.instance.id,
                "amount": float(allowance.amount),
                "valid_until": allowance.valid_until.isoformat(),
            },
        )
    )
    db.session.flush()
    return {"allowance_id": allowance.id}
