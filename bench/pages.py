"""Whole HTML requests, log-in session and template included: the inbox by table size, the instance page by steps.

Samples alternate between the two sides of each comparison, so a busy machine slows both alike.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import HumanTask, User
from app.services.desk import returns, tasks
from app.services.instances import lifecycle as instances
from bench import inbox as inbox_bench
from bench.use_cases import DECISION, filing, user_id


def logged_in(app: Flask, username: str) -> FlaskClient:
    """A browser session of this person, as the log-in page leaves it."""
    client = app.test_client()
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.username == username)).one()
        uid, epoch = user.id, user.session_epoch
    with client.session_transaction() as session:
        session["_user_id"] = str(uid)
        session["_fresh"] = True
        session["epoch"] = epoch
    return client


def _get_ms(client: FlaskClient, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")
    return elapsed


def alternate(sides: list[tuple[FlaskClient, str]], samples: int, warm_up: int = 5) -> list[float]:
    """Median ms of each (client, path), sampled in turn."""
    times: list[list[float]] = [[] for _ in sides]
    for sample in range(samples + warm_up):
        for i, (client, path) in enumerate(sides):
            elapsed = _get_ms(client, path)
            if sample >= warm_up:
                times[i].append(elapsed)
    return [statistics.median(t) for t in times]


def inbox_app(url: str, open_tasks: int, config: dict[str, Any]) -> Flask:
    """A database with 1,000 people in 50 roles and `open_tasks` open tasks, written with bulk inserts."""
    app = inbox_bench._app(url)
    app.config.update(config)
    inbox_bench.seed_tasks(app, inbox_bench.seed_people(app), open_tasks)
    return app


def inbox_pages(small: Flask, large: Flask, samples: int) -> tuple[float, float]:
    who = f"bench_{inbox_bench.SAMPLE_INDEX:04d}"
    return tuple(alternate([(logged_in(small, who), "/tasks"), (logged_in(large, who), "/tasks")], samples))  # type: ignore[return-value]


def _named(username: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == username)).one()


def instance_with_steps(app: Flask, steps: int) -> int:
    """A credit application with `steps` completed steps: returned to the filer and filed again, then approved."""
    with app.app_context():
        sales = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
        manager_id = user_id(app, "sales_manager")
        data = filing(10_000_000 + steps)
        instance = instances.start("credit_application", sales, data)
        instance_id = instance.id

        def open_task() -> HumanTask:
            return db.session.scalars(
                db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
            ).one()

        loops, approvals = divmod(steps, 2)
        loops -= 1 - approvals  # an even count ends with two approvals, an odd one with one
        approvals = steps - 2 * loops
        for _ in range(loops):
            returns.return_task(open_task().id, db.session.get(User, manager_id), "filer", "请补充")
            tasks.complete(open_task().id, sales, dict(data))
        for _ in range(approvals):
            task = open_task()
            # Demo people are named by the role they hold.
            actor = db.session.get(User, task.assignee_id) if task.assignee_id else _named(task.role or "")
            tasks.complete(task.id, actor, dict(DECISION))
        done = db.session.scalar(
            db.select(db.func.count(HumanTask.id)).where(
                HumanTask.instance_id == instance_id, HumanTask.status != "open"
            )
        )
        assert done == steps, (done, steps)
        return instance_id


def instance_pages(app: Flask, few: int, many: int, samples: int) -> tuple[float, float]:
    small, large = instance_with_steps(app, few), instance_with_steps(app, many)
    client = logged_in(app, "salesperson")
    return tuple(alternate([(client, f"/instances/{small}"), (client, f"/instances/{large}")], samples))  # type: ignore[return-value]
