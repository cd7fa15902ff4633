"""The credit policy where the generic paths cannot see it: who may file for a customer, one open
application each, limits that only go down along the chain, and the company's total cap.

Registered for the credit application in `app.services.instances.rules`; the caps per grade stay
in the decision tables (bpmn/credit_policy.dmn), the process owner's to change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite

from ... import clock
from ...extensions import db
from ...i18n import format_cny
from ...models import Customer, HumanTask, ProcessInstance, User
from ..common.errors import Conflict, Forbidden, ValidationFailed
from ..instances import rules
from .credit_file import acts_for
from .ledger import check_headroom, totals

PROCESS_KEY = "credit_application"
# Facts the credit file knows better than the filer (第三十五条): refused when filed.
DERIVED = ("has_prior_credit", "previous_credit_settled")
# What an approval was given on: a resubmission that changes any of these is approved again.
MATERIAL = (
    "customer_code",
    "customer_name",
    "months_of_cooperation",
    "avg_monthly_shipment",
    "avg_monthly_collection",
    "annual_revenue",
    "total_assets",
    "total_liabilities",
    "bad_record_24m",
    "lawful",
    "good_operation_2y",
    "strong_capital",
    "meets_annual_target",
    "key_data_complete",
    "c_conditions",
    "credit_type",
    "requested_limit",
    "requested_term_days",
    "collateral_value",
)
APPROVAL_FORMS = ("credit_approval", "credit_review")
GRADE_RANK = {"A": 3, "B": 2, "C": 1}
OPEN_STATUSES = ("running", "error")


class OpenApplication(Conflict):
    """A second application for a customer while one is still open."""

    def __init__(self, instance_id: int) -> None:
        super().__init__(_l("customer already has an open credit application (#%(id)s)", id=instance_id))
        self.details = {"instance_id": instance_id}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return (a if a not in ("", None) else None) == (b if b not in ("", None) else None)


def _new_file_statement(dialect: Any) -> Any:
    columns = ("code", "name", "responsible_id", "updated_at")
    return (
        dialect.insert(Customer.__table__)
        .values({column: bindparam(column) for column in columns})
        .on_conflict_do_nothing(index_elements=["code"])
    )


# A customer's file made unless its code is taken, in each database's words; built once.
_NEW_FILE = {"postgresql": _new_file_statement(postgresql), "sqlite": _new_file_statement(sqlite)}


def _insert_customer(values: dict[str, Any]) -> bool:
    """Insert a customer's file unless its code is taken; whether this insert made it."""
    connection = db.session.connection()
    return connection.execute(_NEW_FILE[connection.dialect.name], values).rowcount == 1


_FILE_FOR_UPDATE = db.select(Customer).where(Customer.code == bindparam("code")).with_for_update()


def _locked_file(code: str, name: str, user: User) -> Customer | None:
    """The customer's file, locked for this transaction; None when this filing made it (the first one),
    under the name filed and with the filer responsible for it.

    No savepoint: an insert that does nothing on a taken code waits, on PostgreSQL, for whoever is making
    that file at the same moment, and the file is then read as they left it.
    """
    customer = db.session.scalars(_FILE_FOR_UPDATE, {"code": code}).first()
    if customer is not None:
        return customer
    if _insert_customer({"code": code, "name": name, "responsible_id": user.id, "updated_at": clock.now()}):
        return None
    return db.session.scalars(_FILE_FOR_UPDATE.execution_options(populate_existing=True), {"code": code}).one()


# Every filing asks: built once, bound per call (an id of -1 excludes no instance).
_OPEN_APPLICATION = (
    db.select(ProcessInstance.id)
    .where(
        ProcessInstance.process_key == PROCESS_KEY,
        ProcessInstance.business_key == bindparam("code"),
        ProcessInstance.status.in_(OPEN_STATUSES),
        ProcessInstance.id != bindparam("other_than"),
    )
    .limit(1)
)


def _open_application(code: str, other_than: int | None) -> int | None:
    return db.session.scalar(_OPEN_APPLICATION, {"code": code, "other_than": -1 if other_than is None else other_than})


def _check_filing(user: User, clean: dict[str, Any], instance_id: int | None) -> None:
    code = str(clean["customer_code"])
    name = str(clean.get("customer_name") or "").strip()
    customer = _locked_file(code, name, user)
    if customer is not None and customer.responsible_id is not None and not acts_for(user, customer.responsible_id):
        # Nothing about the file in the answer: who holds it, its grade and limit are not theirs to know.
        raise Forbidden(_l("another salesperson is responsible for this customer"))
    open_id = _open_application(code, instance_id)
    if open_id is not None:
        raise OpenApplication(open_id)
    if customer is None:
        return
    if customer.name and name != customer.name:
        raise ValidationFailed(
            {"customer_name": [_l("the credit file names this customer '%(name)s'", name=customer.name)]}
        )
    if not customer.name:
        customer.name = name
    if customer.responsible_id is None:
        customer.responsible_id = user.id


def _ceiling_check(instance: ProcessInstance, clean: dict[str, Any]) -> Decimal:
    """The limit this approver gives: at most what the approver before allowed (the proposal at first)."""
    data = instance.data or {}
    ceiling = Decimal(str(data.get("approved_limit") or 0))
    given = clean.get("approved_limit")
    if given is None:
        return ceiling
    limit = Decimal(str(given))
    if limit > ceiling:
        raise ValidationFailed(
            {
                "approved_limit": [
                    _l("at most %(ceiling)s, the limit allowed before this step", ceiling=format_cny(float(ceiling)))
                ]
            }
        )
    return limit


def _grade_check(instance: ProcessInstance, clean: dict[str, Any]) -> None:
    confirmed = clean.get("confirmed_grade")
    proposed = str((instance.data or {}).get("grade") or "")
    if confirmed and proposed in GRADE_RANK and GRADE_RANK[str(confirmed)] > GRADE_RANK[proposed]:
        raise ValidationFailed(
            {"confirmed_grade": [_l("may not be higher than the proposed grade %(grade)s", grade=proposed)]}
        )


def _cap_check(instance: ProcessInstance, limit: Decimal) -> dict[str, Any]:
    # Read without the company-wide lock: the step that writes the grant checks again under it.
    code = str((instance.data or {}).get("customer_code", ""))
    return check_headroom(limit, code, locked=False).as_data()


class CreditRules:
    def refused_fields(self, data: dict[str, Any]) -> dict[str, list[Any]]:
        return {
            name: [_l("comes from the credit file and finance's receivables records, not from the application")]
            for name in DERIVED
            if name in data
        }

    def before_start(self, user: User, clean: dict[str, Any]) -> dict[str, Any]:
        _check_filing(user, clean, None)
        return totals().as_data()

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        if "customer_code" in clean:  # the filer files again after a return
            _check_filing(user, clean, instance.id)
            return {}
        if task.form_key not in APPROVAL_FORMS or clean.get("decision") != "approve":
            return {}
        _grade_check(instance, clean)
        return _cap_check(instance, _ceiling_check(instance, clean))

    def material_change(self, instance: ProcessInstance, clean: dict[str, Any]) -> bool:
        before = instance.data or {}
        return any(not _same(before.get(name), clean.get(name)) for name in MATERIAL)


rules.register(PROCESS_KEY, CreditRules())
