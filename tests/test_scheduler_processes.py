"""Several scheduler processes against one database: every timer fires exactly once, and a worker
that dies holding a timer only delays it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

from flask import Flask

from app.extensions import db
from app.models import AuditEvent, TaskEscalation, Timer
from app.services.deadlines import timers

from .conftest import PASSWORD, ROOT
from .support import ApiUser
from .test_escalation import october_report_done, tick  # noqa: F401 - autouse fixture
from .test_outbox import free_port

TIMERS = 20


def _overdue_escalations(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    for n in range(TIMERS):
        assert sales.start_credit(customer_code=f"P{n:03d}").status_code == 201
    tick(app, "2026-11-25T18:30:00+08:00")  # every approval is late: one escalation, one timer each
    assert db.session.scalar(db.select(db.func.count(Timer.id)).where(Timer.status == "pending")) == TIMERS


def test_two_scheduler_processes_fire_each_timer_once(app: Flask) -> None:
    _overdue_escalations(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.commit()
    db.session.remove()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SCHEDULER_ENABLED": "0",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),
        "SMTP_TIMEOUT": "2",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "tick", "--at", "2026-11-26T18:30:00+08:00"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    fired = [int(out.split("timers fired: ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(fired) == TIMERS

    db.session.expire_all()
    statuses = db.session.execute(db.select(Timer.status, db.func.count()).group_by(Timer.status)).all()
    assert dict(statuses)["fired"] == TIMERS
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "timer")) == TIMERS
    level_two = db.session.scalars(db.select(TaskEscalation.task_id).where(TaskEscalation.level == 2)).all()
    assert len(level_two) == len(set(level_two)) == TIMERS


def test_a_dead_workers_lease_expires_and_the_timer_still_fires_once(app: Flask) -> None:
    _overdue_escalations(app)
    clock = app.extensions["clock"]
    clock.set(datetime.fromisoformat("2026-11-26T18:30:00+08:00"))
    claimed = timers.claim_due_timers(limit=5, owner="worker-that-died")
    assert len(claimed) == 5
    assert timers.fire_due() == TIMERS - 5  # the others go; the dead worker's five are leased
    clock.set(datetime.fromisoformat("2026-11-26T18:36:00+08:00"))  # the five-minute lease ran out
    assert timers.fire_due() == 5
    assert timers.fire_due() == 0
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "timer")) == TIMERS
