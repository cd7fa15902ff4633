"""Who has a chat robot: the administrator's list, switching one off, each change audited.

Adding one is `robots.add_robot` (the command line uses it too); here it is wrapped with the audit entry
the administration page owes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, ChatWebhook, User
from ..common.errors import NotFound
from ..common.transactions import transactional
from ..people.staff import require_admin
from . import robots

# Shown to people instead of the stored key.
KIND_NAMES = {
    "wecom": _l("WeCom group robot"),
    "dingtalk": _l("DingTalk group robot"),
    "feishu": _l("Feishu group robot"),
}


def listing(actor: User) -> list[ChatWebhook]:
    """Every robot, the active ones first; only an administrator sees the webhook addresses."""
    require_admin(actor)
    return list(db.session.scalars(db.select(ChatWebhook).order_by(ChatWebhook.active.desc(), ChatWebhook.id.desc())))


def masked(url: str) -> str:
    """A webhook address is a password of sorts (whoever holds it can post to the group): show its host only."""
    head, _, rest = url.partition("://")
    return f"{head}://{rest.split('/', 1)[0]}/…" if rest else "…"


@transactional
def add(actor: User, form: dict[str, str]) -> ChatWebhook:
    require_admin(actor)
    hook = robots.new_robot(
        (form.get("kind") or "").strip(),
        (form.get("url") or "").strip(),
        username=(form.get("user") or "").strip() or None,
        role=(form.get("role") or "").strip() or None,
        secret=(form.get("secret") or "").strip() or None,
    )
    db.session.flush()
    _audit(actor, "robot_added", hook)
    return hook


@transactional
def switch_off(actor: User, hook_id: int) -> ChatWebhook:
    require_admin(actor)
    hook = db.session.get(ChatWebhook, hook_id)
    if hook is None:
        raise NotFound(_l("no chat robot %(id)s", id=hook_id))
    if hook.active:
        hook.active = False
        _audit(actor, "robot_switched_off", hook)
    return hook


def _audit(actor: User, action: str, hook: ChatWebhook) -> None:
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=actor.id,
            action=action,
            details={"robot": hook.id, "kind": hook.kind, "user": hook.user_id, "role": hook.role},
        )
    )
