"""Reading the customer credit file; every read is recorded (confidentiality, 第三篇 五)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, CreditDecision, Customer, User
from ..common.errors import Forbidden, NotFound
from ..common.transactions import transactional
from ..people.access import may_view_credit_file
from ..people.directory import CREDIT_FILE_ROLES


@transactional
def read_credit_file(code: str, user: User) -> Customer:
    customer = db.session.scalars(db.select(Customer).where(Customer.code == code)).first()
    if customer is None:
        raise NotFound(_l("no credit file for customer '%(code)s'", code=code))
    filers = set(
        db.session.scalars(db.select(CreditDecision.filed_by_id).where(CreditDecision.customer_id == customer.id))
    )
    if not may_view_credit_file(user, {f for f in filers if f}):
        raise Forbidden(_l("your role does not give access to credit files"))
    db.session.add(AuditEvent(at=clock.now(), actor_id=user.id, action="read_credit_file", subject=f"customer:{code}"))
    _ = customer.decisions  # loaded inside the transaction for the caller
    return customer


def list_customers(user: User) -> list[Customer]:
    if not user.role_keys & CREDIT_FILE_ROLES:
        filed = db.select(CreditDecision.customer_id).where(CreditDecision.filed_by_id == user.id)
        return list(db.session.scalars(db.select(Customer).where(Customer.id.in_(filed)).order_by(Customer.code)))
    return list(db.session.scalars(db.select(Customer).order_by(Customer.code)))
