"""Rules every decision obeys: an opinion (审批意见) is given, and nobody approves their own application."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...models import HumanTask, ProcessInstance, User
from ...taskforms import FormDef
from ..common.errors import Forbidden, ValidationFailed

DECISIONS_NEEDING_OPINION = ("approve", "reject", "return")
OPINION_FIELD = "comment"
MAX_OPINION = 2000


def _form_of(task: HumanTask) -> FormDef | None:
    if not task.form_key:
        return None
    forms = current_app.extensions["forms"]
    return forms.get(task.form_key) if task.form_key and forms.has(task.form_key) else None


def is_approval(task: HumanTask) -> bool:
    """A step that decides the application: its form offers approve among its decisions."""
    form = _form_of(task)
    if form is None:
        return False
    for field in form.fields:
        if field.name == "decision" and any(value == "approve" for value, _ in field.choices):
            return True
    return False


def refuse_own_application(user: User, instance: ProcessInstance, task: HumanTask) -> None:
    if instance.started_by_id == user.id and is_approval(task):
        raise Forbidden(_l("the filer may not approve their own application"))


def require_opinion(data: dict[str, Any]) -> None:
    """Approve, reject and return each carry a written opinion; it goes into the audit trail and stays there."""
    if data.get("decision") not in DECISIONS_NEEDING_OPINION:
        return
    opinion = data.get(OPINION_FIELD)
    if not isinstance(opinion, str) or not opinion.strip():
        raise ValidationFailed({OPINION_FIELD: [_l("an opinion is required to approve, reject or return")]})
    if len(opinion) > MAX_OPINION:
        raise ValidationFailed({OPINION_FIELD: [_l("at most %(count)s characters", count=MAX_OPINION)]})
