"""The demo customers' contacts, so a newcomer opening a credit file sees the customer's people."""

from __future__ import annotations

from ... import clock
from ...extensions import db
from ...models import Customer, CustomerContact, User
from ..common.transactions import transactional

# code -> (name, position, telephone, e-mail, web address)
DEMO_CONTACTS = {
    "HD001": ("李明", "采购部经理", "021-6288 1001", "liming@huadong-trade.example", "www.huadong-trade.example"),
    "HN002": ("陈静", "财务主管", "020-8355 2002", "chenjing@huanan.example", ""),
    "XB003": ("王强", "总经理", "029-8866 3003", "", "www.xibei-jiancai.example"),
}


@transactional
def seed_contacts() -> int:
    """Idempotent: a customer that has a contact already keeps what it has."""
    now = clock.now()
    seller = db.session.scalars(db.select(User).where(User.username == "salesperson")).first()
    made = 0
    for code, (name, position, phone, email, website) in DEMO_CONTACTS.items():
        customer = db.session.scalars(db.select(Customer).where(Customer.code == code)).first()
        if customer is None or db.session.scalar(
            db.select(CustomerContact.id).where(CustomerContact.customer_id == customer.id).limit(1)
        ):
            continue
        db.session.add(
            CustomerContact(
                customer_id=customer.id,
                name=name,
                position=position,
                phone=phone,
                email=email,
                website=website,
                note="",
                updated_at=now,
                updated_by_id=seller.id if seller else None,
            )
        )
        made += 1
    return made
