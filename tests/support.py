"""Shared pieces for tests that drive the credit diagram directly."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.engine import SpecBundle, build_bundle
from app.extensions import db
from app.models import AuditEvent

BPMN = Path(__file__).resolve().parent.parent / "bpmn"
# The BPMN MIWG reference diagrams, in the shared folder that sits beside the project.
MIWG = Path(__file__).resolve().parent.parent.parent / "shared" / "conformance" / "miwg"


def credit_bundle() -> SpecBundle:
    return build_bundle(
        (BPMN / "credit_application.bpmn").read_bytes(),
        {name: (BPMN / name).read_bytes() for name in ("credit_grade.dmn", "credit_policy.dmn")},
        filename="credit_application.bpmn",
    )


_CODES = count(1)


class Recorder:
    """Stands in for the service tasks; the credit file's facts are what the test gives it."""

    def __init__(self, current_limit: float | None = None, has_prior_credit: bool = True, settled: bool = True) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.current_limit = current_limit
        self.has_prior_credit = has_prior_credit
        self.settled = settled

    def __call__(self, name: str, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, dict(data)))
        if name == "load_credit_file":
            return {
                "exists": self.current_limit is not None,
                "current_limit": self.current_limit,
                "has_prior_credit": self.has_prior_credit,
                "previous_credit_settled": self.settled,
            }
        return {"ok": True}


def application(**overrides: Any) -> dict[str, Any]:
    data = dict(
        customer_code="C001",
        customer_name="华东贸易",
        months_of_cooperation=24,
        avg_monthly_shipment=100000.0,
        avg_monthly_collection=80000.0,
        bad_record_24m=False,
        lawful=True,
        good_operation_2y=True,
        strong_capital=True,
        meets_annual_target=True,
        key_data_complete=True,
        c_conditions=[],
        # A customer new to the credit file may only get temporary credit (第二十六条 1).
        credit_type="temporary",
        requested_limit=90000.0,
        requested_term_days=60,
        collateral_value=0.0,
        filed_by="salesperson",
    )
    data.update(overrides)
    return data


class ApiUser:
    """One person talking to the JSON API with their own bearer token."""

    def __init__(self, client: Any, username: str, password: str) -> None:
        self.client = client
        self.username = username
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.json
        self.headers = {"Authorization": f"Bearer {response.json['token']}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, body: Any = None) -> Any:
        return self.client.post(url, json=body if body is not None else {}, headers=self.headers)

    def put(self, url: str, body: Any = None) -> Any:
        return self.client.put(url, json=body if body is not None else {}, headers=self.headers)

    def start_credit(self, **overrides: Any) -> Any:
        # Each application needs a customer of its own while another one is open.
        overrides.setdefault("customer_code", f"C{next(_CODES):03d}")
        data = application(**overrides)
        data.pop("filed_by", None)
        return self.post("/api/v1/processes/credit_application/instances", {"data": data})

    def tasks(self, scope: str = "all") -> list[dict[str, Any]]:
        response = self.get(f"/api/v1/tasks?scope={scope}")
        assert response.status_code == 200, response.json
        return response.json["tasks"]

    def only_task(self) -> dict[str, Any]:
        tasks = self.tasks()
        assert len(tasks) == 1, tasks
        return tasks[0]

    def decide(self, task_id: int, decision: str, comment: str = "", **extra: Any) -> Any:
        data = {"decision": decision, "comment": comment, **extra}
        return self.post(f"/api/v1/tasks/{task_id}/complete", {"data": data})


def audit_lines(action: str) -> list[AuditEvent]:
    """The audit trail's lines of one action, in the order they were written (a database may return
    rows in any order without one)."""
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def statements_sent(run: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Each statement, with its parameters, that the database was sent while `run` ran."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sent


def statements_during(run: Callable[[], Any]) -> int:
    """How many statements the database was sent while `run` ran."""
    return len(statements_sent(run))
