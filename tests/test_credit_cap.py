"""The company's total credit cap (第二十四条): what it is, what each approval may add, and two final
approvals at the same moment never exceeding it together (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import event

from app.extensions import db
from app.models import Customer

from .conftest import PASSWORD
from .support import ApiUser

CHAIN = ("sales_manager", "sales_vp", "finance_director", "general_manager")


def people(app: Flask) -> dict[str, ApiUser]:
    client = app.test_client()
    return {n: ApiUser(client, n, PASSWORD) for n in ("salesperson", *CHAIN, "credit_controller")}


def approve_through(team: dict[str, ApiUser], code: str, until: str, **extra: Any) -> None:
    for name in CHAIN:
        if name == until:
            return
        task = next(t for t in team[name].tasks() if t["business_key"] == code)
        response = team[name].decide(task["id"], "approve", "同意", **extra)
        assert response.status_code == 200, response.json


def test_an_approval_beyond_the_cap_is_refused_with_the_headroom(app: Flask) -> None:
    app.config["CREDIT_TOTAL_CAP"] = 100000.0
    team = people(app)
    team["salesperson"].start_credit(customer_code="CAP1", requested_limit=80000.0)
    approve_through(team, "CAP1", until="")
    started = team["salesperson"].start_credit(customer_code="CAP2", requested_limit=60000.0)
    data = team["sales_vp"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert (data["credit_total_granted"], data["credit_total_cap"], data["credit_headroom"]) == (
        80000.0,
        100000.0,
        20000.0,
    )
    manager = team["sales_manager"]
    refused = manager.decide(manager.only_task()["id"], "approve", "同意")
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["approved_limit"]
    assert "20,000.00" in refused.json["errors"]["approved_limit"][0]
    assert manager.decide(manager.only_task()["id"], "approve", "同意", approved_limit=20000.0).status_code == 200


def test_a_customers_own_limit_is_replaced_not_added(app: Flask) -> None:
    app.config["CREDIT_TOTAL_CAP"] = 100000.0
    team = people(app)
    team["salesperson"].start_credit(customer_code="CAP3", requested_limit=70000.0)
    approve_through(team, "CAP3", until="")
    body = {"balance": 0, "overdue": 0, "as_of": "2026-11-20"}
    assert team["credit_controller"].put("/api/v1/customers/CAP3/receivables", body).status_code == 200
    team["salesperson"].start_credit(customer_code="CAP3", requested_limit=60000.0)
    approve_through(team, "CAP3", until="")  # 60,000 in place of 70,000: within the cap
    assert db.session.scalars(db.select(Customer).where(Customer.code == "CAP3")).one().credit_limit == 60000


def test_without_a_setting_the_cap_is_the_receivables_on_1_january(app: Flask) -> None:
    team = people(app)
    started = team["salesperson"].start_credit(customer_code="JAN0", requested_limit=1000.0)
    data = team["sales_manager"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert data["credit_total_cap"] is None and data["credit_headroom"] is None  # no cap at all
    controller = team["credit_controller"]
    for code, balance in (("JAN1", 30000), ("JAN2", 20000)):
        body = {"balance": balance, "overdue": 0, "as_of": "2026-01-01"}
        assert controller.put(f"/api/v1/customers/{code}/receivables", body).status_code == 200
    body = {"balance": 99999, "overdue": 0, "as_of": "2026-06-30"}  # another day: not the cap
    assert controller.put("/api/v1/customers/JAN1/receivables", body).status_code == 200
    started = team["salesperson"].start_credit(customer_code="JAN3", requested_limit=60000.0)
    data = team["sales_manager"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert (data["credit_total_cap"], data["credit_headroom"]) == (50000.0, 50000.0)
    manager = team["sales_manager"]
    task_id = next(t["id"] for t in manager.tasks() if t["business_key"] == "JAN3")
    assert manager.decide(task_id, "approve", "同意").status_code == 422


def test_two_final_approvals_at_once_never_exceed_the_cap_together(app: Flask) -> None:
    app.config["CREDIT_TOTAL_CAP"] = 100000.0
    team = people(app)
    for code in ("RACE_A", "RACE_B"):
        team["salesperson"].start_credit(customer_code=code, requested_limit=60000.0)
        approve_through(team, code, until="general_manager")
    gm = team["general_manager"]
    task_ids = [t["id"] for t in gm.tasks()]
    assert len(task_ids) == 2
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    lock = threading.Lock()

    def act(task_id: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/tasks/{task_id}/complete",
            json={"data": {"decision": "approve", "comment": "同意"}},
            headers=gm.headers,
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=act, args=(i,)) for i in task_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 422]
    db.session.expire_all()
    granted = db.session.scalar(db.select(db.func.sum(Customer.credit_limit)))
    assert granted == 60000


def test_only_the_step_that_writes_the_grant_holds_the_companys_total(app: Flask) -> None:
    """Approvals along the chain check the cap without the company-wide lock, so approvals of other
    customers never wait for them; the general manager's grant takes it (see the race above)."""
    app.config["CREDIT_TOTAL_CAP"] = 1_000_000.0
    team = people(app)
    team["salesperson"].start_credit(customer_code="HOLD1", requested_limit=50000.0)
    locks: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "pg_advisory_xact_lock" in statement or "SET id = id WHERE id = -1" in statement:
            locks.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        approve_through(team, "HOLD1", until="general_manager")
        assert locks == []
        gm = team["general_manager"]
        assert gm.decide(gm.only_task()["id"], "approve", "同意").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(locks) == 1
