"""Completions through the JSON API served by real gunicorn workers, on SQLite or PostgreSQL.

Each client thread owns its own slice of the open tasks, so the figure is throughput, not contention.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-workers",
        "SCHEDULER_ENABLED": "0",
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "LOGIN_LIMIT_PER_USER": "100000 per minute",
    }
    command = [sys.executable, "-m", "gunicorn", "--preload", "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _call(base: str, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def api_completions(database_url: str, workers: int, task_ids: list[int], clients: int) -> float:
    """Completions/s of `task_ids` through POST /api/v1/tasks/<id>/complete, `clients` at a time."""
    with gunicorn(database_url, workers) as base:
        token = _call(base, "/api/v1/auth/token", {"username": "sales_manager", "password": PASSWORD})["token"]
        slices = [task_ids[i::clients] for i in range(clients)]
        body = {"data": {"decision": "approve", "comment": "ok"}}

        def work(ids: list[int]) -> int:
            for task_id in ids:
                _call(base, f"/api/v1/tasks/{task_id}/complete", body, token)
            return len(ids)

        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            done = sum(pool.map(work, slices))
        return done / (time.perf_counter() - start)


@contextmanager
def throwaway_postgres(server_url: str, name: str | None = None) -> Iterator[str]:
    """A fresh database on the given server (e.g. postgresql+psycopg://postgres@127.0.0.1:5432), dropped after."""
    name = name or f"approvals_bench_{os.getpid()}"
    admin = create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield f"{server_url}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def scaling(database_url: str, file_tasks: Callable[[int], list[int]], n: int) -> tuple[float, float]:
    """Completions/s with one worker, then with two (two client threads per worker each time)."""
    one = api_completions(database_url, 1, file_tasks(n), clients=2)
    two = api_completions(database_url, 2, file_tasks(n), clients=4)
    return one, two
