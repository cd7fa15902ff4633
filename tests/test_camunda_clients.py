"""Camunda's own Python clients, unchanged, against a real gunicorn server on loopback: an external-task
worker (camunda-external-task-client-python3) fails once and retries, and a Camunda 7 REST client
(camunda-client) starts instances, reads and completes tasks and correlates a message."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from camunda.external_task.external_task_worker import ExternalTaskWorker
from camunda_client import CamundaEngineClient, VariableValueSchema
from camunda_client.clients.dto import AuthData
from camunda_client.clients.engine.schemas.body import GetTasksFilterSchema, SendCorrelationMessageSchema
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, ExternalTask, ProcessInstance

from .conftest import PASSWORD, ROOT
from .test_engine_rest import PAYMENT, deployed
from .test_outbox import free_port

# The worker client is built on pydantic 1-style validators; their deprecation is not this app's to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:camunda")


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """Two gunicorn workers serving the test database, as of the tests' fixed instant."""
    deployed(app, PAYMENT)
    db.session.commit()
    db.session.remove()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "camunda-clients",
        "SCHEDULER_ENABLED": "0",
        "CLOCK_AT": app.extensions["clock"].now().isoformat(),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    booted = 0
    for line in process.stderr:
        booted += "Booting worker" in line
        if booted == 2:
            break
    yield f"http://127.0.0.1:{port}/engine-rest"
    process.terminate()
    process.wait(timeout=30)


def _token(base: str, username: str) -> str:
    answer = httpx.post(
        base.replace("/engine-rest", "/api/v1/auth/token"), json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def _rest_client(base: str, username: str) -> CamundaEngineClient:
    return CamundaEngineClient(
        base_url=base,
        auth_data=AuthData(username=username, password=_token(base, username)),
        transport=httpx.AsyncHTTPTransport(),
    )


def _card_worker(base: str) -> ExternalTaskWorker:
    config = {
        "auth_basic": {"username": "process_owner", "password": _token(base, "process_owner")},
        "maxTasks": 1,
        "lockDuration": 10_000,
        "asyncResponseTimeout": 1_000,
        "retries": 3,
        "retryTimeout": 0,
    }
    return ExternalTaskWorker(worker_id="card-worker", base_url=base, config=config)


def test_an_external_task_worker_fails_once_retries_and_completes(app: Flask, server: str) -> None:
    asyncio.run(
        _rest_client(server, "salesperson").start_process(
            "payment", business_key="INV-7", variables={"invoiceAmount": VariableValueSchema(value=800, type="Long")}
        )
    )
    worker = _card_worker(server)
    seen: list[tuple[Any, Any]] = []

    def charge(task: Any) -> Any:
        seen.append((task.get_variable("invoiceAmount"), task.get_business_key()))
        if len(seen) == 1:
            return task.failure("gateway down", "the card gateway did not answer", max_retries=3, retry_timeout=0)
        return task.complete({"chargeId": "ch_800", "charged": True})

    worker.fetch_and_execute("charge-card", charge)
    worker.fetch_and_execute("charge-card", charge)
    assert seen == [(800, "INV-7"), (800, "INV-7")]
    db.session.remove()
    row = db.session.scalars(db.select(ExternalTask)).one()
    assert (row.status, row.retries, row.error_message, row.attempts) == ("completed", 3, "gateway down", 2)
    instance = db.session.get(ProcessInstance, row.instance_id)
    assert (instance.data["chargeId"], instance.data["charged"]) == ("ch_800", True)
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.instance_id == instance.id)).all()
    assert actions.count("external_failure") == 1 and actions.count("external_complete") == 1


def test_a_camunda_rest_client_starts_reads_tasks_correlates_and_completes(app: Flask, server: str) -> None:
    async def scenario() -> None:
        sales = _rest_client(server, "salesperson")
        owner = _rest_client(server, "process_owner")
        manager = _rest_client(server, "general_manager")
        started = await sales.start_process(
            "payment", business_key="INV-8", variables={"invoiceAmount": VariableValueSchema(value=90, type="Long")}
        )
        assert started.business_key == "INV-8"
        charged: list[str] = []
        _card_worker(server).fetch_and_execute(
            "charge-card", lambda task: charged.append(task.get_business_key()) or task.complete({})
        )
        assert charged == ["INV-8"]
        await owner.send_correlation_message(
            SendCorrelationMessageSchema(
                message_name="payment_received",
                business_key="INV-8",
                process_variables={"paidBy": VariableValueSchema(value="transfer", type="String")},
            )
        )
        (task,) = await manager.get_tasks(GetTasksFilterSchema(process_instance_id=started.id))
        assert (task.name, task.task_definition_key, task.process_instance_id) == ("Confirm", "confirm", started.id)
        assert (await manager.get_task(task.id)).name == "Confirm"
        await manager.claim_task(task.id, "general_manager")  # type: ignore[arg-type] - Camunda user ids are names here
        await manager.submit_task_form(task.id, {"approved": VariableValueSchema(value=True, type="Boolean")})
        assert await manager.get_task(task.id) is None  # done: no longer a task, as in Camunda

    asyncio.run(scenario())
    db.session.remove()
    instance = db.session.scalars(db.select(ProcessInstance).where(ProcessInstance.business_key == "INV-8")).one()
    assert instance.status == "completed"
    assert (instance.data["paidBy"], instance.data["approved"]) == ("transfer", True)
