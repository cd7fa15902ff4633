"""The inbox at size: p50/p95 of its pages with 100,000 open tasks for 1,000 users against 1,000 tasks.

The timed person has the same 200 tasks (100 their own, 100 in their role's queue) at both sizes,
so the figures compare the cost of the table's size, not of a fuller page.

    .venv/bin/python bench/inbox.py [--tasks 100000] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]

Rows are written with bulk inserts (no engine work), so seeding takes seconds. Each figure is one
inbox request as a page makes it: the list page plus the navigation bar's open count. It prints the
plan of every statement the inbox runs, on SQLite and, given a server URL, on PostgreSQL.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SCHEDULER_ENABLED", "0")

from flask import Flask, g  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import HumanTask, ProcessInstance, ProcessVersion, Role, User, user_roles  # noqa: E402
from app.services.desk import inbox  # noqa: E402
from bench import workers  # noqa: E402

USERS = 1_000
ROLES = 50
SAMPLES = 200
WARM_UP = 10
SAMPLE_INDEX = 7  # bench_0007 is the person whose inbox is timed
SAMPLE_TASKS = 200  # half assigned to them, half in their role's queue
CHUNK = 10_000
CUSTOMERS = ["华东贸易", "Acme Trading", "南方机械", "Zeta Foods", "北方建材"]


def _app(url: str) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
    return app


def seed_people(app: Flask) -> int:
    """1,000 users, each holding one of 50 roles; returns the id of the instance every task hangs on."""
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(
            insert(Role),
            [{"key": f"bench_role_{r}", "name_zh": f"岗位{r}", "name_en": f"Role {r}"} for r in range(ROLES)],
        )
        db.session.execute(
            insert(User),
            [
                {
                    "username": f"bench_{u:04d}",
                    "name_zh": f"User {u}",
                    "password_hash": "-",
                    "active": True,
                    "department": "",
                    "session_epoch": 0,
                    "locale": "zh_CN",
                    "created_at": now,
                }
                for u in range(USERS)
            ],
        )
        role_ids = dict(db.session.execute(db.select(Role.key, Role.id)).all())
        user_ids = dict(db.session.execute(db.select(User.username, User.id)).all())
        db.session.execute(
            insert(user_roles),
            [
                {"user_id": user_ids[f"bench_{u:04d}"], "role_id": role_ids[f"bench_role_{u % ROLES}"]}
                for u in range(USERS)
            ],
        )
        version = ProcessVersion(
            process_key="credit_application",
            version=1,
            name="bench",
            source_name="bench.bpmn",
            bpmn_xml="",
            dmn_xml={},
            content_hash="-",
            deployed_at=now,
        )
        db.session.add(version)
        db.session.flush()
        instance = ProcessInstance(
            process_version_id=version.id,
            process_key="credit_application",
            title="bench",
            status="running",
            state="{}",
            data={},
            started_at=now,
        )
        db.session.add(instance)
        db.session.commit()
        return instance.id


def seed_tasks(app: Flask, instance_id: int, total: int) -> None:
    """Bring the open tasks up to `total`: half assigned to a user, half waiting in a role's queue."""
    now = datetime.now(UTC)
    with app.app_context():
        user_ids = list(db.session.scalars(db.select(User.id).where(User.username.like("bench_%")).order_by(User.id)))
        have = db.session.scalar(db.select(db.func.count(HumanTask.id))) or 0
        rows = []
        sample_user, sample_role = user_ids[SAMPLE_INDEX], f"bench_role_{SAMPLE_INDEX % ROLES}"
        for i in range(have, total):
            title = f"授信审批 · CR{i:06d} · {CUSTOMERS[i % len(CUSTOMERS)]}"
            queued = i % 2 == 1
            # The measured person's own inbox is the same at both sizes; only everyone else's grows.
            role = sample_role if i < SAMPLE_TASKS else f"bench_role_{(i // 2) % ROLES}"
            assignee = sample_user if i < SAMPLE_TASKS else user_ids[(i // 2) % USERS]
            rows.append(
                {
                    "instance_id": instance_id,
                    "engine_task_id": f"bench-{i}",
                    "process_key": "credit_application" if i % 3 else "complaint_handling",
                    "business_key": f"CR{i:06d}",
                    "bpmn_id": "review",
                    "name": "审批",
                    "title": title,
                    "form_key": "credit_approval",
                    "role": role,
                    "assignee_id": None if queued else assignee,
                    "status": "open",
                    "created_at": now - timedelta(minutes=i),
                    "due_at": None if i % 10 == 0 else now + timedelta(minutes=(i * 7919) % 20_000 - 5_000),
                    "escalation_level": 0,
                    "customer": CUSTOMERS[i % len(CUSTOMERS)],
                    "search_text": f"{title} CR{i:06d}".lower(),
                }
            )
            if len(rows) == CHUNK:
                db.session.execute(insert(HumanTask), rows)
                rows = []
        if rows:
            db.session.execute(insert(HumanTask), rows)
        db.session.commit()
        db.session.execute(text("ANALYZE"))  # what a running database has: statistics for the planner
        db.session.commit()


def _user(username: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == username)).one()


def scenarios() -> dict[str, Callable[[User], Any]]:
    def first_page(who: User) -> None:
        inbox.list_page(who, inbox.parse_query({}))
        inbox.open_count_label(who)

    def second_page_newest_mine(who: User) -> None:
        query = inbox.parse_query({"tab": "mine", "sort": "created"})
        first = inbox.list_page(who, query, limit=20)
        inbox.list_page(who, query, after=first.next_cursor, limit=20)
        inbox.open_count_label(who)

    def search_queue(who: User) -> None:
        inbox.list_page(who, inbox.parse_query({"tab": "queue", "q": "acme", "process": "credit_application"}))
        inbox.open_count_label(who)

    return {
        "all tabs, soonest due, + count": first_page,
        "mine, newest, pages 1+2, + count": second_page_newest_mine,
        "queue, search + process, + count": search_queue,
    }


def _one(app: Flask, run: Callable[[User], Any], user_id: int) -> float:
    """One request's worth, in a fresh app context: nothing cached from the last one."""
    with app.app_context():
        start = time.perf_counter()
        run(db.session.get(User, user_id))  # loading the person is part of every request
        elapsed = (time.perf_counter() - start) * 1000
        db.session.rollback()
    return elapsed


def timings(apps: list[Flask], run: Callable[[User], Any]) -> list[tuple[float, float]]:
    """(p50, p95) in ms per database. Samples alternate between the databases, so a busy machine
    slows both alike instead of whichever happened to run second."""
    user_ids = []
    for app in apps:
        with app.app_context():
            user_ids.append(_user(f"bench_{SAMPLE_INDEX:04d}").id)
    times: list[list[float]] = [[] for _ in apps]
    for sample in range(SAMPLES + WARM_UP):
        for i, app in enumerate(apps):
            elapsed = _one(app, run, user_ids[i])
            if sample >= WARM_UP:
                times[i].append(elapsed)
    return [(statistics.median(t), statistics.quantiles(t, n=20)[18]) for t in times]


@contextmanager
def _recording(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if "FROM human_tasks" in statement:
            seen.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", record)


def plans(app: Flask, run: Callable[[User], Any], username: str = f"bench_{SAMPLE_INDEX:04d}") -> list[str]:
    """The database's plan for each distinct statement the scenario runs."""
    with _recording(app) as seen, app.app_context():
        g.pop("_roles_of", None)
        run(_user(username))
    out: list[str] = []
    with app.app_context():
        connection = db.session.connection()
        dialect = connection.dialect.name
        distinct: dict[str, Any] = {}
        for statement, parameters in seen:
            distinct.setdefault(statement, parameters)
        for statement, parameters in distinct.items():
            prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            plan = [str(r[-1]) for r in rows]
            out.append(" / ".join(p.strip() for p in plan))
        db.session.rollback()
    return out


def measure(
    small_url: str, large_url: str, small: int, large: int, show_plans: bool = True
) -> dict[str, tuple[float, float, float, float]]:
    """Per scenario: p50 and p95 with `small` open tasks in one database, then with `large` in another."""
    apps = []
    for url, total in ((small_url, small), (large_url, large)):
        app = _app(url)
        started = time.perf_counter()
        seed_tasks(app, seed_people(app), total)
        print(f"  seeded {total:,} open tasks in {time.perf_counter() - started:.1f} s", flush=True)
        apps.append(app)
    results = {}
    for name, run in scenarios().items():
        (s50, s95), (l50, l95) = timings(apps, run)
        results[name] = (s50, s95, l50, l95)
        if show_plans:
            print(f"  plans for '{name}' at {large:,}:")
            for plan in plans(apps[1], run):
                print(f"    - {plan}")
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    return results


def _table(label: str, results: dict[str, tuple[float, float, float, float]], small: int, large: int) -> None:
    print(f"\n{label}\n")
    print(f"| request | p50 at {small:,} | p95 at {small:,} | p50 at {large:,} | p95 at {large:,} | p95 ratio |")
    print("|---|---|---|---|---|---|")
    for name, (s50, s95, l50, l95) in results.items():
        print(f"| {name} | {s50:.2f} | {s95:.2f} | {l50:.2f} | {l95:.2f} | {l95 / s95:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument(
        "--postgres",
        help="a PostgreSQL server URL without a database, e.g. postgresql+psycopg://postgres@127.0.0.1:5432",
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite (WAL):", flush=True)
        urls = [f"sqlite:///{Path(tmp) / name}" for name in ("small.db", "large.db")]
        sqlite = measure(*urls, arguments.small, arguments.tasks)
    _table("SQLite, ms", sqlite, arguments.small, arguments.tasks)
    if arguments.postgres:
        print("\nPostgreSQL:", flush=True)
        pid = os.getpid()
        with (
            workers.throwaway_postgres(arguments.postgres, f"approvals_inbox_small_{pid}") as small_url,
            workers.throwaway_postgres(arguments.postgres, f"approvals_inbox_large_{pid}") as large_url,
        ):
            postgres = measure(small_url, large_url, arguments.small, arguments.tasks)
        _table("PostgreSQL, ms", postgres, arguments.small, arguments.tasks)


if __name__ == "__main__":
    main()
