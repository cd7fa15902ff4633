"""Demo customers in each state the credit file takes after the grant: over the limit with a plan to
write, a grant ending within the month (its renewal task), one already expired, one with a one-off
allowance beyond the limit, and a lower limit waiting for the chairman. Part of the demo's working day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from ...extensions import db
from ...models import CreditDecision, Customer, HumanTask, User
from ..common.transactions import transactional
from ..desk import tasks as task_service
from ..instances import lifecycle
from . import daily, receivables
from .ledger import company_today
from .renewal import months_later

APPROVE = {"decision": "approve", "comment": "同意。"}


def _user(username: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == username)).one()


@transactional
def _granted(code: str, name: str, limit: int, valid_until: date, now: datetime) -> None:
    """A grant of last year's contract, as the file holds it."""
    owner = _user("salesperson")
    customer = Customer(
        code=code,
        name=name,
        grade="A",
        credit_limit=Decimal(limit),
        term_days=30,
        credit_type="long_term",
        updated_at=now,
        responsible_id=owner.id,
    )
    db.session.add(customer)
    db.session.flush()
    start = months_later(valid_until, -12) + timedelta(days=1)
    db.session.add(
        CreditDecision(
            customer_id=customer.id,
            decision="approve",
            grade="A",
            credit_type="long_term",
            requested_limit=Decimal(limit),
            credit_limit=Decimal(limit),
            term_days=30,
            reason=None,
            approvals=[],
            filed_by_id=owner.id,
            decided_at=now - timedelta(days=(company_today(now) - start).days),
            valid_from=start,
            valid_until=valid_until,
        )
    )


def _approve_all(instance_id: int, usernames: tuple[str, ...]) -> None:
    for username in usernames:
        task = db.session.scalars(
            db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        ).one()
        task_service.complete(task.id, _user(username), APPROVE)


def seed(now: datetime) -> None:
    today = company_today(now)
    controller = _user("credit_controller")
    # Over the limit: finance's latest record is above what the customer may owe.
    _granted("DEMO-K201", "苏州宏达电子有限公司", 50000, months_later(today, 7), now)
    receivables.record("DEMO-K201", controller, {"balance": 62000, "overdue": 8000, "as_of": today.isoformat()})
    # The contract year ends within the month: the salesperson renews it or ends it.
    _granted("DEMO-K202", "无锡新程物流有限公司", 30000, today + timedelta(days=20), now)
    receivables.record("DEMO-K202", controller, {"balance": 0, "overdue": 0, "as_of": today.isoformat()})
    # Not renewed: it expired three days ago and its limit is 0.
    _granted("DEMO-K203", "常州金穗食品有限公司", 20000, today - timedelta(days=3), now)
    # A one-off shipment beyond the limit, approved along the whole chain.
    _granted("DEMO-K204", "南通海联纺织有限公司", 40000, months_later(today, 9), now)
    allowance = lifecycle.start(
        "credit_one_off_allowance",
        _user("salesperson"),
        {
            "customer_code": "DEMO-K204",
            "amount": 20000.0,
            "reason": "年底旺季一次性备货，客户承诺下月初回款。",
            "valid_until": (today + timedelta(days=14)).isoformat(),
        },
    )
    _approve_all(allowance.id, ("sales_manager", "credit_controller", "finance_director", "general_manager"))
    # A lower limit after the monthly evaluation, waiting for the chairman.
    lower = lifecycle.start(
        "credit_limit_adjustment",
        _user("sales_manager"),
        {"customer_code": "DEMO-K201", "proposed_limit": 30000.0, "reason": "连续两月超额度，回款放缓。"},
    )
    _approve_all(lower.id, ("sales_vp", "general_manager"))
    daily.run(now)
