"""Completing a task and starting an instance through the service layer, each next to its floor.

Every use case runs as a request runs it: a fresh application and request context, the acting
person loaded by id as the log-in loader loads them, nothing cached from the previous one. Its floor
is measured in the same loop, right after it: the engine's own step on the same state (load,
complete, dump; or start, dump) plus the rows the use case wrote, committed by bare SQLite
(`bench.floor`).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from app.engine import ProcessRuntime, SpecBundle
from app.extensions import db
from app.models import HumanTask, ProcessInstance, User
from app.services.desk import tasks
from app.services.instances import lifecycle as instances
from app.services.modeling.specs import bundle_for, latest_version
from app.services.people import accounts
from bench.breakdown import Split
from bench.floor import Replica, WriteLog, snapshot
from tests.support import Recorder, application

DECISION = {"decision": "approve", "comment": "ok"}


@dataclass
class Paired:
    """Per-use-case milliseconds of the product and of its floor, measured side by side."""

    product: list[float]
    engine: list[float]
    commit: list[float]
    statements: float
    # With a `Split` timing SQLAlchemy: its own work and the driver's, per use case (ms).
    sqlalchemy: list[float] = field(default_factory=list)
    driver: list[float] = field(default_factory=list)

    @property
    def product_ms(self) -> float:
        return statistics.median(self.product)

    @property
    def floor_ms(self) -> float:
        return statistics.median(e + c for e, c in zip(self.engine, self.commit, strict=True))


def signed_in(user_id: int) -> User:
    """The acting person as the log-in loader loads them: the row alone, roles read when needed."""
    user = accounts.signed_in_user(user_id)
    assert user is not None
    return user


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return db.session.scalars(db.select(User.id).where(User.username == username)).one()


def _bundle(app: Flask) -> SpecBundle:
    with app.app_context():
        return bundle_for(latest_version("credit_application"))


def filing(i: int) -> dict[str, Any]:
    data = application(customer_code=f"B{i:07d}")
    data.pop("filed_by")
    return data


_filed = 0


def file_applications(app: Flask, n: int) -> list[int]:
    """File `n` credit applications; the ids of the sales manager's review tasks they open."""
    global _filed
    with app.app_context():
        sales = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
        newest = db.session.scalar(db.select(db.func.max(HumanTask.id))) or 0
        for _ in range(n):
            _filed += 1
            instances.start("credit_application", sales, filing(_filed))
        return list(
            db.session.scalars(
                db.select(HumanTask.id).where(HumanTask.status == "open", HumanTask.id > newest).order_by(HumanTask.id)
            )
        )


def complete_as(app: Flask, user_id: int, task_id: int) -> None:
    """One approval as a request makes it: a fresh application and request context, the person loaded by id."""
    with app.test_request_context():
        tasks.complete(task_id, signed_in(user_id), dict(DECISION))


def _counting(app: Flask) -> tuple[list[int], Any]:
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    return seen, count


def _paired(
    app: Flask,
    db_path: Path,
    tmp: Path,
    run: Any,
    floor_engine: Any,
    items: list[Any],
    warm_up: int,
    split: Split | None = None,
) -> Paired:
    replica_path = tmp / f"replica_{time.monotonic_ns()}.db"
    snapshot(db_path, replica_path)
    replica = Replica(replica_path)
    log = WriteLog()
    seen, count = _counting(app)
    with app.app_context():
        engine = db.engine
    product, engine_ms, commit_ms, statements = [], [], [], 0
    inside_ms, driver_ms = [], []
    try:
        with log.listening(engine):
            for i, item in enumerate(items):
                before = seen[0]
                if split is not None:
                    split.take()
                start = time.perf_counter()
                run(item)
                elapsed = (time.perf_counter() - start) * 1000
                inside, driver = split.take() if split is not None else (0.0, 0.0)
                issued = seen[0] - before
                start = time.perf_counter()
                floor_engine(item)
                engine_part = (time.perf_counter() - start) * 1000
                commit_part = replica.commit_ms(log.take())
                if i >= warm_up:
                    product.append(elapsed)
                    engine_ms.append(engine_part)
                    commit_ms.append(commit_part)
                    statements += issued
                    inside_ms.append(inside - driver)
                    driver_ms.append(driver)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        replica.close()
    measured = Paired(product, engine_ms, commit_ms, statements / max(len(product), 1))
    if split is not None:
        measured.sqlalchemy, measured.driver = inside_ms, driver_ms
    return measured


def completions(app: Flask, db_path: Path, tmp: Path, n: int, warm_up: int = 10, split: Split | None = None) -> Paired:
    """Complete `n` review tasks as the sales manager, each in a fresh application and request context."""
    ids = file_applications(app, n + warm_up)
    manager_id = user_id(app, "sales_manager")
    bundle = _bundle(app)
    with app.app_context():
        before = {
            task_id: (engine_task_id, state)
            for task_id, engine_task_id, state in db.session.execute(
                db.select(HumanTask.id, HumanTask.engine_task_id, ProcessInstance.state)
                .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                .where(HumanTask.id.in_(ids))
            )
        }

    def run(task_id: int) -> None:
        complete_as(app, manager_id, task_id)

    def engine_step(task_id: int) -> None:
        engine_task_id, state = before[task_id]
        runtime = ProcessRuntime.load(bundle, state, Recorder())
        runtime.complete(engine_task_id, dict(DECISION))
        runtime.dump()

    return _paired(app, db_path, tmp, run, engine_step, ids, warm_up, split)


def starts(app: Flask, db_path: Path, tmp: Path, n: int, warm_up: int = 10, split: Split | None = None) -> Paired:
    """File `n` credit applications as the salesperson, each in a fresh application and request context."""
    global _filed
    sales_id = user_id(app, "salesperson")
    bundle = _bundle(app)
    numbers = list(range(_filed + 1, _filed + 1 + n + warm_up))
    _filed += n + warm_up

    def run(i: int) -> None:
        with app.test_request_context():
            instances.start("credit_application", signed_in(sales_id), filing(i))

    def engine_start(i: int) -> None:
        ProcessRuntime.start(bundle, {**filing(i), "filed_by": "salesperson"}, Recorder()).dump()

    return _paired(app, db_path, tmp, run, engine_start, numbers, warm_up, split)
