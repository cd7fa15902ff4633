"""What the API answers about customer files: the whole file and the filtered list (see shapes.py)."""

from __future__ import annotations

from marshmallow import fields

from .fields import CompanyTime, ListOf, Text, Whole
from .shapes import Answer, CreditFile


class Contact(Answer):
    id = Whole()
    name = Text()
    position = Text()
    phone = Text()
    email = Text()
    website = Text()
    note = Text()
    updated_at = CompanyTime()


class Case(Answer):
    NULLABLE = frozenset({"business_key", "title", "ended_at"})
    instance_id = Whole()
    process_key = Text()
    process_name = Text(metadata={"description": "in the caller's language"})
    status = Text(metadata={"enum": ["running", "completed", "cancelled", "error", "withdrawn"]})
    business_key = Text()
    title = Text()
    started_at = CompanyTime()
    ended_at = CompanyTime()


class CustomerComplaint(Answer):
    NULLABLE = frozenset({"closed_at", "outcome"})
    number = Text()
    instance_id = Whole()
    category = Text()
    received_at = CompanyTime()
    closed_at = CompanyTime()
    outcome = Text()


class CustomerFile(CreditFile):
    """The credit file with everything the customer's file holds (000 §4.1.2)."""

    contacts = ListOf(fields.Nested(Contact))
    cases = ListOf(
        fields.Nested(Case),
        metadata={"description": "every instance of any process whose data names this customer, newest first"},
    )
    complaints = ListOf(fields.Nested(CustomerComplaint))


class FileLine(Answer):
    NULLABLE = frozenset(
        {"grade", "limit", "term_days", "responsible", "balance", "overdue", "receivables_as_of", "valid_until"}
    )
    code = Text()
    name = Text()
    grade = Text()
    limit = fields.Float()
    term_days = Whole()
    responsible = Text()
    balance = fields.Float()
    overdue = fields.Float()
    receivables_as_of = Text(metadata={"format": "date"})
    over_limit = fields.Boolean()
    valid_until = Text(metadata={"format": "date"})


class FileList(Answer):
    customers = ListOf(fields.Nested(FileLine))
