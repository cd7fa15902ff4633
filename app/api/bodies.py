"""What the API accepts: request bodies as schemas, and the decorators a route declares itself with.

A route says what it reads with `@body(SomeBody)`, what it answers with `@bp.output(SomeAnswer)`
(shapes.py) and how it may refuse with `@refusals(403, 404, ...)`; the OpenAPI document is built
from these. The body schemas check only the kind of each value: which values are allowed is the
services' business, and they name the field in the reader's language."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from apiflask import Schema
from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE
from marshmallow.fields import Field

from ..services.common.errors import ValidationFailed
from ..services.desk.bulk import BULK_DECISIONS
from ..services.desk.inbox import MAX_PAGE_SIZE, SORTS, STATUSES, TABS
from ..services.desk.returns import TARGETS
from .blueprint import bp
from .fields import ListOf, Object, Text, Whole
from .shapes import Invalid, Refusal

View = Callable[..., Any]
_REASONS = {
    400: "bad request",
    401: "no valid bearer token",
    403: "not allowed for this user",
    404: "no such thing, or not visible to this user",
    409: "someone else acted first: already handled, claimed or changed",
    413: "too large",
    422: "invalid input: each field with its messages",
    429: "too many attempts",
}


class Body(Schema):
    class Meta:
        unknown = EXCLUDE  # keys the route does not read are ignored, as they always were


class Query(Body):
    """Query parameters: text, never null."""

    def on_bind_field(self, field_name: str, field_obj: Field) -> None:
        field_obj.allow_none = False


def body(schema: type[Body], *, optional: bool = False) -> Callable[[View], View]:
    """Validate the JSON body with `schema` and pass it to the view as `sent`.

    A body that is not a JSON object is refused as a whole (field "body"), unless `optional`:
    then the view gets an empty `sent`, for routes whose other refusals must come first."""

    def decorate(view: View) -> View:
        checked = bp.input(schema, location="json", arg_name="sent")(view)

        @functools.wraps(checked)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if isinstance(request.get_json(silent=True), dict):
                return checked(*args, **kwargs)
            if optional:
                return view(*args, sent={}, **kwargs)
            raise ValidationFailed({"body": [_l("must be a JSON object")]})

        return guarded

    return decorate


def refusals(
    *codes: int,
    secured: bool = True,
    invalid: type[Schema] = Invalid,
    answers: dict[int, dict[str, Any]] | None = None,
    request_body: dict[str, Any] | None = None,
) -> Callable[[View], View]:
    """Document the refusals a route can answer (401 always, when it needs a token).

    `answers` adds answers that `@bp.output` cannot describe, and `request_body` a body that is
    not JSON, for the rare route that reads its request itself."""
    every = {*codes, 401} if secured else set(codes)
    return bp.doc(
        responses={**refusals_for(every, Refusal, invalid), **(answers or {})},
        security="bearer" if secured else None,
        extensions={"requestBody": request_body} if request_body else None,
    )


def refusals_for(codes: set[int], refusal: Any, invalid: Any) -> dict[int, dict[str, Any]]:
    """OpenAPI answers for these refusals; 422 names each field, the others say why."""
    return {
        code: {
            "description": _REASONS.get(code, "refused"),
            "content": {"application/json": {"schema": invalid if code == 422 else refusal}},
        }
        for code in sorted(codes)
    }


def flat_messages(messages: Mapping[str, Any] | list[Any]) -> dict[str, list[str]]:
    """Marshmallow's nested messages as the API has always sent them: field -> its messages."""
    if not isinstance(messages, Mapping):
        return {"body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for name, found in messages.items():
        field = "body" if name == "_schema" else str(name)
        flat.setdefault(field, []).extend(_leaves(found))
    return flat


def _leaves(found: Any) -> list[str]:
    if isinstance(found, Mapping):
        return [m for value in found.values() for m in _leaves(value)]
    if isinstance(found, list | tuple):
        return [m for value in found for m in _leaves(value)]
    return [str(found)]


class Credentials(Body):
    username = Text()
    password = Text()


class WithData(Body):
    data = Object(metadata={"description": "the task form's or the start form's fields"})


class Reassignment(Body):
    assignee = Text()
    reason = Text()


class Transfer(Body):
    assignee = Text()
    comment = Text()


class Opinion(Body):
    comment = Text()


class CopyTo(Body):
    user = Text()
    comment = Text()


class Bulk(Body):
    task_ids = ListOf(Whole(), metadata={"minItems": 1})
    decision = Text(metadata={"enum": list(BULK_DECISIONS)})
    comment = Text()


class FilterToSave(Body):
    name = Text()
    params = Object(metadata={"description": "the task list's parameters: tab, status, sort, process, ..."})


class ReturnTo(Body):
    target = Text(metadata={"enum": list(TARGETS)})
    comment = Text()


class NewSigner(Body):
    user = Text()
    position = Text(metadata={"enum": ["before", "after"]})
    reason = Text()


class NewDelegation(Body):
    delegate = Text()
    starts_at = Text(metadata={"description": "company time, e.g. 2026-10-09T09:00"})
    ends_at = Text(metadata={"description": "company time; a date alone means the end of that day"})
    reason = Text()


class Reason(Body):
    reason = Text()


class NewComment(Body):
    body = Text()


class DeskFilters(Query):
    process = Text()
    role = Text()
    person = Text()


class PeopleQuery(Query):
    q = Text(metadata={"maxLength": 100, "description": "part of a login, a name or an e-mail"})
    no_supervisor = Text(metadata={"description": "1: only people without a supervisor"})
    no_role = Text(metadata={"description": "1: only people holding no role"})
    page = Text(metadata={"description": "a whole number from 1; a page holds 100 people"})


class TaskQuery(Query):
    tab = Text(metadata={"enum": list(TABS)})
    scope = Text(metadata={"enum": list(TABS), "description": "the old name of `tab`"})
    status = Text(metadata={"enum": list(STATUSES)})
    sort = Text(metadata={"enum": list(SORTS)})
    process = Text(metadata={"maxLength": 100})
    customer = Text(metadata={"maxLength": 200})
    due_from = Text(metadata={"format": "date", "description": "a company date"})
    due_to = Text(metadata={"format": "date", "description": "a company date"})
    q = Text(metadata={"maxLength": 100, "description": "part of a title or business key"})
    priority_min = Text(metadata={"description": "only tasks of at least this priority (Camunda's, 50 by default)"})
    after = Text(metadata={"description": "the `next` cursor of the previous page"})
    before = Text(metadata={"description": "the `prev` cursor of the next page"})
    limit = Text(metadata={"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE})


class ProposalDecision(Body):
    # Checked by the service, after who may decide: the proposer is refused whatever they send.
    decision = Text(metadata={"enum": ["approve", "reject"]})
    comment = Text(metadata={"description": "the opinion (required, as for every approval), at most 2000 characters"})


class FileQuery(Query):
    grade = Text(metadata={"enum": ["A", "B", "C", "none"], "description": "`none`: no grade yet"})
    responsible = Text(metadata={"maxLength": 64, "description": "the responsible salesperson's user name"})
    over_limit = Text(metadata={"enum": ["1", "0", "true", "false"], "description": "balance above the limit"})
    expiring_within = Text(
        metadata={"type": "integer", "minimum": 0, "maximum": 3660, "description": "the grant ends within N days"}
    )


class ContactBody(Body):
    name = Text(metadata={"maxLength": 100})
    position = Text(metadata={"maxLength": 100})
    phone = Text(metadata={"maxLength": 50})
    email = Text(metadata={"maxLength": 200})
    website = Text(metadata={"maxLength": 200})
    note = Text(metadata={"maxLength": 2000})
