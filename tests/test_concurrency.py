"""Two people acting on the same task at the same moment: exactly one wins, nothing doubles."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from app.extensions import db
from app.models import AuditEvent, Customer, HumanTask, ProcessInstance

from .conftest import PASSWORD
from .support import ApiUser, application


def _at_once(app: Flask, users: list[ApiUser], path: str, body: Callable[[ApiUser], dict[str, Any]]) -> list[int]:
    """Each user posts `body(user)` to `path` on their own connection, all released at the same moment;
    the answers' statuses, sorted."""
    barrier = threading.Barrier(len(users))
    statuses: list[int] = []
    lock = threading.Lock()

    def act(user: ApiUser) -> None:
        client = app.test_client()
        sent = body(user)
        barrier.wait()
        response = client.post(path, json=sent, headers=user.headers)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=act, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def _race(app: Flask, task_id: int, users: list[ApiUser]) -> list[int]:
    return _at_once(
        app,
        users,
        f"/api/v1/tasks/{task_id}/complete",
        lambda user: {"data": {"decision": "approve", "comment": f"by {user.username}"}},
    )


def test_two_concurrent_completions_give_one_200_and_one_409(app: Flask) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    manager_a = ApiUser(client, "sales_manager", PASSWORD)
    manager_b = ApiUser(client, "sales_manager", PASSWORD)
    for round_no in range(5):
        sales.start_credit(customer_code=f"RACE{round_no}")
        task_id = next(t["id"] for t in manager_a.tasks() if t["business_key"] == f"RACE{round_no}")
        assert _race(app, task_id, [manager_a, manager_b]) == [200, 409]

        db.session.expire_all()
        approvals = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.task_id == task_id, AuditEvent.action == "approve")
        ).all()
        assert len(approvals) == 1
        instance_id = db.session.get(HumanTask, task_id).instance_id
        next_tasks = db.session.scalars(
            db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        ).all()
        assert [t.role for t in next_tasks] == ["sales_vp"]


def test_different_tasks_at_once_both_succeed(app: Flask) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    manager = ApiUser(client, "sales_manager", PASSWORD)
    sales.start_credit(customer_code="PAR1")
    sales.start_credit(customer_code="PAR2")
    ids = [t["id"] for t in manager.tasks()]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def act(task_id: int) -> None:
        local = app.test_client()
        barrier.wait()
        results.append(
            local.post(
                f"/api/v1/tasks/{task_id}/complete",
                json={"data": {"decision": "approve", "comment": "ok"}},
                headers=manager.headers,
            ).status_code
        )

    threads = [threading.Thread(target=act, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [200, 200]


def _file_at_once(app: Flask, people: list[ApiUser], code: str) -> list[int]:
    data = application(customer_code=code, customer_name=f"新客户{code}")
    data.pop("filed_by")
    return _at_once(app, people, "/api/v1/processes/credit_application/instances", lambda _user: {"data": data})


def test_two_salespeople_filing_for_the_same_new_customer_at_once_make_one_file(app: Flask) -> None:
    """The first filing makes the customer's file; the other waits for it and is refused by it."""
    client = app.test_client()
    people = [ApiUser(client, "salesperson", PASSWORD), ApiUser(client, "salesperson2", PASSWORD)]
    for round_no in range(3):
        code = f"NEW{round_no}"
        statuses = _file_at_once(app, people, code)
        # The loser is told the file is another salesperson's (403), or, if they share it, that an
        # application is open (409): never a second file, never a crash.
        assert statuses[0] == 201 and statuses[1] in (403, 409), statuses
        db.session.expire_all()
        files = db.session.scalars(db.select(Customer).where(Customer.code == code)).all()
        assert len(files) == 1 and files[0].name == f"新客户{code}"
        filers = db.session.scalars(
            db.select(ProcessInstance.started_by_id).where(ProcessInstance.business_key == code)
        ).all()
        assert filers == [files[0].responsible_id]
