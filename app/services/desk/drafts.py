"""Half-filled task forms saved to come back to later; one per task and person."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ... import clock
from ...extensions import db
from ...models import HumanTask, TaskDraft, User
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..people.access import may_act_on

MAX_DRAFT_FIELDS = 100
MAX_DRAFT_VALUE = 10_000


def _task_to_draft(task_id: int, user: User) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    if not may_act_on(user, task):
        raise Forbidden(_l("this task is not yours"))
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    return task


def _clean(data: object) -> dict[str, Any]:
    """A draft is unchecked on purpose (it may be incomplete), but it is bounded and plain."""
    if not isinstance(data, dict):
        raise ValidationFailed({"data": [_l("must be an object")]})
    if len(data) > MAX_DRAFT_FIELDS:
        raise ValidationFailed({"data": [_l("at most %(count)s fields", count=MAX_DRAFT_FIELDS)]})
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or key == "csrf_token":
            continue
        if value is not None and not isinstance(value, str | int | float | bool | list):
            raise ValidationFailed({key: [_l("must be text, a number, a yes/no or a list")]})
        if len(str(value)) > MAX_DRAFT_VALUE:
            raise ValidationFailed({key: [_l("at most %(count)s characters", count=MAX_DRAFT_VALUE)]})
        clean[key] = value
    return clean


def get(task_id: int, user: User) -> TaskDraft | None:
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    if not may_act_on(user, task) and task.completed_by_id != user.id:
        raise Forbidden(_l("this task is not yours"))
    return db.session.scalars(
        db.select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.user_id == user.id)
    ).first()


def _existing(task_id: int, user_id: int) -> TaskDraft | None:
    return db.session.scalars(
        db.select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.user_id == user_id)
    ).first()


@transactional
def save(task_id: int, user: User, data: object) -> TaskDraft:
    task = _task_to_draft(task_id, user)
    clean = _clean(data)
    now = clock.now()
    draft = _existing(task.id, user.id)
    if draft is not None:
        draft.data, draft.saved_at = clean, now
        return draft
    # Two first saves at once (a double click, two tabs): the unique key lets one insert,
    # the other turns into an update of the row that won.
    try:
        with db.session.begin_nested():
            draft = TaskDraft(task_id=task.id, user_id=user.id, data=clean, saved_at=now)
            db.session.add(draft)
            db.session.flush()
    except IntegrityError:
        draft = _existing(task.id, user.id)
        if draft is None:
            raise Conflict(_l("the draft could not be saved; try again")) from None
        draft.data, draft.saved_at = clean, now
    return draft


def as_formdata(draft: TaskDraft) -> MultiDict[str, Any]:
    """The draft as if the form had just been posted, so every field type redisplays it as typed."""
    pairs = []
    for key, value in (draft.data or {}).items():
        for item in value if isinstance(value, list) else [value]:
            if item is None or item is False:
                continue  # an unticked box is one that is not posted
            pairs.append((key, "y" if item is True else str(item)))
    return MultiDict(pairs)


def prepare(task: HumanTask, user_id: int, data: dict[str, Any]) -> None:
    """A draft written for someone (e.g. the filed values for a resubmission); part of the caller's transaction."""
    db.session.add(TaskDraft(task_id=task.id, user_id=user_id, data=data, saved_at=clock.now()))


def exists_for(task_id: Any) -> Any:
    """A SQL flag: whether anyone saved a draft of the task."""
    return db.select(TaskDraft.id).where(TaskDraft.task_id == task_id).exists().label("has_draft")


def discard_for_task(task_id: int) -> None:
    """The task is done: its drafts have served; part of the caller's transaction."""
    db.session.execute(db.delete(TaskDraft).where(TaskDraft.task_id == task_id))
