"""The daily digest: each person's tasks that fall due by the end of the next working day."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import or_, update

from ... import clock
from ...clock import to_company_iso
from ...extensions import db
from ...models import HumanTask, User
from ..common.transactions import transactional
from ..desk.tasks import list_tasks
from ..notifications import notices
from .workdays import load_calendar


def _line(task: HumanTask, now: datetime) -> str:
    due = (to_company_iso(task.due_at) or "")[:16].replace("T", " ")
    late = " 【已逾期 overdue】" if task.due_at and task.due_at < now else ""
    return f"- {task.title} · {due}{late}\n  {notices.task_link(task.id)}"


@transactional
def _digest_for(user_id: int, today: datetime, horizon: datetime) -> bool:
    # The conditional update makes the digest go out once a day however many schedulers run.
    won = db.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.last_digest_on.is_(None), User.last_digest_on < today.date()))
        .values(last_digest_on=today.date())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return False
    user = db.session.get(User, user_id)
    tasks = [t for t in list_tasks(user, "all", limit=100) if t.due_at and t.due_at <= horizon]
    if not tasks:
        return False
    now = clock.now()
    lines = "\n".join(_line(t, now) for t in tasks)
    notices.queue(
        user,
        "digest",
        f"[今日待办 Due soon] {len(tasks)} 项任务即将到期 / {len(tasks)} tasks due soon",
        f"以下任务将于下一个工作日结束前到期：\nThese tasks fall due by the end of the next working day:\n\n{lines}\n",
        now,
    )
    return True


def queue_digests() -> int:
    """After the digest hour (company time), queue today's digest for everyone not yet served."""
    calendar = load_calendar()
    now = clock.now()
    local = now.astimezone(calendar.tz)
    if local.hour < current_app.config["DIGEST_HOUR"]:
        return 0
    horizon = calendar.add_working_days(now, 1)
    user_ids = list(
        db.session.scalars(
            db.select(User.id).where(
                User.active.is_(True), or_(User.last_digest_on.is_(None), User.last_digest_on < local.date())
            )
        )
    )
    db.session.rollback()
    return sum(_digest_for(user_id, local, horizon) for user_id in user_ids)
