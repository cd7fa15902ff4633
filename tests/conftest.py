"""Fixtures: a real database per test (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set),
the demo company, the deployed diagrams and a clock that only moves when a test moves it."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.clock import FixedClock
from app.extensions import db
from app.i18n import compile_catalogs
from app.services.modeling import deployment
from app.services.people import accounts as user_service

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
PASSWORD = "correct-horse-42"
compile_catalogs()
PG_URL = os.environ.get("TEST_DATABASE_URL")


def _config(url: str, clock: FixedClock | None = None) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast: the tests are not about hashing cost
        "CLOCK": clock or FixedClock(T0),
        "API_TOKEN_TTL_HOURS": 24 * 400,  # tests move the clock by days and months
        "BPMN_DIR": ROOT / "bpmn",
        "FORMS_DIR": ROOT / "forms",
        # Most tests deploy and expect the new version current at once; the approval tests turn it on.
        "DEPLOY_APPROVAL": False,
    }


def _populate(app: Flask) -> None:
    with app.app_context():
        user_service.seed_demo(PASSWORD)
        deployment.sync_directory(app.config["BPMN_DIR"])


class _PostgresSnapshot:
    """The demo company's rows, read once after the first population; each test empties every table
    and writes them back, which costs a fraction of seeding and deploying again."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.sequences: list[tuple[str, str, str]] = []

    def take(self) -> None:
        for table in db.metadata.sorted_tables:
            self.rows[table.name] = [dict(row) for row in db.session.execute(table.select()).mappings()]
            for column in table.columns:
                sequence = db.session.scalar(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                )
                if sequence:
                    self.sequences.append((table.name, column.name, sequence))

    def restore(self) -> None:
        # Rows that point at each other (a manager, a superseded version) were written one at a time with
        # updates between; their keys held then, so the copy skips the foreign-key triggers. On tables
        # this small, deleting is several times quicker than truncating.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if self.rows[table.name]:
                db.session.execute(table.insert(), self.rows[table.name])
        for table_name, column, sequence in self.sequences:
            db.session.execute(
                text(f"SELECT setval(:sequence, COALESCE((SELECT MAX({column}) FROM {table_name}), 0) + 1, false)"),
                {"sequence": sequence},
            )
        db.session.commit()


_POSTGRES_SNAPSHOT = _PostgresSnapshot()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The schema built by the migrations once per run; each test starts from a copy of it."""
    if PG_URL:
        app = create_app(_config(PG_URL))
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            upgrade()
        _populate(app)
        with app.app_context():
            _POSTGRES_SNAPSHOT.take()
            db.engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
    _populate(app)
    with app.app_context():
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    if PG_URL:
        return PG_URL
    target = tmp_path / "test.db"
    shutil.copy(database_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({**_config(database_url, clock), "ATTACHMENT_DIR": tmp_path / "attachments"})

    # The test keeps one app context open for its own database checks, and Flask
    # reuses it for every request; forget per-request globals (the logged-in user,
    # the CSRF token) after each request, as a server's fresh context would.
    @app.teardown_request
    def _forget_request_globals(_error: BaseException | None) -> None:
        g.__dict__.clear()

    if PG_URL:
        with app.app_context():
            _POSTGRES_SNAPSHOT.restore()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(page: bytes) -> str:
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "page has no CSRF token"
    return match.group(1).decode()


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login").data
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.data[:500]


def english_owner() -> None:
    """The process owner reads the app in English, so assertions can quote the sentences."""
    from app.models import User

    db.session.scalars(db.select(User).where(User.username == "process_owner")).one().locale = "en"
    db.session.commit()


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    """The process owner's logged-in client, reading English."""
    english_owner()
    client = app.test_client()
    login(client, "process_owner")
    return client
