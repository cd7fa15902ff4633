"""Deploying and running Camunda Modeler files through the API, as the demo users: what Camunda's
Java engine alone can run is refused element by element, the rest runs with Camunda's meaning."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import HumanTask, ProcessInstance, User

from .camunda_diagrams import diagram, one_task
from .conftest import PASSWORD
from .support import ApiUser


def deploy(app: Flask, xml: str) -> Any:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    headers = {**owner.headers, "Accept-Language": "en"}  # the assertions quote the English sentences
    return owner.client.post("/api/v1/process-models", data=xml, content_type="application/xml", headers=headers)


def refusals(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.json
    return {e["element_id"]: e["message"] for e in answer.json["errors"]}


def around(element: str) -> str:
    return diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />
    {element}
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
    """)


@pytest.mark.parametrize(
    ("element", "words"),
    [
        ('<bpmn:serviceTask id="work" camunda:class="org.example.ArchiveInvoiceService" />', "calls Java code"),
        ('<bpmn:serviceTask id="work" camunda:delegateExpression="${archiver}" />', "calls Java code"),
        ('<bpmn:serviceTask id="work" camunda:expression="${archiver.archive(invoice)}" />', "calls Java code"),
        (
            '<bpmn:serviceTask id="work"><bpmn:extensionElements><camunda:connector>'
            "<camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>"
            "</bpmn:extensionElements></bpmn:serviceTask>",
            "connector",
        ),
        (
            '<bpmn:scriptTask id="work" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
            "written in groovy",
        ),
        (
            # Valid Python as well, but written for JavaScript: it must not run as Python.
            '<bpmn:scriptTask id="work" scriptFormat="javascript"><bpmn:script>total = 1 + 2</bpmn:script>'
            "</bpmn:scriptTask>",
            "written in javascript",
        ),
        (
            '<bpmn:userTask id="work" camunda:candidateGroups="general_manager"><bpmn:extensionElements>'
            '<camunda:taskListener class="org.example.Notify" event="create" />'
            "</bpmn:extensionElements></bpmn:userTask>",
            "taskListener (on 'create')",
        ),
        (
            '<bpmn:userTask id="work" camunda:candidateGroups="general_manager"><bpmn:extensionElements>'
            '<camunda:executionListener event="end"><camunda:script scriptFormat="groovy">x</camunda:script>'
            "</camunda:executionListener></bpmn:extensionElements></bpmn:userTask>",
            "executionListener (on 'end')",
        ),
        (
            '<bpmn:callActivity id="work" calledElement="camunda_probe"><bpmn:extensionElements>'
            '<camunda:in source="amount" target="amount" /></bpmn:extensionElements></bpmn:callActivity>',
            "camunda:in / camunda:out",
        ),
    ],
)
def test_what_only_camundas_java_engine_runs_is_refused_with_the_element_named(
    app: Flask, element: str, words: str
) -> None:
    found = refusals(deploy(app, around(element)))
    assert list(found) == ["work"], found
    assert words in found["work"]
    assert "instead" in found["work"]  # every refusal says what to draw instead


def test_a_juel_condition_outside_the_subset_is_refused_naming_the_flow(app: Flask) -> None:
    xml = diagram("""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="other" />
    <bpmn:sequenceFlow id="rich" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>${customerService.isRich(customer)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="other" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end" />
    """)
    found = refusals(deploy(app, xml))
    assert list(found) == ["rich"]
    assert "calls a method on a Java object" in found["rich"]


def test_a_juel_deadline_outside_the_subset_is_refused_naming_the_task(app: Flask) -> None:
    xml = around(
        '<bpmn:userTask id="work" camunda:candidateGroups="general_manager" '
        'camunda:dueDate="${dateTime().plusDays(2).toDate()}" />'
    )
    found = refusals(deploy(app, xml))
    assert "deadline cannot be read" in found["work"]


