"""One use case, one transaction, retried when SQLite reports a writer collision."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import InstanceState
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from .errors import Conflict

P = ParamSpec("P")
R = TypeVar("R")

_ATTEMPTS = 8


def _is_busy(err: OperationalError) -> bool:
    text = str(err.orig).lower()
    return "database is locked" in text or "database is busy" in text


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` in a fresh transaction and commit once.

    In WAL mode SQLite refuses a write from a transaction whose snapshot is older
    than another writer's commit; starting the use case again is the correct
    answer, and the re-run sees the other writer's result (e.g. the task is done).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(_ATTEMPTS):
            _fresh_transaction((*args, *kwargs.values()))
            try:
                result = fn(*args, **kwargs)
                _commit()
                return result
            except StaleDataError as err:
                db.session.rollback()
                raise Conflict(_l("this was changed by someone else at the same time; reload and try again")) from err
            except OperationalError as err:
                db.session.rollback()
                if not _is_busy(err) or attempt == _ATTEMPTS - 1:
                    raise
            except BaseException:
                db.session.rollback()
                raise
        raise AssertionError("unreachable")

    return wrapper


def current_after_commit(*rows: Any) -> None:
    """Say that these loaded rows hold, once committed, exactly what the database holds: the use case
    set every value it wrote on them. The commit then leaves them as they are, so the answer built
    from them right after it (an API response) reads nothing again; every other row is expired."""
    db.session().info.setdefault(_CURRENT_AFTER_COMMIT, []).extend(rows)


_CURRENT_AFTER_COMMIT = "rows current after commit"


def _commit() -> None:
    session = db.session()
    kept = session.info.pop(_CURRENT_AFTER_COMMIT, None)
    if not kept:
        session.commit()
        return
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring
    kept_ids = {id(value) for value in kept}
    for row in list(session.identity_map.values()):
        if id(row) not in kept_ids:
            session.expire(row)


def _fresh_transaction(arguments: tuple[Any, ...]) -> None:
    """End whatever the request read so far and start from a current snapshot.

    A rollback expires every loaded row; the rows handed to the use case (the acting person, loaded
    by the log-in moments ago) are kept as loaded, unless changed, so they are not read again.
    """
    session = db.session()
    session.info.pop(_CURRENT_AFTER_COMMIT, None)  # said by an attempt that did not commit
    kept = []
    for value in arguments:
        state = inspect(value, raiseerr=False)
        if (
            isinstance(state, InstanceState)
            and state.session is session
            and state.persistent
            and not state.modified
            and not state.expired_attributes
        ):
            session.expunge(value)
            kept.append(value)
    session.rollback()
    for value in kept:
        session.add(value)
