"""Claiming rows for one worker at a time: the database, not process memory, decides who works on what."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from ...extensions import db

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(
    model: Any, due_column: Any, now: datetime, lease: timedelta, limit: int, owner: str = WORKER_ID
) -> list[int]:
    """Lease up to `limit` due pending rows to `owner` and commit; a lease that expires frees the row again.

    PostgreSQL skips rows another worker has locked; SQLite, with one writer at a time,
    takes each row with a conditional update that only one worker can win.
    """
    free = (model.status == "pending") & (due_column <= now) & or_(model.lease_until.is_(None), model.lease_until < now)
    values = {"lease_owner": owner, "lease_until": now + lease, "attempts": model.attempts + 1}
    if db.engine.dialect.name == "postgresql":
        candidates = select(model.id).where(free).order_by(due_column).limit(limit).with_for_update(skip_locked=True)
        ids = list(
            db.session.scalars(
                update(model).where(model.id.in_(candidates.scalar_subquery())).values(**values).returning(model.id)
            )
        )
    else:
        ids = []
        for row_id in db.session.scalars(select(model.id).where(free).order_by(due_column).limit(limit)).all():
            won = db.session.execute(
                update(model)
                .where(model.id == row_id, free)
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won == 1:
                ids.append(row_id)
    db.session.commit()
    return ids
