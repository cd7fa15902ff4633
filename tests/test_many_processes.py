"""Several real processes on one database: four gunicorn workers and two scheduler ticks at once.
Each task is completed once, each timer fires once, complaint numbers stay gap-free, each mail is queued once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, Complaint, HumanTask, OutboxMail, Timer, User
from app.services.instances import lifecycle as instances
from app.services.modeling import deployment

from .conftest import PASSWORD, ROOT, SHANGHAI
from .support import application
from .test_escalation import october_report_done  # noqa: F401 - autouse fixture
from .test_outbox import free_port

TASKS = 50
INTAKES = 200
TIMERS = 2000


def _env(app: Flask) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "many-processes",
        "SCHEDULER_ENABLED": "0",
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "LOGIN_LIMIT_PER_USER": "100000 per minute",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),
        "SMTP_TIMEOUT": "1",
        # The workers' "now" is the tests' fixed instant, so numbers and deadlines do not follow the wall clock.
        "CLOCK_AT": app.extensions["clock"].now().isoformat(),
    }


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """Four gunicorn workers serving the test database; ready once every worker has booted."""
    db.session.commit()
    db.session.remove()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=_env(app),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    booted = 0
    for line in process.stderr:
        booted += "Booting worker" in line
        if booted == 4:
            break
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def _post(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _token(base: str, username: str) -> str:
    status, body = _post(f"{base}/api/v1/auth/token", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def test_four_workers_complete_each_task_once_and_number_complaints_without_gaps(app: Flask, server: str) -> None:
    salesperson = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    for n in range(TASKS):
        data = application(customer_code=f"G{n:03d}")
        data.pop("filed_by")
        instances.start("credit_application", salesperson, data)
    task_ids = db.session.scalars(db.select(HumanTask.id).where(HumanTask.role == "sales_manager")).all()
    mails_before = db.session.scalar(db.select(db.func.count(OutboxMail.id)))
    db.session.commit()
    db.session.remove()

    tokens = [_token(server, "sales_manager") for _ in range(4)]
    attempts = [(task_id, token) for token in tokens for task_id in task_ids]  # 4 x 50, all at once
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(
            pool.map(
                lambda a: (
                    a[0],
                    _post(
                        f"{server}/api/v1/tasks/{a[0]}/complete",
                        {"data": {"decision": "approve", "comment": "ok"}},
                        a[1],
                    )[0],
                ),
                attempts,
            )
        )
    per_task = {task_id: Counter(code for t, code in results if t == task_id) for task_id in task_ids}
    assert all(c == Counter({200: 1, 409: 3}) for c in per_task.values()), per_task

    cs = _token(server, "cs_director")
    intake = {
        "customer_name": "并发",
        "contact": "x",
        "channel": "phone",
        "region": "domestic",
        "category": "grievance",
        "description": "x",
    }
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(
            pool.map(
                lambda _: _post(f"{server}/api/v1/processes/complaint_handling/instances", {"data": intake}, cs)[0],
                range(INTAKES),
            )
        )
    assert Counter(codes) == Counter({201: INTAKES})

    db.session.expire_all()
    approvals = db.session.scalars(db.select(AuditEvent.task_id).where(AuditEvent.action == "approve")).all()
    assert sorted(approvals) == sorted(task_ids)
    vp = db.session.scalars(db.select(HumanTask.instance_id).where(HumanTask.role == "sales_vp")).all()
    assert len(vp) == len(set(vp)) == TASKS
    # one assignment mail per new task: the sales VP's 50 and the CS director's 200 replies
    new_mails = db.session.scalar(db.select(db.func.count(OutboxMail.id))) - mails_before
    assert new_mails == TASKS + INTAKES
    numbers = sorted(db.session.scalars(db.select(Complaint.number)))
    prefix = app.extensions["clock"].now().astimezone(SHANGHAI).strftime("%y%m%d")
    assert numbers == [f"{prefix}{n:03d}" for n in range(1, INTAKES + 1)]


def test_two_schedulers_fire_two_thousand_timers_once_each(app: Flask, tmp_path: Path) -> None:
    probe_dir = tmp_path / "bpmn"
    probe_dir.mkdir()
    (probe_dir / "timer_probe.bpmn").write_bytes((ROOT / "tests" / "diagrams" / "timer_probe.bpmn").read_bytes())
    deployment.sync_directory(probe_dir)
    for _ in range(TIMERS // 250):
        _start_probes(250)
    assert db.session.scalar(db.select(db.func.count(Timer.id)).where(Timer.status == "pending")) == TIMERS
    db.session.commit()
    db.session.remove()

    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "tick", "--at", "2026-11-23T09:05:00+08:00"]
    ticks = [
        subprocess.Popen(command, cwd=ROOT, env=_env(app), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [t.communicate(timeout=600) for t in ticks]
    assert [t.returncode for t in ticks] == [0, 0], outputs
    fired = [int(out.split("timers fired: ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(fired) == TIMERS

    db.session.expire_all()
    events = db.session.scalars(db.select(AuditEvent.instance_id).where(AuditEvent.action == "timer")).all()
    assert len(events) == len(set(events)) == TIMERS
    assert db.session.scalar(db.select(db.func.count(Timer.id)).where(Timer.status == "fired")) == TIMERS


def _start_probes(count: int) -> None:
    from app.services.common.transactions import transactional

    @transactional
    def start_batch() -> None:
        for _ in range(count):
            instances.start_system_instance("timer_probe", {})

    start_batch()
