"""Finding a person by what one remembers of them: part of a Chinese name, its pinyin or initials, a log-in
name or a department; and who qualifies for what the picker is for (抄送, 委托, 转办, 改派)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from pypinyin import Style, lazy_pinyin
from sqlalchemy.orm import lazyload

from ...extensions import db
from ...i18n import current_locale
from ...models import AddedSigner, HumanTask, ProcessInstance, User
from ..common.errors import Forbidden, NotFound, ValidationFailed
from ..deadlines.supervision import subordinate_ids
from ..desk.opinions import is_approval
from ..notifications import notices
from .directory import DEPARTMENTS

PURPOSES = ("copy", "delegate", "transfer", "reassign", "add_signer")
LIMIT = 20


@dataclass(frozen=True)
class Found:
    user: User
    department: str  # the department key: the page names it in the reader's language


# Room for every name of a large company: the picker spells each colleague's name on every keystroke,
# and a cache smaller than the staff forgets each name just before it is asked for again.
@functools.lru_cache(maxsize=65_536)
def spellings(name: str) -> tuple[str, str]:
    """A name's pinyin run together ("zhangwei") and its initials ("zw"), lower case."""
    syllables = lazy_pinyin(name, errors="default")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(syllables).lower().replace(" ", ""), "".join(initials).lower().replace(" ", "")


def matches(user: User, needle: str) -> bool:
    """Does what was typed appear in the person's name, its pinyin or initials, log-in name or department?"""
    if not needle:
        return True
    name = user.display_name
    full, initials = spellings(name)
    department = DEPARTMENTS.get(user.department, ("", ""))
    haystacks = (
        name.lower(),
        full,
        initials,
        user.username.lower(),
        user.department.lower(),
        department[0],
        department[1].lower(),
    )
    compact = needle.replace(" ", "")
    return any(needle in h or compact in h for h in haystacks)


def _task(task_id: int | None) -> HumanTask:
    if task_id is None:
        raise ValidationFailed({"task": [_l("which task is required for this choice")]})
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    return task


def _could_hold(task: HumanTask) -> set[int]:
    """Everyone who could hold the task: its candidate people and the active holders of its roles, read
    for those roles alone rather than from every colleague's own roles."""
    holders = notices.holders_of_roles(set(task.candidate_roles))
    return set(task.candidate_user_ids) | {user_id for found in holders.values() for user_id, _ in found}


def added_signer_candidates(task: HumanTask, asker: User, people: list[User]) -> list[User]:
    """Who may sign a task beside its holder (加签): any other active colleague, never the filer of an
    application being approved, nor someone already added to the task and not yet done."""
    instance = db.session.get(ProcessInstance, task.instance_id)
    filer = instance.started_by_id if instance is not None and is_approval(task) else None
    taken = set(
        db.session.scalars(
            db.select(AddedSigner.user_id).where(
                AddedSigner.for_task_id == task.id, AddedSigner.status.in_(("waiting", "open"))
            )
        )
    )
    return [u for u in people if u.id not in {asker.id, filer, *taken}]


def candidates(purpose: str, asker: User, task_id: int | None = None) -> list[User]:
    """Everyone who may be chosen for the purpose, before what was typed narrows it.

    转办 (by the holder) and 改派 (by a supervisor of the holder) need someone holding the task's role
    other than whoever holds it now (a task without a role goes to someone in the supervisor's part of the
    org chart); 抄送 and 委托 may name any other active colleague.
    """
    # Each colleague without their roles: who holds the task's roles is read once, for those roles alone.
    everyone = db.select(User).options(lazyload(User.roles)).where(User.active.is_(True)).order_by(User.username)
    people = list(db.session.scalars(everyone))
    if purpose == "transfer":
        task = _task(task_id)
        if task.assignee_id != asker.id:
            raise Forbidden(_l("only the person holding the task may transfer it (claim it first)"))
        could_hold = _could_hold(task)
        return [u for u in people if u.id in could_hold and u.id != asker.id]
    if purpose == "reassign":
        task = _task(task_id)
        team = subordinate_ids(asker)
        could_hold = _could_hold(task)
        active = {u.id for u in people if u.id in could_hold}
        holders = {task.assignee_id} if task.assignee_id is not None else active
        if not (holders & team):
            raise Forbidden(_l("only a supervisor of the task's holder may reassign it"))
        if task.candidate_roles or task.candidate_user_ids:
            return [u for u in people if u.id in could_hold and u.id != task.assignee_id]
        return [u for u in people if u.id in team and u.id != task.assignee_id]
    if purpose == "add_signer":
        task = _task(task_id)
        if task.assignee_id != asker.id:
            raise Forbidden(_l("only the person holding the task may add a signer (claim it first)"))
        return added_signer_candidates(task, asker, people)
    return [u for u in people if u.id != asker.id]


def search(query: str, purpose: str, asker: User, task_id: int | None = None, limit: int = LIMIT) -> list[Found]:
    """Who qualifies for the purpose and matches what was typed, best matches (name begins with it) first."""
    if purpose not in PURPOSES:
        raise ValidationFailed({"for": [_l("must be one of: copy, delegate, transfer, reassign, add_signer")]})
    needle = query.strip().lower()[:50]
    found = [u for u in candidates(purpose, asker, task_id) if matches(u, needle)]
    found.sort(
        key=lambda u: (
            not spellings(u.display_name)[0].startswith(needle) and not u.display_name.startswith(needle),
            u.username,
        )
    )
    return [Found(u, u.department) for u in found[:limit]]


def department_label(key: str) -> str:
    """A department's name in the reader's language."""
    zh, en = DEPARTMENTS.get(key, (key, key))
    return zh if current_locale() == "zh_CN" else en
