"""Reading the customer credit file and who it belongs to; every read is recorded (confidentiality, 第三篇 五)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Customer, Delegation, User
from ..common.errors import Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..people.access import roles_of
from ..people.directory import CREDIT_FILE_ROLES


def find(code: str) -> Customer | None:
    return db.session.scalars(db.select(Customer).where(Customer.code == code)).first()


def acts_for(user: User, owner_id: int | None) -> bool:
    """The owner themself, or someone the owner has delegated their work to for now."""
    if owner_id is None:
        return False
    if owner_id == user.id:
        return True
    now = clock.now()
    return bool(
        db.session.scalar(
            db.select(Delegation.id).where(
                Delegation.delegator_id == owner_id,
                Delegation.delegate_id == user.id,
                Delegation.cancelled_at.is_(None),
                Delegation.starts_at <= now,
                Delegation.ends_at > now,
            )
        )
    )


def may_read(user: User, customer: Customer | None) -> bool:
    """Credit roles read every file; a salesperson reads the files of the customers they are responsible for."""
    if roles_of(user) & CREDIT_FILE_ROLES:
        return True
    return customer is not None and acts_for(user, customer.responsible_id)


def audit_read(user: User, code: str, where: str = "credit_file") -> None:
    event = AuditEvent(at=clock.now(), actor_id=user.id, action="read_credit_file", subject=f"customer:{code}")
    event.details = {"in": where}
    db.session.add(event)


@transactional
def read_credit_file(code: str, user: User) -> Customer:
    customer = find(code)
    if customer is None:
        raise NotFound(_l("no credit file for customer '%(code)s'", code=code))
    if not may_read(user, customer):
        raise Forbidden(_l("your role does not give access to credit files"))
    audit_read(user, code)
    # Loaded inside the transaction for the caller.
    _ = (customer.decisions, customer.receivables, customer.responsible)
    return customer


def list_customers(user: User) -> list[Customer]:
    if not roles_of(user) & CREDIT_FILE_ROLES:
        return list(
            db.session.scalars(db.select(Customer).where(Customer.responsible_id == user.id).order_by(Customer.code))
        )
    return list(db.session.scalars(db.select(Customer).order_by(Customer.code)))


@transactional
def reassign(code: str, user: User, salesperson: object, reason: object) -> Customer:
    """The sales manager hands a customer to another salesperson (客户归属); audited with the reason."""
    if "sales_manager" not in roles_of(user):
        raise Forbidden(_l("only the sales manager may reassign a customer"))
    customer = find(code)
    if customer is None:
        raise NotFound(_l("no credit file for customer '%(code)s'", code=code))
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed({"reason": [_l("a reason is required")]})
    new_owner = (
        db.session.scalars(db.select(User).where(User.username == salesperson, User.active.is_(True))).first()
        if isinstance(salesperson, str)
        else None
    )
    if new_owner is None or not new_owner.has_role("salesperson"):
        raise ValidationFailed({"salesperson": [_l("must be the user name of an active salesperson")]})
    before = customer.responsible.username if customer.responsible else None
    customer.responsible_id = new_owner.id
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=user.id,
            action="reassign_customer",
            subject=f"customer:{code}",
            comment=reason.strip(),
            details={"from": before, "to": new_owner.username},
        )
    )
    db.session.flush()
    db.session.refresh(customer)
    return customer
