"""The floor of a write path: the same rows committed by bare SQLite, with nothing of the product around them.

A `WriteLog` records every INSERT, UPDATE and DELETE the product sends to its database while a use
case runs. A `Replica`, a copy of that database taken before the first recorded use case, then
executes exactly those statements with exactly those parameters on a bare `sqlite3` connection in
WAL mode with synchronous=FULL, one transaction per use case: the same rows, the same indexes and
the same durable commit, without the ORM, Flask or the engine. Replayed in the order recorded, the
replica passes through the same states as the original, so every statement finds what it expects.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_WRITES = ("INSERT", "UPDATE", "DELETE")


class WriteLog:
    """The write statements of one use case at a time, as the driver received them."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, bool]] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
        if statement.lstrip()[:6].upper() in _WRITES:
            self.statements.append((statement, parameters, many))

    @contextmanager
    def listening(self, engine: Engine) -> Iterator[WriteLog]:
        event.listen(engine, "before_cursor_execute", self._record)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", self._record)

    def take(self) -> list[tuple[str, Any, bool]]:
        taken, self.statements = self.statements, []
        return taken


def snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), through SQLite's backup API."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


class Replica:
    """Replays recorded writes on a copy, each use case as one durable transaction."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            self.connection.execute(f"PRAGMA {pragma}")

    def commit_ms(self, statements: list[tuple[str, Any, bool]]) -> float:
        """Milliseconds to write these statements and commit them durably."""
        cursor = self.connection.cursor()
        start = time.perf_counter()
        cursor.execute("BEGIN")
        for statement, parameters, many in statements:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
                if " RETURNING " in statement:
                    cursor.fetchall()
        cursor.execute("COMMIT")
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        self.connection.close()
