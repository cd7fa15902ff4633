"""Online backups: SQLite's backup API copies a consistent snapshot while the app keeps running."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from ...extensions import db


class BackupNotSupported(Exception):
    """The database is not SQLite; the message says what to do instead."""


def backup_sqlite(target: Path) -> int:
    """Copy the live database to `target` page by page; returns the size written in bytes."""
    url = make_url(str(db.engine.url))
    if url.get_backend_name() != "sqlite":
        safe = url.set(password=None).render_as_string(hide_password=True).replace("+psycopg", "")
        raise BackupNotSupported(
            "this database is PostgreSQL: back it up with pg_dump, e.g.\n"
            f"  pg_dump --format=custom --file=approvals.dump '{safe}'\n"
            "and restore with pg_restore --clean --dbname=... approvals.dump"
        )
    if target.exists():
        raise FileExistsError(f"{target} exists already; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = db.engine.raw_connection()
    try:
        source = raw.driver_connection
        with sqlite3.connect(target) as copy:
            source.backup(copy)
    finally:
        raw.close()
    return target.stat().st_size
