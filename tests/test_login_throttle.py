"""Password guesses are counted per user across the log-in page and the token endpoint, in a store all
workers share; the real user still gets in from an address that has not been guessing."""

from __future__ import annotations

import http.cookiejar
import logging
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app

from .conftest import PASSWORD, ROOT, csrf_token
from .test_many_processes import _env
from .test_outbox import free_port

GUESSER = {"REMOTE_ADDR": "10.0.0.66"}
OWNER = {"REMOTE_ADDR": "10.0.0.7"}


def _web_guess(client: FlaskClient, username: str, password: str, environ: dict[str, str]) -> int:
    page = client.get("/login", environ_base=environ).data
    data = {"username": username, "password": password, "csrf_token": csrf_token(page)}
    return client.post("/login", data=data, environ_base=environ).status_code


def _token_guess(client: FlaskClient, username: str, password: str, environ: dict[str, str]) -> int:
    body = {"username": username, "password": password}
    return client.post("/api/v1/auth/token", json=body, environ_base=environ).status_code


@pytest.fixture
def limited(app: Flask) -> Flask:
    app.config.update(LOGIN_LIMIT_PER_USER="5 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
    return app


def test_the_log_in_page_and_the_token_endpoint_share_one_count(limited: Flask) -> None:
    client = limited.test_client()
    statuses = []
    for n in range(6):
        guess = _web_guess if n % 2 else _token_guess
        statuses.append(guess(client, "finance_director", f"wrong-{n}", GUESSER))
    assert statuses == [401, 200, 401, 200, 401, 429]  # the page answers a wrong password with itself
    assert _web_guess(client, "finance_director", "wrong-again", GUESSER) == 429
    assert _token_guess(client, "finance_director", "wrong-again", GUESSER) == 429


def test_after_the_limit_guesses_stay_refused_but_the_real_user_gets_in(limited: Flask) -> None:
    client = limited.test_client()
    for n in range(5):
        assert _token_guess(client, "general_manager", f"wrong-{n}", GUESSER) == 401
    # the guessing address is refused even with the right password, and wrong guesses from anywhere are refused
    assert _token_guess(client, "general_manager", PASSWORD, GUESSER) == 429
    assert _token_guess(client, "general_manager", "wrong-5", OWNER) == 429
    # the person, from an address that has not been guessing, gets in on both entry points
    assert _token_guess(limited.test_client(), "general_manager", PASSWORD, {"REMOTE_ADDR": "10.0.0.8"}) == 200
    assert _web_guess(limited.test_client(), "general_manager", PASSWORD, {"REMOTE_ADDR": "10.0.0.9"}) == 302


def test_a_shared_database_without_a_shared_limit_store_is_warned_about(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Alembic's logging set-up, run in this process by the PostgreSQL fixtures, disables loggers made before it.
    monkeypatch.setattr(logging.getLogger("app"), "disabled", False)
    with caplog.at_level(logging.WARNING):
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                "RATELIMIT_STORAGE_URI": "memory://",
                "SECRET_KEY": "x",
                "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
                # Not a test app, so its first request would start a scheduler and cap the address
                # space of the process serving it: here that is the test run itself, and every later
                # test would run capped, beside a scheduler ticking against a database that is not there.
                "WORKER_MEMORY_LIMIT_MB": 0,
                "SCHEDULER_ENABLED": False,
            }
        )
    assert any("RATELIMIT_STORAGE_URI" in record.getMessage() for record in caplog.records)
    health = app.test_client().get("/healthz")
    assert any("RATELIMIT_STORAGE_URI" in w for w in health.json["warnings"])
    quiet = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True})
    assert "warnings" not in quiet.test_client().get("/healthz").json


@pytest.fixture
def redis_workers(app: Flask) -> Iterator[str]:
    """Two gunicorn workers counting log-in attempts in Redis, under a key prefix of their own."""
    from app.extensions import db

    db.session.commit()
    db.session.remove()
    port = free_port()
    env = {
        **_env(app),
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}",
        "LOGIN_LIMIT_PER_USER": "5 per minute",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    booted = 0
    for line in process.stderr:
        booted += "Booting worker" in line
        if booted == 2:
            break
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def _status(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_two_workers_on_redis_let_through_only_five_guesses_for_one_user(redis_workers: str) -> None:
    statuses = []
    for n in range(12):
        # A fresh connection each time, so the guesses spread over both workers.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if n % 2:
            _, page = _status(opener, urllib.request.Request(f"{redis_workers}/login"))
            token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
            body = urllib.parse.urlencode({"username": "sales_vp", "password": f"bad-{n}", "csrf_token": token})
            request = urllib.request.Request(f"{redis_workers}/login", data=body.encode(), method="POST")
        else:
            request = urllib.request.Request(
                f"{redis_workers}/api/v1/auth/token",
                data=f'{{"username": "sales_vp", "password": "bad-{n}"}}'.encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
        statuses.append(_status(opener, request)[0])
    assert statuses.count(429) == 7, statuses
    assert statuses[:5] == [401, 200, 401, 200, 401], statuses
