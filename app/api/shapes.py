"""What the API answers, as schemas: a route's answer is dumped through its schema, so the document
at /api/v1/openapi.json describes exactly what is sent, and every instant goes out in company time."""

from __future__ import annotations

from typing import ClassVar

from apiflask import Schema
from marshmallow import fields

from .fields import CompanyTime, ListOf, Object, Text, Whole


class Answer(Schema):
    """Every key of an answer is always sent; only the ones named in NULLABLE may be null."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()  # keys sent only in some answers

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = field_name not in self.OPTIONAL
        field_obj.allow_none = field_name in self.NULLABLE


class Refusal(Answer):
    error = Text(metadata={"description": "why, in the caller's language"})


class Invalid(Answer):
    error = Text()
    errors = Object(keys=Text(), values=ListOf(Text()), metadata={"description": "field name -> its messages"})


class ModelProblem(Answer):
    NULLABLE = frozenset({"element_id"})
    OPTIONAL = frozenset({"file"})
    file = Text(metadata={"description": "which file, when several were sent"})
    element_id = Text()
    message = Text()


class ModelProblems(Answer):
    OPTIONAL = frozenset({"error"})
    error = Text()
    errors = ListOf(fields.Nested(ModelProblem))


class Token(Answer):
    token = Text()


class Task(Answer):
    NULLABLE = frozenset({"business_key", "title", "role", "assignee", "due_at", "form_key", "escalated_to"})
    id = Whole()
    process_key = Text()
    instance_id = Whole()
    business_key = Text()
    name = Text()
    title = Text()
    role = Text()
    assignee = Text()
    status = Text()
    created_at = CompanyTime()
    due_at = CompanyTime()
    overdue = fields.Boolean()
    form_key = Text()
    escalation_level = Whole()
    escalated_to = Text()


class InboxRow(Task):
    NULLABLE = Task.NULLABLE | {"customer", "urgency"}
    customer = Text()
    urgency = Text(metadata={"enum": ["overdue", "due-today", None]})


class InboxPage(Answer):
    NULLABLE = frozenset({"next", "prev"})
    tasks = ListOf(fields.Nested(InboxRow))
    next = Text(metadata={"description": "pass back as `after` for the next page"})
    prev = Text(metadata={"description": "pass back as `before` for the previous page"})


class Started(Answer):
    NULLABLE = frozenset({"business_key"})
    id = Whole()
    business_key = Text()
    status = Text()


class HistoryEntry(Answer):
    NULLABLE = frozenset({"actor", "task", "comment"})
    at = CompanyTime()
    actor = Text()
    action = Text()
    task = Text()
    comment = Text()


class Instance(Answer):
    NULLABLE = frozenset({"business_key", "title", "ended_at", "due_at", "case_closed_at"})
    id = Whole()
    process_key = Text()
    version = Whole()
    status = Text()
    business_key = Text()
    title = Text()
    started_at = CompanyTime()
    ended_at = CompanyTime()
    due_at = CompanyTime()
    case_closed_at = CompanyTime()
    data = Object()
    tasks = ListOf(fields.Nested(Task))
    history = ListOf(fields.Nested(HistoryEntry))


class Approval(Answer):
    NULLABLE = frozenset({"task", "actor", "actor_name", "comment", "approved_limit", "confirmed_grade", "superseded"})
    confirmed_grade = Text()
    superseded = fields.Boolean()
    task = Text()
    action = Text()
    actor = Text()
    actor_name = Text()
    comment = Text()
    approved_limit = fields.Float()
    at = CompanyTime()


class Decision(Answer):
    NULLABLE = frozenset(
        {
            "grade",
            "credit_type",
            "requested_limit",
            "limit",
            "term_days",
            "reason",
            "reason_en",
            "instance_id",
            "filed_by",
            "valid_from",
            "valid_until",
        }
    )
    decision = Text()
    valid_from = Text()
    valid_until = Text()
    grade = Text()
    credit_type = Text()
    requested_limit = fields.Float()
    limit = fields.Float()
    term_days = Whole()
    reason = Text()
    reason_en = Text()
    instance_id = Whole()
    filed_by = Text()
    decided_at = CompanyTime()
    approvals = ListOf(fields.Nested(Approval))


class CreditFile(Answer):
    NULLABLE = frozenset(
        {"grade", "limit", "term_days", "credit_type", "updated_at", "responsible", "valid_from", "valid_until"}
    )
    responsible = Text()
    valid_from = Text()
    valid_until = Text()
    receivables = Object()
    code = Text()
    name = Text()
    grade = Text()
    limit = fields.Float()
    term_days = Whole()
    credit_type = Text()
    updated_at = CompanyTime()
    history = ListOf(fields.Nested(Decision))


class LateTask(Task):
    NULLABLE = Task.NULLABLE | {"holder", "department", "late_working_days", "late_hours"}
    holder = Text()
    department = Text()
    late_working_days = Whole()
    late_hours = fields.Float()


class CaseAtRisk(Answer):
    NULLABLE = frozenset({"business_key", "title", "due_at", "hours_left"})
    instance_id = Whole()
    process_key = Text()
    business_key = Text()
    title = Text()
    due_at = CompanyTime()
    overdue = fields.Boolean()
    hours_left = fields.Float()


class Desk(Answer):
    NULLABLE = frozenset({"on_time_rate_last_month", "due_soon_until"})
    tasks = ListOf(fields.Nested(LateTask))
    cases_at_risk = ListOf(fields.Nested(CaseAtRisk))
    counts_by_department = Object(keys=Text(), values=Whole())
    on_time_rate_last_month = fields.Float()
    completed_last_month = Whole()
    due_soon_until = CompanyTime()


class UnownedTask(Answer):
    NULLABLE = frozenset({"role"})
    id = Whole()
    name = Text()
    role = Text()


class Incident(Answer):
    NULLABLE = frozenset({"business_key", "error"})
    instance_id = Whole()
    process_key = Text()
    version = Whole()
    business_key = Text()
    error = Text()
    unowned_tasks = ListOf(fields.Nested(UnownedTask), metadata={"description": "open tasks nobody may take"})


class Incidents(Answer):
    incidents = ListOf(fields.Nested(Incident))


class Retried(Answer):
    id = Whole()
    status = Text()
    version = Whole()


class Withdrawn(Answer):
    id = Whole()
    status = Text()


class CopiedIn(Answer):
    instance_id = Whole()
    user_id = Whole()


class BulkResult(Answer):
    NULLABLE = frozenset({"error"})
    task_id = Whole()
    ok = fields.Boolean()
    status = Whole()
    error = Text()


class BulkResults(Answer):
    results = ListOf(fields.Nested(BulkResult))
    succeeded = Whole()


class SavedFilter(Answer):
    id = Whole()
    name = Text()
    params = Object()


class SavedFilters(Answer):
    filters = ListOf(fields.Nested(SavedFilter))


class Deleted(Answer):
    deleted = Whole()
