"""Approve or reject several tasks of one kind with one opinion.

Each task is checked, completed and audited in its own transaction, exactly as if it had been
decided on its own page: one failing never undoes the others, and the caller gets every outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import HumanTask, ProcessInstance, User
from ..common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from . import tasks as task_service

BULK_DECISIONS = ("approve", "reject")
MAX_TASKS = 100


@dataclass(frozen=True)
class BulkResult:
    task_id: int
    ok: bool
    status: int  # the HTTP status the same action on one task would answer
    error: str | None = None
    title: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "ok": self.ok, "status": self.status, "error": self.error}


def _checked_input(task_ids: object, decision: object, comment: object) -> tuple[list[int], str, str]:
    errors: dict[str, list[str]] = {}
    ids: list[int] = []
    if not isinstance(task_ids, list) or not task_ids:
        errors["task_ids"] = [_l("choose at least one task")]
    elif len(task_ids) > MAX_TASKS:
        errors["task_ids"] = [_l("at most %(count)s tasks at once", count=MAX_TASKS)]
    elif not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in task_ids):
        errors["task_ids"] = [_l("must be task ids")]
    else:
        ids = list(dict.fromkeys(task_ids))  # the same task twice is decided once
    if decision not in BULK_DECISIONS:
        errors["decision"] = [_l("must be one of %(values)s", values=", ".join(BULK_DECISIONS))]
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = [_l("must be text")]
    elif isinstance(comment, str) and len(comment) > 2000:
        errors["comment"] = [_l("must be at most %(count)s characters", count=2000)]
    elif not (comment or "").strip():
        errors["comment"] = [_l("an opinion is required to approve or reject")]
    if errors:
        raise ValidationFailed(errors)
    return ids, str(decision), (comment or "").strip()


def _check_one(task_id: int, user: User, kind: str | None) -> HumanTask:
    """What bulk adds to the single-task rules: a bulk form, one kind, and never one's own application."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    form_def = current_app.extensions["forms"].get(task.form_key) if task.form_key else None
    if form_def is None or not form_def.bulk:
        raise Forbidden(_l("this kind of task must be decided on its own page"))
    if kind is not None and task.form_key != kind:
        raise Forbidden(_l("a different kind of task from the others chosen"))
    started_by = db.session.scalar(
        db.select(ProcessInstance.started_by_id).where(ProcessInstance.id == task.instance_id)
    )
    if started_by == user.id:
        raise Forbidden(_l("you filed this application and may not decide it"))
    return task


def decide(user: User, task_ids: object, decision: object, comment: object = "") -> list[BulkResult]:
    """Decide each task in turn; returns one result per distinct task id, in the order given."""
    ids, clean_decision, clean_comment = _checked_input(task_ids, decision, comment)
    data = {"decision": clean_decision, "comment": clean_comment}
    results: list[BulkResult] = []
    kind: str | None = None
    for task_id in ids:
        title = None
        try:
            task = _check_one(task_id, user, kind)
            kind, title = task.form_key, task.display_title
            task_service.complete(task_id, user, dict(data))
            results.append(BulkResult(task_id, True, 200, title=title))
        except ValidationFailed as err:
            db.session.rollback()
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.errors.items())
            results.append(BulkResult(task_id, False, err.status, detail, title))
        except DomainError as err:
            db.session.rollback()
            results.append(BulkResult(task_id, False, err.status, err.message, title))
    return results
