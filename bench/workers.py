"""Completions through the JSON API served by real gunicorn workers, on SQLite or PostgreSQL.

Each client thread owns its own slice of the open tasks, so the figure is throughput, not contention.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
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
        # A loaded machine can take a while to import the app: wait for it, but not forever.
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class Client:
    """One keep-alive HTTP connection on loopback (it reconnects by itself when the server closes it)."""

    def __init__(self, base: str, token: str | None = None) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)
        self.headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.connection.request("POST", path, body=json.dumps(body).encode(), headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)

    def close(self) -> None:
        self.connection.close()


def _token(base: str) -> str:
    client = Client(base)
    try:
        return client.post("/api/v1/auth/token", {"username": "sales_manager", "password": PASSWORD})["token"]
    finally:
        client.close()


BODY = {"data": {"decision": "approve", "comment": "ok"}}


def api_latencies(database_url: str, task_ids: list[int], warm_up: int = 10) -> list[float]:
    """Milliseconds of each completion through POST /api/v1/tasks/<id>/complete: 1 worker, 1 client."""
    with gunicorn(database_url, 1) as base:
        client = Client(base, _token(base))
        times = []
        try:
            for i, task_id in enumerate(task_ids):
                start = time.perf_counter()
                client.post(f"/api/v1/tasks/{task_id}/complete", BODY)
                if i >= warm_up:
                    times.append((time.perf_counter() - start) * 1000)
        finally:
            client.close()
        return times


@dataclass
class Throughput:
    """Completions/s of one run, and the share of the machine's CPU time that stayed idle meanwhile."""

    per_second: float
    idle: float


def _cpu_times() -> tuple[int, int]:
    """(all, idle) jiffies of the whole machine so far; idle counts waiting for the disk too."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]


def api_completions(database_url: str, workers: int, task_ids: list[int], clients: int) -> Throughput:
    """Completions/s of `task_ids` through POST /api/v1/tasks/<id>/complete, `clients` at a time."""
    with gunicorn(database_url, workers) as base:
        token = _token(base)
        slices = [task_ids[i::clients] for i in range(clients)]

        def work(ids: list[int]) -> int:
            client = Client(base, token)
            try:
                for task_id in ids:
                    client.post(f"/api/v1/tasks/{task_id}/complete", BODY)
            finally:
                client.close()
            return len(ids)

        cpu_before = _cpu_times()
        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            done = sum(pool.map(work, slices))
        elapsed = time.perf_counter() - start
        cpu_after = _cpu_times()
        spent = cpu_after[0] - cpu_before[0]
        return Throughput(done / elapsed, (cpu_after[1] - cpu_before[1]) / spent if spent else 0.0)


# Pure interpreter work with no memory traffic to speak of: what the machine gives one process and two.
_SPIN = "\n".join(
    (
        "import time",
        "start = time.perf_counter()",
        "sum(i * i % 7 for i in range({n}))",
        "print(time.perf_counter() - start)",
    )
)


def _spin_seconds(processes: int, n: int) -> list[float]:
    command = [sys.executable, "-c", _SPIN.format(n=n)]
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    return [float(process.communicate()[0]) for process in running]


def machine_parallelism(n: int = 3_000_000, pairs: int = 3) -> float:
    """How much more CPU work two busy processes get done than one, on this machine, now: 2.0 on two
    free cores; less where the two cores share a physical one or the host lends them to others. The
    median of `pairs` measurements, one process alone and then two, each pair back to back."""
    ratios = []
    for _ in range(pairs):
        (alone,) = _spin_seconds(1, n)
        ratios.append(sum(alone / seconds for seconds in _spin_seconds(2, n)))
    return statistics.median(ratios)


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


@dataclass
class Scaling:
    """Completions/s with one worker and with two, measured in alternating rounds, with what the machine
    itself gave two busy processes against one in each round."""

    one: list[Throughput]
    two: list[Throughput]
    machine: list[float]
    # Two copies of the product's own work sharing nothing but the machine, against one (`bench.ceiling`).
    product: list[float]

    @property
    def ratios(self) -> list[float]:
        """Two workers against one, per round: each pair measured back to back, on the same load."""
        return [two.per_second / one.per_second for one, two in zip(self.one, self.two, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def scaling(
    database_url: str,
    file_tasks: Callable[[int], list[int]],
    n: int,
    product_parallelism: Callable[[], float],
    rounds: int = 1,
    machine_pairs: int = 3,
) -> Scaling:
    """Completions/s with one worker, then with two (two client threads per worker each time), `rounds`
    times in turn: this machine's speed drifts by more than the effect measured, so one pair alone can
    land on either side of a target. Each round also measures the machine's own parallelism and the
    product's (two copies of its work sharing nothing), the ceilings of any two-worker ratio on it."""
    measured = Scaling([], [], [], [])
    for _ in range(rounds):
        measured.machine.append(machine_parallelism(pairs=machine_pairs))
        measured.product.append(product_parallelism())
        measured.one.append(api_completions(database_url, 1, file_tasks(n), clients=2))
        measured.two.append(api_completions(database_url, 2, file_tasks(n), clients=4))
    return measured
