"""Lowering a customer's limit (第四十一–四十二条): the sales manager proposes, the sales VP, the general
manager and the chairman approve, and the approved limit lands in the credit file with its reason and
every opinion. Another process (the monthly or quarterly review) starts one with the same variables."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...i18n import format_cny
from ...models import AuditEvent, Customer, HumanTask, LimitAdjustment, ProcessInstance, User
from ..common.errors import Conflict, NotFound, ValidationFailed
from ..instances import rules
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from .credit_file import audit_read, find, may_read
from .decisions import approvals_of

PROCESS_KEY = "credit_limit_adjustment"
OPEN_STATUSES = ("running", "error")


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else None


def open_adjustment(code: str) -> int | None:
    return db.session.scalar(
        db.select(ProcessInstance.id)
        .where(
            ProcessInstance.process_key == PROCESS_KEY,
            ProcessInstance.business_key == code,
            ProcessInstance.status.in_(OPEN_STATUSES),
        )
        .limit(1)
    )


def check_proposal(code: str, proposed: Any) -> tuple[Customer, Decimal]:
    """The file and the proposed limit, or the field errors: an adjusted limit is lower (第四十二条)."""
    customer = find(code)
    if customer is None:
        raise ValidationFailed({"customer_code": [_l("no credit file for customer '%(code)s'", code=code)]})
    current = customer.credit_limit or Decimal("0")
    if current <= 0:
        raise ValidationFailed({"customer_code": [_l("this customer holds no limit to lower (article 42)")]})
    amount = _amount(proposed)
    if amount is None or amount < 0:
        raise ValidationFailed({"proposed_limit": [_l("must be an amount of zero or more")]})
    if amount >= current:
        raise ValidationFailed(
            {
                "proposed_limit": [
                    _l(
                        "must be lower than the current limit %(limit)s (article 42)",
                        limit=format_cny(float(current)),
                    )
                ]
            }
        )
    running = open_adjustment(code)
    if running is not None:
        raise Conflict(_l("an adjustment of this customer's limit is already open (#%(id)s)", id=running))
    return customer, amount


def _seed(customer: Customer, proposed: Decimal, reason: str) -> dict[str, Any]:
    return {
        "customer_code": customer.code,
        "customer_name": customer.name,
        "current_limit": float(customer.credit_limit or 0),
        "proposed_limit": float(proposed),
        "reason": reason,
    }


class AdjustmentRules:
    """The proposal is checked against the credit file, never against what the page showed."""

    def refused_fields(self, data: dict[str, Any]) -> dict[str, list[Any]]:
        return {}

    def before_start(self, user: User, clean: dict[str, Any]) -> dict[str, Any]:
        customer, proposed = check_proposal(str(clean["customer_code"]), clean.get("proposed_limit"))
        return _seed(customer, proposed, str(clean.get("reason") or ""))

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        return {}

    def material_change(self, instance: ProcessInstance, clean: dict[str, Any]) -> bool:
        return False


rules.register(PROCESS_KEY, AdjustmentRules())


def prefill(user: User, args: Mapping[str, str]) -> dict[str, Any]:
    """The start page opened from a credit file: the customer and the limit it holds now."""
    customer = find(str(args.get("customer_code", "")))
    if customer is None or not may_read(user, customer):
        return {}
    audit_read(user, customer.code, f"page:start:{PROCESS_KEY}")
    return {"customer_code": customer.code, "customer_name": customer.name, "current_limit": customer.credit_limit}


rules.register_prefill(PROCESS_KEY, prefill)


def start_from_process(code: str, proposed: Any, reason: str, current_limit: Any = None) -> ProcessInstance:
    """Start an adjustment from another process (part of the caller's transaction); the file's limit
    is the one compared, whatever the caller saw."""
    customer, amount = check_proposal(code, proposed)
    seed = _seed(customer, amount, reason or "")
    if current_limit is not None:
        seed["limit_seen_by_caller"] = float(_amount(current_limit) or 0)
    return start_system_instance(PROCESS_KEY, seed, business_key=customer.code)


@register("start_limit_adjustment")
def start_limit_adjustment(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A service task of another diagram: starts an adjustment with customer_code, current_limit,
    proposed_limit and reason from its data; a proposal the policy refuses is answered, not raised."""
    try:
        instance = start_from_process(
            str(data.get("customer_code", "")),
            data.get("proposed_limit"),
            str(data.get("reason") or ""),
            data.get("current_limit"),
        )
    except (ValidationFailed, Conflict) as err:
        return {"started": False, "reason": str(err)}
    return {"started": True, "instance_id": instance.id}


@register("record_limit_adjustment")
def record_limit_adjustment(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    customer = find(str(data["customer_code"]))
    if customer is None:
        raise NotFound(_l("no credit file for customer '%(code)s'", code=data["customer_code"]))
    previous = customer.credit_limit or Decimal("0")
    # Lower only: if the limit fell further meanwhile (an expiry, another adjustment), it stays lower.
    new = min(Decimal(str(data["proposed_limit"])).quantize(Decimal("0.01")), previous)
    adjustment = LimitAdjustment(
        customer_id=customer.id,
        instance_id=ctx.instance.id,
        previous_limit=previous,
        new_limit=new,
        reason=str(data.get("reason") or ""),
        approvals=approvals_of(ctx.instance.id),
        decided_at=ctx.now,
    )
    db.session.add(adjustment)
    customer.credit_limit = new
    customer.updated_at = ctx.now
    db.session.add(
        AuditEvent(
            at=ctx.now,
            action="limit_adjusted",
            subject=f"customer:{customer.code}",
            details={"instance": ctx.instance.id, "from": float(previous), "to": float(new)},
        )
    )
    db.session.flush()
    return {"adjustment_id": adjustment.id, "new_limit": float(new)}
