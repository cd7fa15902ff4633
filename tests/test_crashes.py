"""Kill -9 a worker in the middle of its work, at several points: after a restart nothing is lost,
nothing happened twice, and every instance goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, HumanTask, Timer
from app.services.deadlines import timers

from .conftest import PASSWORD, ROOT
from .support import ApiUser
from .test_escalation import october_report_done, tick  # noqa: F401 - autouse fixture

WORK = 12


def _run_until_killed(kind: str, url: str, at: str, kill_after: int, marker: str) -> None:
    """Start a worker and SIGKILL it once it has printed `marker` `kill_after` times."""
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "crash_worker.py"), kind, url, at],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    seen = 0
    assert worker.stdout is not None
    for line in worker.stdout:
        if line.startswith(marker):
            seen += 1
            if seen == kill_after:
                worker.send_signal(signal.SIGKILL)
                break
        if line.startswith("done"):
            break
    worker.wait(timeout=120)


@pytest.mark.parametrize("kill_after", [1, 4, 9])
def test_killing_a_worker_mid_completion_loses_nothing_and_doubles_nothing(app: Flask, kill_after: int) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    for n in range(WORK):
        sales.start_credit(customer_code=f"K{n:02d}")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.commit()
    db.session.remove()
    _run_until_killed("complete", url, "2026-11-23T10:00:00+08:00", kill_after, "completed")
    _run_until_killed("complete", url, "2026-11-23T10:05:00+08:00", 10**6, "completed")  # the restart finishes

    db.session.expire_all()
    manager_tasks = db.session.scalars(db.select(HumanTask).where(HumanTask.role == "sales_manager")).all()
    assert len(manager_tasks) == WORK and {t.status for t in manager_tasks} == {"completed"}
    approvals = db.session.scalars(db.select(AuditEvent.task_id).where(AuditEvent.action == "approve")).all()
    assert sorted(approvals) == sorted(t.id for t in manager_tasks)  # each exactly once
    vp = db.session.scalars(db.select(HumanTask.instance_id).where(HumanTask.role == "sales_vp")).all()
    assert len(vp) == len(set(vp)) == WORK  # every instance went on, once


@pytest.mark.parametrize("kill_after", [1, 3, 7])
def test_killing_a_scheduler_mid_firing_loses_no_timer_and_fires_none_twice(app: Flask, kill_after: int) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    for n in range(WORK):
        sales.start_credit(customer_code=f"T{n:02d}")
    tick(app, "2026-11-25T18:30:00+08:00")  # every approval is late: one escalation timer each
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.commit()
    db.session.remove()
    # Killed right after claiming a timer: that one stays leased until the lease runs out.
    _run_until_killed("timers", url, "2026-11-26T18:30:00+08:00", kill_after, "claimed")
    app.extensions["clock"].set(datetime.fromisoformat("2026-11-26T18:40:00+08:00"))
    timers.fire_due()

    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Timer.id)).where(Timer.status == "pending")) == WORK  # next level
    fired = db.session.scalars(db.select(AuditEvent.instance_id).where(AuditEvent.action == "timer")).all()
    assert len(fired) == len(set(fired)) == WORK
