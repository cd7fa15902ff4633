"""Camunda's REST API under /engine-rest, as Camunda's clients call it: typed variables, HTTP Basic
with an API token, external tasks locked as leases, messages, signals and Camunda's error bodies."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import Flask

from app.extensions import db
from app.models import ExternalTask, HumanTask, ProcessInstance

from .camunda_diagrams import diagram
from .conftest import PASSWORD

PAYMENT = diagram(
    """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="charge" />
    <bpmn:serviceTask id="charge" name="Charge card" camunda:type="external" camunda:topic="charge-card" />
    <bpmn:sequenceFlow id="f1" sourceRef="charge" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:messageEventDefinition messageRef="paid" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="confirm" />
    <bpmn:userTask id="confirm" name="Confirm" camunda:candidateGroups="general_manager" />
    <bpmn:sequenceFlow id="f3" sourceRef="confirm" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:boundaryEvent id="declined" attachedToRef="charge">
      <bpmn:errorEventDefinition errorRef="card_declined" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="declined" targetRef="call" />
    <bpmn:userTask id="call" name="Call the customer" camunda:candidateGroups="finance_director" />
    <bpmn:sequenceFlow id="f5" sourceRef="call" targetRef="end2" />
    <bpmn:endEvent id="end2" />
    """,
    process_id="payment",
    outside='<bpmn:message id="paid" name="payment_received" />'
    '<bpmn:error id="card_declined" name="Card declined" errorCode="card_declined" />',
)


class Camunda:
    """One user calling /engine-rest with HTTP Basic: their user name and an API token as the password."""

    def __init__(self, app: Flask, username: str) -> None:
        self.client = app.test_client()
        token = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}).json["token"]
        basic = base64.b64encode(f"{username}:{token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {basic}", "Accept-Language": "en"}
        self.bearer = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(f"/engine-rest{path}", json=body if body is not None else {}, headers=self.headers)

    def get(self, path: str) -> Any:
        return self.client.get(f"/engine-rest{path}", headers=self.headers)


def deployed(app: Flask, xml: str = PAYMENT) -> None:
    owner = Camunda(app, "process_owner")
    answer = owner.client.post("/api/v1/process-models", data=xml, content_type="application/xml", headers=owner.bearer)
    assert answer.status_code == 201, answer.json


def start_payment(app: Flask, business_key: str = "INV-1") -> dict[str, Any]:
    answer = Camunda(app, "salesperson").post(
        "/process-definition/key/payment/start",
        {
            "businessKey": business_key,
            "variables": {
                "invoiceAmount": {"value": 1250, "type": "Long"},
                "customer": {"value": "华东贸易", "type": "String"},
                "express": {"value": True, "type": "Boolean"},
            },
        },
    )
    assert answer.status_code == 200, answer.json
    return answer.json


def fetch(worker: Camunda, worker_id: str, lock_ms: int = 60_000) -> list[dict[str, Any]]:
    answer = worker.post(
        "/external-task/fetchAndLock",
        {"workerId": worker_id, "maxTasks": 5, "topics": [{"topicName": "charge-card", "lockDuration": lock_ms}]},
    )
    assert answer.status_code == 200, answer.json
    return answer.json


def test_a_start_by_key_keeps_typed_variables_with_their_names(app: Flask) -> None:
    deployed(app)
    started = start_payment(app)
    instance = db.session.get(ProcessInstance, UUID(started["id"]).int)
    assert started["businessKey"] == "INV-1" and started["ended"] is False
    assert started["definitionId"].startswith("payment:")
    assert {k: instance.data[k] for k in ("invoiceAmount", "customer", "express")} == {
        "invoiceAmount": 1250,
        "customer": "华东贸易",
        "express": True,
    }


def test_a_badly_typed_variable_is_refused_by_name_and_nothing_starts(app: Flask) -> None:
    deployed(app)
    answer = Camunda(app, "salesperson").post(
        "/process-definition/key/payment/start", {"variables": {"invoiceAmount": {"value": "lots", "type": "Long"}}}
    )
    assert answer.status_code == 400
    assert answer.json["type"] == "InvalidRequestException"
    assert "invoiceAmount" in answer.json["message"]
    assert (
        db.session.scalar(db.select(db.func.count(ProcessInstance.id)).where(ProcessInstance.process_key == "payment"))
        == 0
    )


def test_two_workers_never_get_the_same_task_and_a_failure_comes_back_after_its_timeout(app: Flask, clock: Any) -> None:
    deployed(app)
    start_payment(app)
    worker = Camunda(app, "process_owner")
    (task,) = fetch(worker, "worker-a")
    assert task["topicName"] == "charge-card" and task["workerId"] == "worker-a"
    assert task["variables"]["invoiceAmount"] == {"value": 1250, "type": "Integer", "valueInfo": {}}
    assert fetch(Camunda(app, "admin"), "worker-b") == []  # locked by worker-a
    stolen = Camunda(app, "admin").post(f"/external-task/{task['id']}/complete", {"workerId": "worker-b"})
    assert stolen.status_code == 400 and "locked by 'worker-a'" in stolen.json["message"]

    failed = worker.post(
        f"/external-task/{task['id']}/failure",
        {"workerId": "worker-a", "errorMessage": "gateway down", "retries": 2, "retryTimeout": 60_000},
    )
    assert failed.status_code == 204
    assert fetch(worker, "worker-a") == []  # hidden until its retry timeout has passed
    clock.set(clock.now() + timedelta(seconds=61))
    (again,) = fetch(worker, "worker-b")
    assert (again["id"], again["retries"], again["errorMessage"]) == (task["id"], 2, "gateway down")
    done = worker.post(
        f"/external-task/{task['id']}/complete",
        {"workerId": "worker-b", "variables": {"chargeId": {"value": "ch_1", "type": "String"}}},
    )
    assert done.status_code == 204
    row = db.session.get(ExternalTask, UUID(task["id"]).int)
    assert row.status == "completed"
    assert db.session.get(ProcessInstance, row.instance_id).data["chargeId"] == "ch_1"


def test_an_expired_lock_frees_the_task_for_another_worker_and_extend_lock_keeps_it(app: Flask, clock: Any) -> None:
    deployed(app)
    start_payment(app)
    worker = Camunda(app, "process_owner")
    (task,) = fetch(worker, "worker-a", lock_ms=1000)
    assert (
        worker.post(
            f"/external-task/{task['id']}/extendLock", {"workerId": "worker-a", "newDuration": 5000}
        ).status_code
        == 204
    )
    clock.set(clock.now() + timedelta(seconds=2))
    assert fetch(worker, "worker-b") == []
    clock.set(clock.now() + timedelta(seconds=4))
    assert [t["id"] for t in fetch(worker, "worker-b")] == [task["id"]]
    assert worker.post(f"/external-task/{task['id']}/unlock").status_code == 204
    assert [t["workerId"] for t in fetch(worker, "worker-c")] == ["worker-c"]


def test_a_failure_without_retries_is_an_incident(app: Flask) -> None:
    deployed(app)
    start_payment(app)
    worker = Camunda(app, "process_owner")
    (task,) = fetch(worker, "w")
    worker.post(f"/external-task/{task['id']}/failure", {"workerId": "w", "errorMessage": "card expired", "retries": 0})
    instance = db.session.get(ProcessInstance, UUID(task["processInstanceId"]).int)
    assert "card expired" in instance.error
    assert fetch(worker, "w") == []


def test_a_bpmn_error_takes_the_error_path(app: Flask) -> None:
    deployed(app)
    start_payment(app)
    worker = Camunda(app, "process_owner")
    (task,) = fetch(worker, "w")
    unknown = worker.post(f"/external-task/{task['id']}/bpmnError", {"workerId": "w", "errorCode": "no_such_code"})
    assert unknown.status_code == 400
    answer = worker.post(
        f"/external-task/{task['id']}/bpmnError",
        {"workerId": "w", "errorCode": "card_declined", "variables": {"reason": {"value": "limit", "type": "String"}}},
    )
    assert answer.status_code == 204, answer.json
    open_tasks = db.session.scalars(
        db.select(HumanTask).where(HumanTask.status == "open", HumanTask.process_key == "payment")
    ).all()
    assert [(t.bpmn_id, t.role) for t in open_tasks] == [("call", "finance_director")]
    assert db.session.get(ExternalTask, UUID(task["id"]).int).status == "error"


def test_a_message_reaches_the_instance_waiting_for_it_and_the_user_task_follows(app: Flask) -> None:
    deployed(app)
    start_payment(app, "INV-1")
    start_payment(app, "INV-2")
    worker = Camunda(app, "process_owner")
    for task in fetch(worker, "w"):
        assert worker.post(f"/external-task/{task['id']}/complete", {"workerId": "w"}).status_code == 204
    ambiguous = worker.post("/message", {"messageName": "payment_received"})
    assert ambiguous.status_code == 400 and "2 instances" in ambiguous.json["message"]
    sent = worker.post(
        "/message",
        {
            "messageName": "payment_received",
            "businessKey": "INV-2",
            "processVariables": {"paidAt": {"value": "2026-11-23", "type": "String"}},
        },
    )
    assert sent.status_code == 204, sent.json
    manager = Camunda(app, "general_manager")
    listed = manager.get("/task?candidateGroup=general_manager").json
    assert [(t["taskDefinitionKey"], t["name"]) for t in listed] == [("confirm", "Confirm")]
    instance = db.session.get(ProcessInstance, UUID(listed[0]["processInstanceId"]).int)
    assert (instance.business_key, instance.data["paidAt"]) == ("INV-2", "2026-11-23")
    nobody = worker.post("/message", {"messageName": "payment_received", "businessKey": "INV-2"})
    assert nobody.status_code == 400


def test_tasks_are_listed_claimed_and_completed_with_variables(app: Flask) -> None:
    deployed(app)
    start_payment(app)
    worker = Camunda(app, "process_owner")
    (task,) = fetch(worker, "w")
    worker.post(f"/external-task/{task['id']}/complete", {"workerId": "w"})
    worker.post("/message", {"messageName": "payment_received", "all": True})
    manager = Camunda(app, "general_manager")
    (listed,) = manager.get("/task").json
    assert manager.get(f"/task/{listed['id']}").json["taskDefinitionKey"] == "confirm"
    assert Camunda(app, "salesperson").get(f"/task/{listed['id']}").status_code == 403
    assert manager.post(f"/task/{listed['id']}/claim", {"userId": "general_manager"}).status_code == 204
    assert manager.get("/task?assignee=general_manager").json[0]["assignee"] == "general_manager"
    done = manager.post(
        f"/task/{listed['id']}/complete", {"variables": {"approvedBy": {"value": "GM", "type": "String"}}}
    )
    assert done.status_code == 204, done.json
    instance = db.session.get(ProcessInstance, UUID(listed["processInstanceId"]).int)
    assert instance.status == "completed" and instance.data["approvedBy"] == "GM"
    again = manager.post(f"/task/{listed['id']}/complete", {})
    assert again.status_code == 400 and again.json["type"] == "BadUserRequestException"


def test_a_signal_reaches_every_waiting_instance(app: Flask) -> None:
    xml = diagram(
        """
        <bpmn:startEvent id="start" />
        <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait" />
        <bpmn:intermediateCatchEvent id="wait"><bpmn:signalEventDefinition signalRef="closing" />
        </bpmn:intermediateCatchEvent>
        <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="end" />
        <bpmn:endEvent id="end" />
        """,
        process_id="month_end",
        outside='<bpmn:signal id="closing" name="month_closed" />',
    )
    deployed(app, xml)
    sales = Camunda(app, "salesperson")
    ids = [sales.post("/process-definition/key/month_end/start").json["id"] for _ in range(2)]
    assert Camunda(app, "process_owner").post("/signal", {"name": "month_closed"}).status_code == 204
    assert [db.session.get(ProcessInstance, UUID(i).int).status for i in ids] == ["completed", "completed"]


def test_authentication_and_what_is_not_implemented_answer_as_camunda_does(app: Flask) -> None:
    client = app.test_client()
    anonymous = client.get("/engine-rest/task")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert anonymous.json["type"] == "AuthenticationException"
    wrong = base64.b64encode(b"general_manager:not-a-token").decode()
    assert client.get("/engine-rest/task", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    someone_elses = Camunda(app, "salesperson").headers["Authorization"].split()[1]
    name, _, token = base64.b64decode(someone_elses).decode().partition(":")
    borrowed = base64.b64encode(f"general_manager:{token}".encode()).decode()
    assert client.get("/engine-rest/task", headers={"Authorization": f"Basic {borrowed}"}).status_code == 401
    missing = Camunda(app, "salesperson").get("/deployment")
    assert missing.status_code == 501
    assert missing.json == {
        "type": "NotImplementedException",
        "message": "/engine-rest/deployment is not implemented by this server",
        "code": None,
    }


def test_errors_answer_in_the_callers_language(app: Flask) -> None:
    client = app.test_client()
    chinese = client.get("/engine-rest/task", headers={"Accept-Language": "zh-CN"})
    english = client.get("/engine-rest/task", headers={"Accept-Language": "en"})
    assert chinese.json["message"].startswith("需要身份验证")
    assert english.json["message"].startswith("authentication required")
