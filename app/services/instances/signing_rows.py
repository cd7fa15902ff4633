"""Task rows of a step several people sign: who a 会签 or 或签 step asks, and the rows of signers a
holder added (加签), which stand for the same engine task as the holder's own row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from ...extensions import db
from ...models import AddedSigner, Role, User, user_roles

# An added signer's row has no engine task of its own: its id starts so, and the step it belongs to is
# found through added_signers.
ADDED_PREFIX = "sign-"
CO_SIGNING = ("all", "share", "any")
ADDED = ("before", "after")


def signer_names(role: str | None, users: tuple[str, ...]) -> list[str]:
    """Who signs when the step is reached: the role's active members, or the listed active users in order."""
    if role:
        return list(
            db.session.scalars(
                select(User.username)
                .join(user_roles, user_roles.c.user_id == User.id)
                .join(Role, Role.id == user_roles.c.role_id)
                .where(Role.key == role, User.active.is_(True))
                .order_by(User.username)
            )
        )
    if not users:
        return []
    active = set(db.session.scalars(select(User.username).where(User.username.in_(users), User.active.is_(True))))
    return [name for name in dict.fromkeys(users) if name in active]


def anchors(row_ids: list[int]) -> dict[int, str]:
    """For added signers' rows: the engine task each one's step stands for."""
    if not row_ids:
        return {}
    found = db.session.execute(
        select(AddedSigner.signer_task_id, AddedSigner.engine_task_id).where(AddedSigner.signer_task_id.in_(row_ids))
    )
    return {row_id: engine_id for row_id, engine_id in found}


def held_engine_ids(instance_id: int) -> set[str]:
    """Engine tasks whose holder answered and whose added signers after them are still to decide."""
    return set(
        db.session.scalars(
            select(AddedSigner.engine_task_id).where(
                AddedSigner.instance_id == instance_id, AddedSigner.status == "open", AddedSigner.position == "after"
            )
        )
    )


def cancel_with(row_ids: list[int], at: datetime) -> None:
    """Added signers of rows that ended without them, or whose own rows ended, are not asked any more."""
    if not row_ids:
        return
    for column in (AddedSigner.signer_task_id, AddedSigner.for_task_id):
        db.session.execute(
            update(AddedSigner)
            .where(column.in_(row_ids), AddedSigner.status.in_(("waiting", "open")))
            .values(status="cancelled", decided_at=at)
            .execution_options(synchronize_session=False)
        )
