"""Chat robots (企业微信, 钉钉 and 飞书 group robots): who has one, what each is told, and sending it.

A robot message is a row in the same outbox as mail, written in the caller's transaction and sent by the
same tick with the same retries; only the last hop differs: an HTTPS POST in the robot's own JSON format.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from time import monotonic
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from ... import clock
from ...extensions import db
from ...models import ChatWebhook, OutboxMail, Role, User
from ..common.errors import ValidationFailed
from ..common.transactions import transactional
from ..instances import rows

KINDS = ("wecom", "dingtalk", "feishu")
# A group robot speaks to a room; the company's rooms speak Chinese.
ROOM_LOCALE = "zh_CN"


class RobotRefused(Exception):
    """The robot's server answered, but did not take the message."""


def _link(instance_id: int | None, task_id: int | None) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    if task_id is not None:
        return f"{base}/tasks/{task_id}"
    return f"{base}/instances/{instance_id}" if instance_id is not None else base


_HEADLINES = {
    "assignment": _l("New task"),
    "returned": _l("Returned to you"),
    "urge": _l("Reminder"),
    "copy": _l("For your information"),
    "escalation": _l("Overdue: please chase"),
    "decision": _l("Decision on your application"),
}
_DECISIONS = {"approve": _l("approved"), "reject": _l("rejected"), "return": _l("returned")}


def _compose(kind: str, subject: str, locale: str, actor_name: str | None, decision: str | None) -> tuple[str, str]:
    """The robot message's title and text in one language."""
    with force_locale(locale):
        title = str(_HEADLINES.get(kind, _l("Notice")))
        text = subject
        if actor_name and decision:
            text = str(
                _l(
                    "%(name)s %(decision)s: %(subject)s",
                    name=actor_name,
                    decision=_DECISIONS.get(decision, decision),
                    subject=subject,
                )
            )
        elif actor_name:
            text = str(_l("%(name)s: %(subject)s", name=actor_name, subject=subject))
    return title, text


def _rows(
    hooks: list[ChatWebhook], kind: str, title: str, text: str, link: str, now: datetime, user_id: int | None
) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind,
            "channel": hook.kind,
            "webhook_id": hook.id,
            "user_id": user_id,
            "to_address": hook.url[:200],
            "subject": title[:300],
            "body": f"{text}\n{link}",
            "created_at": now,
            "next_attempt_at": now,
        }
        for hook in hooks
    ]


@dataclass(frozen=True)
class Message:
    """One thing to tell some people: what it is about and who did it."""

    user_ids: list[int]
    kind: str
    subject: str
    instance_id: int | None = None
    task_id: int | None = None
    actor_name: str | None = None
    decision: str | None = None
    subject_en: str | None = None  # the task's English title, for a person who reads English


# Robots are few and rarely change, while every step would look for them: who has one is kept per
# worker. A robot added or switched off in this worker counts at once (the flush forgets the list);
# other workers see it within the time-to-live.
ROBOT_OWNERS_TTL_SECONDS = 5.0
_OWNERS_KEY = "robot_owners"


def _owners() -> tuple[frozenset[int], frozenset[str]]:
    """The people and the roles that have an active robot (a superset: the reads that follow check again)."""
    cached = current_app.extensions.get(_OWNERS_KEY)
    if cached is not None and monotonic() - cached[0] < ROBOT_OWNERS_TTL_SECONDS:
        return cached[1], cached[2]
    rows = db.session.execute(db.select(ChatWebhook.user_id, ChatWebhook.role).where(ChatWebhook.active.is_(True)))
    people: set[int] = set()
    roles: set[str] = set()
    for user_id, role in rows:
        if user_id is not None:
            people.add(user_id)
        if role is not None:
            roles.add(role)
    current_app.extensions[_OWNERS_KEY] = (monotonic(), frozenset(people), frozenset(roles))
    return frozenset(people), frozenset(roles)


@event.listens_for(Session, "after_flush")
def _forget_owners_on_flush(session: Session, _context: object) -> None:
    if has_app_context() and any(
        isinstance(row, ChatWebhook) for row in chain(session.new, session.dirty, session.deleted)
    ):
        session.info["robots_changed"] = True
        current_app.extensions.pop(_OWNERS_KEY, None)


@event.listens_for(Session, "after_commit")
def _forget_owners_on_commit(session: Session) -> None:
    # Forget again: another thread may have read the old rows between the flush and the commit.
    if session.info.pop("robots_changed", False) and has_app_context():
        current_app.extensions.pop(_OWNERS_KEY, None)


def tell_people(messages: list[Message], now: datetime) -> None:
    """Queue each message to each person's own robots, in that person's language; one read for all."""
    everyone = {user_id for m in messages for user_id in m.user_ids} & _owners()[0]
    if not everyone:
        return
    hooks: dict[int, list[tuple[ChatWebhook, str]]] = {}
    for hook, locale in db.session.execute(
        db.select(ChatWebhook, User.locale)
        .join(User, User.id == ChatWebhook.user_id)
        .where(ChatWebhook.user_id.in_(sorted(everyone)), ChatWebhook.active.is_(True), User.active.is_(True))
    ):
        hooks.setdefault(hook.user_id, []).append((hook, locale or ROOM_LOCALE))
    if not hooks:
        return
    queued: list[dict[str, Any]] = []
    for message in messages:
        link = _link(message.instance_id, message.task_id)
        for user_id in message.user_ids:
            for hook, locale in hooks.get(user_id, []):
                subject = message.subject_en if message.subject_en and locale == "en" else message.subject
                title, text = _compose(message.kind, subject, locale, message.actor_name, message.decision)
                queued.extend(_rows([hook], message.kind, title, text, link, now, user_id))
    rows.queue_mails(queued)


