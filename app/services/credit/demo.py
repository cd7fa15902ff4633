"""A few customers of the demo company with finance's receivables records, so a newcomer sees the
credit files, the 1 January total that caps the company's credit (第二十四条) and the headroom."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ... import clock
from ...extensions import db
from ...models import Customer, ReceivablesRecord, User
from ..common.transactions import transactional
from .ledger import company_today

# code, name, balance on 1 January, balance at the end of last month
DEMO_CUSTOMERS = (
    ("HD001", "华东贸易有限公司", Decimal("180000"), Decimal("0")),
    ("HN002", "华南商行", Decimal("120000"), Decimal("35000")),
    ("XB003", "西北建材公司", Decimal("100000"), Decimal("0")),
)


def _month_end_before(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)


@transactional
def seed_customers() -> list[Customer]:
    """Idempotent: a customer that already has a file is left as it is."""
    now = clock.now()
    today = company_today(now)
    owner = db.session.scalars(db.select(User).where(User.username == "salesperson")).first()
    controller = db.session.scalars(db.select(User).where(User.username == "credit_controller")).first()
    made = []
    for code, name, january, latest in DEMO_CUSTOMERS:
        if db.session.scalars(db.select(Customer).where(Customer.code == code)).first() is not None:
            continue
        customer = Customer(code=code, name=name, updated_at=now, responsible_id=owner.id if owner else None)
        db.session.add(customer)
        db.session.flush()
        for as_of, balance in ((date(today.year, 1, 1), january), (_month_end_before(today), latest)):
            db.session.add(
                ReceivablesRecord(
                    customer_id=customer.id,
                    balance=balance,
                    overdue=Decimal("0"),
                    as_of=as_of,
                    recorded_at=now,
                    recorded_by_id=controller.id if controller else None,
                    source="sheet",
                )
            )
            customer.receivables_balance, customer.overdue_balance, customer.receivables_as_of = (
                balance,
                Decimal("0"),
                as_of,
            )
        made.append(customer)
    return made
