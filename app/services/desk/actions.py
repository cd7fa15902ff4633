"""Everyday approval actions beside completing a task: transfer it (转办) and urge its holder (催办)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, HumanTask, InstanceWatcher, ProcessInstance, User
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..deadlines.supervision import subordinate_ids
from ..instances.lifecycle import instance_title
from ..instances.projection import Step, load_runtime, project
from ..modeling.specs import bundle_for_id
from ..notifications import centre, notices
from ..people.accounts import user_named
from .comments import open_to_contributions
from .handover import hand_over, new_holder


def _open_task(task_id: int) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_l("task %(id)s does not exist", id=task_id))
    return task


def _opinion(comment: object) -> str:
    if not isinstance(comment, str) or not comment.strip():
        raise ValidationFailed({"comment": [_l("an opinion is required")]})
    if len(comment) > 2000:
        raise ValidationFailed({"comment": [_l("at most 2000 characters")]})
    return comment.strip()


@transactional
def transfer(task_id: int, actor: User, assignee_username: object, comment: object) -> HumanTask:
    """The holder hands the task to another person of the same role."""
    task = _open_task(task_id)
    if task.assignee_id != actor.id:
        raise Forbidden(_l("only the person holding the task may transfer it (claim it first)"))
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    opinion = _opinion(comment)
    new = new_holder(task, assignee_username)
    if new.id == actor.id:
        raise ValidationFailed({"assignee": [_l("the task is yours already")]})
    return hand_over(task, actor, new, "transfer", opinion, {"to": new.username})


def _holders(task: HumanTask) -> list[User]:
    return [task.assignee] if task.assignee else notices.role_holders(task.role or "")


def may_urge(task: HumanTask, actor: User, holders: list[User] | None = None) -> bool:
    """Only the filer, or a supervisor of whoever holds the task, may remind its holder."""
    instance = db.session.get(ProcessInstance, task.instance_id)
    if instance is not None and instance.started_by_id == actor.id:
        return True
    holders = _holders(task) if holders is None else holders
    return bool({h.id for h in holders if h} & subordinate_ids(actor))


@transactional
def urge(task_id: int, actor: User, comment: object) -> HumanTask:
    """The filer or a supervisor of the holder reminds the holder; the reminder goes out by mail."""
    task = _open_task(task_id)
    holders = _holders(task)
    if not may_urge(task, actor, holders):
        raise Forbidden(_l("only the filer or a supervisor of the holder may urge this task"))
    if task.status != "open":
        raise Conflict(_l("this task has already been handled"))
    opinion = _opinion(comment)
    now = clock.now()
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=actor.id,
            action="urge",
            instance_id=task.instance_id,
            task_id=task.id,
            task_name=task.name,
            comment=opinion,
        )
    )
    link = notices.task_link(task.id)
    centre.record(
        [h.id for h in holders if h is not None],
        "urge",
        task.title,
        now,
        actor=actor,
        instance_id=task.instance_id,
        task_id=task.id,
        subject_en=task.title_en,
    )
    for holder in holders:
        if holder is not None:
            notices.queue(
                holder,
                "urge",
                f"[催办 Reminder] {task.title}",
                f"{actor.name_zh} 催办：{opinion}\n处理：{link}\n\n{actor.name_en or actor.name_zh} asks you to act: "
                f"{opinion}\nOpen it: {link}\n",
                now,
            )
    return task


DECISIONS = ("approve", "reject", "return", "complete")


@transactional
def withdraw(instance_id: int, actor: User, comment: object) -> ProcessInstance:
    """The filer takes the application back while nobody has acted on the next step yet (撤回)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_l("instance %(id)s does not exist", id=instance_id))
    if instance.started_by_id != actor.id:
        raise Forbidden(_l("only the filer may withdraw this"))
    if instance.status != "running":
        raise Conflict(_l("this process has already ended"))
    if instance.case_closed_at is not None:
        # The customer has had the reply; only the follow-up visit is left, which is not the filer's to undo.
        raise Conflict(_l("this case is closed and can no longer be withdrawn"))
    opinion = _opinion(comment)
    open_tasks = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
    ).all()
    last_decision = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.instance_id == instance.id, AuditEvent.action.in_(DECISIONS + ("claim",)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    someone_acted = last_decision is not None and last_decision.actor_id != actor.id
    if someone_acted or any(t.assignee_id not in (None, actor.id) for t in open_tasks):
        raise Conflict(_l("someone has already acted on the next step; ask them to return it instead"))
    step = Step(actor=actor)
    runtime = load_runtime(bundle_for_id(instance.process_version_id), instance, step)
    runtime.cancel()
    instance.status, instance.ended_at = "withdrawn", step.now
    project(instance, runtime, step)
    db.session.add(
        AuditEvent(at=step.now, actor_id=actor.id, action="withdraw", instance_id=instance.id, comment=opinion)
    )
    return instance


@transactional
def copy_to(instance_id: int, actor: User, username: object, comment: object) -> InstanceWatcher:
    """Copy a colleague on an instance (抄送): they may read it and its history, never act on it."""
    instance = open_to_contributions(actor, instance_id)
    opinion = _opinion(comment)
    if not isinstance(username, str) or not username.strip():
        raise ValidationFailed({"user": [_l("whom to copy is required")]})
    colleague = user_named(username.strip())
    if colleague is None or not colleague.active:
        raise ValidationFailed({"user": [_l("no active user '%(name)s'", name=username)]})
    existing = db.session.scalars(
        db.select(InstanceWatcher).where(
            InstanceWatcher.instance_id == instance.id, InstanceWatcher.user_id == colleague.id
        )
    ).first()
    if existing is not None:
        return existing
    now = clock.now()
    watcher = InstanceWatcher(instance_id=instance.id, user_id=colleague.id, added_by_id=actor.id, added_at=now)
    db.session.add(watcher)
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=actor.id,
            action="copy_to",
            instance_id=instance.id,
            comment=opinion,
            details={"user": colleague.username},
        )
    )
    link = notices.instance_link(instance.id)
    centre.record(
        [colleague.id],
        "copy",
        instance.title,
        now,
        actor=actor,
        instance_id=instance.id,
        subject_en=instance_title(instance, "en"),
    )
    notices.queue(
        colleague,
        "copy",
        f"[抄送 For your information] {instance.title}",
        f"{actor.name_zh} 抄送给您：{opinion}\n查看：{link}\n\n{actor.name_en or actor.name_zh} copied you: {opinion}\n"
        f"Read it: {link}\n",
        now,
    )
    return watcher