def tell_roles(roles: set[str], kind: str, subject_of: dict[str, list[tuple[str, int]]], now: datetime) -> None:
    """Queue a message to each role's group robot about the unclaimed tasks now in its queue."""
    roles = roles & _owners()[1]
    if not roles:
        return
    hooks = list(
        db.session.scalars(
            db.select(ChatWebhook).where(ChatWebhook.role.in_(sorted(roles)), ChatWebhook.active.is_(True))
        )
    )
    queued: list[dict[str, Any]] = []
    for hook in hooks:
        for subject, task_id in subject_of.get(hook.role or "", []):
            title, text = _compose(kind, subject, ROOM_LOCALE, None, None)
            queued.extend(_rows([hook], kind, title, text, _link(None, task_id), now, None))
    rows.queue_mails(queued)


def any_for_roles() -> bool:
    return db.session.scalar(db.select(ChatWebhook.id).where(ChatWebhook.role.is_not(None)).limit(1)) is not None


# --- the robots' own formats -------------------------------------------------------------------------


def payload(kind: str, title: str, body: str, secret: str | None = None, now: float | None = None) -> dict[str, Any]:
    """The JSON body each robot documents: 企业微信 and 钉钉 take markdown, 飞书 a rich-text post."""
    text, _, link = body.rpartition("\n")
    if not text:
        text, link = body, ""
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}\n[{link}]({link})"}}
    if kind == "dingtalk":
        # A 钉钉 robot with keyword security needs the keyword in the text; the title is a good place for it.
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": f"#### {title}\n{text}\n\n[{link}]({link})"},
        }
    content = [[{"tag": "text", "text": text}], [{"tag": "a", "text": link, "href": link}]]
    message: dict[str, Any] = {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": content}}}}
    if secret:
        stamp = str(int(now if now is not None else time.time()))
        # 飞书 signs with the timestamp and secret as the key over an empty message.
        digest = hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
        message.update(timestamp=stamp, sign=base64.b64encode(digest).decode())
    return message


def signed_url(hook: ChatWebhook, now: float | None = None) -> str:
    """钉钉 robots set to check signatures take the timestamp (ms) and the signature in the query string."""
    if hook.kind != "dingtalk" or not hook.secret:
        return hook.url
    stamp = str(int((now if now is not None else time.time()) * 1000))
    digest = hmac.new(hook.secret.encode(), f"{stamp}\n{hook.secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if "?" in hook.url else "?"
    return f"{hook.url}{joiner}timestamp={stamp}&sign={sign}"


@dataclass(frozen=True)
class Outgoing:
    """One robot message ready to POST."""

    kind: str
    url: str
    secret: str | None
    title: str
    body: str


def outgoing(mail: OutboxMail) -> Outgoing | None:
    """The request for a robot row of the outbox; None when its robot is gone or switched off."""
    hook = db.session.get(ChatWebhook, mail.webhook_id) if mail.webhook_id is not None else None
    if hook is None or not hook.active:
        return None
    return Outgoing(hook.kind, signed_url(hook), hook.secret, mail.subject, mail.body)


def send(message: Outgoing, timeout: float) -> None:
    """POST one message; raises OSError or RobotRefused when it did not get through."""
    body = json.dumps(payload(message.kind, message.title, message.body, message.secret), ensure_ascii=False)
    request = urllib.request.Request(
        message.url,
        data=body.encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - an admin set the URL
            answer = response.read(65536)
    except urllib.error.HTTPError as err:
        raise RobotRefused(f"HTTP {err.code}") from err
    try:
        reply = json.loads(answer or b"{}")
    except ValueError as err:
        raise RobotRefused("the robot's answer is not JSON") from err
    # 企业微信 and 钉钉 answer errcode 0, 飞书 code 0 (StatusCode 0 in its older answers).
    code = reply.get("errcode", reply.get("code", reply.get("StatusCode", 0))) if isinstance(reply, dict) else 0
    if code not in (0, "0"):
        raise RobotRefused(f"the robot refused the message: {str(reply)[:300]}")


# --- who has a robot ---------------------------------------------------------------------------------


@transactional
def add_robot(
    kind: str, url: str, *, username: str | None = None, role: str | None = None, secret: str | None = None
) -> ChatWebhook:
    """Give a person, or every holder of a role, a group robot; refused with the field named."""
    return new_robot(kind, url, username=username, role=role, secret=secret)


def new_robot(
    kind: str, url: str, *, username: str | None = None, role: str | None = None, secret: str | None = None
) -> ChatWebhook:
    """`add_robot` inside the caller's transaction."""
    errors: dict[str, list[Any]] = {}
    if kind not in KINDS:
        errors["kind"] = [_l("must be one of: wecom, dingtalk, feishu")]
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        errors["url"] = [_l("must be the robot's http(s) webhook address")]
    if bool(username) == bool(role):
        errors["user"] = [_l("name either a person or a role")]
    user = None
    if username:
        user = db.session.scalars(db.select(User).where(User.username == username)).first()
        if user is None:
            errors["user"] = [_l("no active user '%(name)s'", name=username)]
    if role and db.session.scalars(db.select(Role.id).where(Role.key == role)).first() is None:
        errors["role"] = [_l("no role '%(role)s'", role=role)]
    if errors:
        raise ValidationFailed(errors)
    hook = ChatWebhook(
        kind=kind,
        url=url,
        secret=secret or None,
        user_id=user.id if user else None,
        role=role or None,
        created_at=clock.now(),
    )
    db.session.add(hook)
    return hook
