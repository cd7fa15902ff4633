"""A runaway diagram expression under real gunicorn workers fails its own step; the service keeps answering."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import db
from app.models import HumanTask, ProcessInstance, User
from app.services.instances import lifecycle as instances

from .conftest import ROOT
from .support import application
from .test_incidents import deploy_with_condition
from .test_many_processes import _env, _post, _token
from .test_outbox import free_port

# Fast per step but endless in total: only the time budget stops it (the step and size limits do not).
RUNAWAY = "any([str(list(range(20000))) == 'x' for i in range(99999)])"


def _worker_pids(master: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if int(fields[1]) == master:
            pids.add(int(stat.parent.name))
    return pids


@pytest.fixture
def two_workers(app: Flask) -> Iterator[tuple[str, subprocess.Popen]]:
    db.session.commit()
    db.session.remove()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", "2", "-t", "30", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=_env(app),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    booted = 0
    for line in process.stderr:
        booted += "Booting worker" in line
        if booted == 2:
            break
    yield f"http://127.0.0.1:{port}", process
    process.terminate()
    process.wait(timeout=30)


def _deployed_runaway(app: Flask, tmp_path: Path) -> int:
    bpmn_dir = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", bpmn_dir)
    deploy_with_condition(bpmn_dir, RUNAWAY)
    salesperson = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    data = application(customer_code="RUN1")
    data.pop("filed_by")
    instance = instances.start("credit_application", salesperson, data)
    task_id = db.session.scalars(
        db.select(HumanTask.id).where(HumanTask.instance_id == instance.id, HumanTask.role == "sales_manager")
    ).one()
    db.session.commit()
    return task_id


def _healthz(base: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        assert response.status == 200
    return time.monotonic() - started


def test_a_runaway_expression_fails_its_step_while_two_workers_keep_serving(
    app: Flask, tmp_path: Path, two_workers: tuple[str, subprocess.Popen]
) -> None:
    base, master = two_workers
    task_id = _deployed_runaway(app, tmp_path)
    db.session.remove()
    workers = _worker_pids(master.pid)
    assert len(workers) == 2
    token = _token(base, "sales_manager")
    answers: list[tuple[int, float]] = []

    def complete_again_and_again() -> None:
        # One runaway step after another: one worker is always busy with one.
        for _ in range(4):
            started = time.monotonic()
            status, _ = _post(
                f"{base}/api/v1/tasks/{task_id}/complete", {"data": {"decision": "approve", "comment": "ok"}}, token
            )
            answers.append((status, time.monotonic() - started))

    runaway = threading.Thread(target=complete_again_and_again)
    runaway.start()
    latencies = []
    while runaway.is_alive():
        latencies.append(_healthz(base))
    runaway.join()
    latencies.append(_healthz(base))

    assert max(latencies) < 1, latencies
    assert [status for status, _ in answers] == [422] * 4, answers
    assert max(seconds for _, seconds in answers) < 10, answers
    assert _worker_pids(master.pid) == workers  # no worker was killed or replaced
    db.session.expire_all()
    instance = db.session.scalars(db.select(ProcessInstance).where(ProcessInstance.business_key.like("%RUN1%"))).one()
    assert "SCRIPT_TIME_LIMIT_MS" in instance.error and "gw_sm" in instance.error