ATTRIBUTES = diagram(
    """
    <bpmn:startEvent id="start" camunda:initiator="starter" camunda:formKey="embedded:app:forms/start.html" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="setup" />
    <bpmn:scriptTask id="setup" scriptFormat="python">
      <bpmn:script>approvers = ["general_manager", "finance_director"]
amount = 12000</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f1" sourceRef="setup" targetRef="note" />
    <bpmn:task id="note" name="Noted" />
    <bpmn:sequenceFlow id="f2" sourceRef="note" targetRef="approve" />
    <bpmn:userTask id="approve" name="Approve&#10;Invoice" camunda:candidateGroups="${approvers}"
      camunda:formKey="embedded:app:forms/approve-invoice.html" camunda:dueDate="${amount &gt; 10000 ? 'P3D' : 'P1D'}"
      camunda:priority="60" camunda:asyncBefore="true" camunda:followUpDate="P1D" />
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="confirm" />
    <bpmn:userTask id="confirm" name="Confirm" camunda:assignee="${starter}" />
    <bpmn:sequenceFlow id="f4" sourceRef="confirm" targetRef="end" />
    <bpmn:endEvent id="end" />
""",
    process_id="camunda_invoice",
)


def test_camunda_task_attributes_run_with_their_meaning(app: Flask, clock: Any) -> None:
    assert deploy(app, ATTRIBUTES).status_code == 201
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    started = sales.post("/api/v1/processes/camunda_invoice/instances", {"data": {"comment": "March invoices"}})
    assert started.status_code == 201, started.json
    instance = db.session.scalars(db.select(ProcessInstance).order_by(ProcessInstance.id.desc())).first()
    assert instance.data["starter"] == "salesperson"  # camunda:initiator
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    # A list of candidate groups is groups, never the text of a list; a web-app form key falls back.
    assert (task.bpmn_id, task.name, task.role, task.form_key) == (
        "approve",
        "Approve Invoice",
        "general_manager",
        "camunda_task",
    )
    assert task.due_at is not None and (task.due_at - task.created_at).days == 3
    manager = ApiUser(app.test_client(), "general_manager", PASSWORD)
    assert [t["id"] for t in manager.tasks("queue")] == [task.id]
    assert manager.post(f"/api/v1/tasks/{task.id}/claim").status_code == 200
    done = manager.post(f"/api/v1/tasks/{task.id}/complete", {"data": {"comment": "fine"}})
    assert done.status_code == 200, done.json
    confirm = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.bpmn_id == "confirm")
    ).one()
    starter = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    assert confirm.assignee_id == starter.id  # camunda:assignee="${starter}"


def test_a_single_candidate_user_is_that_persons_task(app: Flask) -> None:
    xml = around('<bpmn:userTask id="work" name="Work" camunda:candidateUsers="finance_director" />')
    assert deploy(app, xml).status_code == 201
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    assert sales.post("/api/v1/processes/camunda_probe/instances", {"data": {}}).status_code == 201
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.process_key == "camunda_probe")).one()
    director = db.session.scalars(db.select(User).where(User.username == "finance_director")).one()
    assert task.assignee_id == director.id


def test_a_camunda_timer_and_condition_deploy_and_run_through_the_app(app: Flask) -> None:
    xml = diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="noted" sourceRef="gw" targetRef="wait">
      <bpmn:conditionExpression>${{!empty comment}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="blank" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>${{empty comment}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="work" />
    {one_task("work", 'camunda:candidateGroups="general_manager"', end="end2")}
    <bpmn:endEvent id="end" />
    """)
    assert deploy(app, xml).status_code == 201, deploy(app, xml).json
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    assert sales.post("/api/v1/processes/camunda_probe/instances", {"data": {"comment": "x"}}).status_code == 201
    from app.models import Timer

    timer = db.session.scalars(db.select(Timer)).one()
    instance = db.session.get(ProcessInstance, timer.instance_id)
    assert (timer.bpmn_id, timer.status) == ("wait", "pending")
    assert (timer.fire_at - instance.started_at).total_seconds() == 60


def test_the_check_says_a_web_application_form_falls_back_without_refusing(owner: Any) -> None:
    page = owner.get("/modeler").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = owner.post(
        "/modeler/check", json={"xml": ATTRIBUTES, "filename": "invoice.bpmn"}, headers={"X-CSRFToken": token}
    )
    assert answer.json["ok"] is True, answer.json
    notes = {n["element_id"]: n["message"] for n in answer.json["notes"]}
    assert set(notes) == {"start", "approve"}
    assert "embedded:app:forms/approve-invoice.html" in notes["approve"]
    assert "plain task form instead" in notes["approve"]
