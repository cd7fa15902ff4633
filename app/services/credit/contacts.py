"""The customer's contacts in their file (000 §4.1.2: 联系人, 电话, 网址): kept by the responsible
salesperson (or their delegate) and the sales manager; every addition and change is audited with
what it was before."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Customer, CustomerContact, User
from ...taskforms.fields import has_hidden_characters
from ..common.errors import Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..people.access import roles_of
from .credit_file import acts_for, find

# field -> (most characters, may span lines)
FIELDS = {
    "name": (100, False),
    "position": (100, False),
    "phone": (50, False),
    "email": (200, False),
    "website": (200, False),
    "note": (2000, True),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"^(https?://)?[^\s/]+\.[^\s]+$", re.IGNORECASE)
_PHONE = re.compile(r"^[0-9+()\- ]{3,50}$")


def may_edit(user: User, customer: Customer | None) -> bool:
    if customer is None:
        return False
    return "sales_manager" in roles_of(user) or acts_for(user, customer.responsible_id)


def _checked(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, list[Any]] = {}
    clean: dict[str, str] = {}
    for field, (longest, multiline) in FIELDS.items():
        value = values.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = [_l("must be text")]
            continue
        value = value.strip()
        if len(value) > longest:
            errors[field] = [_l("at most %(count)s characters", count=longest)]
        elif has_hidden_characters(value, multiline):
            errors[field] = [_l("may not contain control characters")]
        clean[field] = value
    if "name" not in errors and not clean.get("name"):
        errors["name"] = [_l("is required")]
    if "phone" not in errors and clean.get("phone") and not _PHONE.match(clean["phone"]):
        errors["phone"] = [_l("must be a telephone number")]
    if "email" not in errors and clean.get("email") and not _EMAIL.match(clean["email"]):
        errors["email"] = [_l("must be an e-mail address")]
    if "website" not in errors and clean.get("website") and not _WEBSITE.match(clean["website"]):
        errors["website"] = [_l("must be a web address")]
    if errors:
        raise ValidationFailed(errors)
    return clean


def _customer_for(code: str, user: User) -> Customer:
    customer = find(code)
    if customer is None:
        raise NotFound(_l("no credit file for customer '%(code)s'", code=code))
    if not may_edit(user, customer):
        raise Forbidden(_l("only the responsible salesperson or the sales manager keeps a customer's contacts"))
    return customer


@transactional
def save(code: str, user: User, values: dict[str, Any], contact_id: int | None = None) -> CustomerContact:
    """Add a contact, or change the one given; refused as a whole when any field is wrong."""
    customer = _customer_for(code, user)
    clean = _checked(values)
    now = clock.now()
    if contact_id is None:
        contact = CustomerContact(customer_id=customer.id, updated_at=now, updated_by_id=user.id, **clean)
        db.session.add(contact)
        action, before = "customer_contact_added", None
    else:
        contact = db.session.get(CustomerContact, contact_id)
        if contact is None or contact.customer_id != customer.id:
            raise NotFound(_l("no such contact"))
        before = {f: getattr(contact, f) for f in FIELDS}
        for field, value in clean.items():
            setattr(contact, field, value)
        contact.updated_at, contact.updated_by_id = now, user.id
        action = "customer_contact_changed"
    db.session.flush()
    details: dict[str, Any] = {"contact": contact.id, "now": clean}
    if before is not None:
        details["before"] = before
    db.session.add(AuditEvent(at=now, actor_id=user.id, action=action, subject=f"customer:{code}", details=details))
    db.session.flush()
    db.session.refresh(contact)
    return contact
