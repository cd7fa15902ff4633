"""The README's Camunda 7 conformance table is kept true: one small diagram per row, deployed (and
checked) by the process owner, must get the verdict the table gives it — runs, accepted or refused."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .camunda_diagrams import diagram
from .conftest import PASSWORD, ROOT
from .support import ApiUser
from .test_camunda_deploy import deploy
from .test_camunda_mappings import TWO_DECISIONS

TASK = '<bpmn:userTask id="work" name="Work" camunda:candidateGroups="general_manager" {attrs}>{inside}</bpmn:userTask>'


def user_task(attrs: str = "", inside: str = "") -> str:
    return TASK.format(attrs=attrs, inside=inside)


def timer(kind: str, text: str) -> str:
    return (
        '<bpmn:intermediateCatchEvent id="work"><bpmn:timerEventDefinition>'
        f"<bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )


# README row (its first cell, without backticks) -> the element "work" that shows it
ROWS: dict[str, str] = {
    "camunda:assignee (a name or ${…})": user_task('camunda:assignee="${filed_by}"'),
    "camunda:candidateGroups (a role, several, a list or ${…})": user_task().replace(
        'camunda:candidateGroups="general_manager"', 'camunda:candidateGroups="general_manager,finance_director"'
    ),
    "camunda:candidateUsers (one user or several)": (
        '<bpmn:userTask id="work" camunda:candidateUsers="general_manager,finance_director" />'
    ),
    "camunda:priority, camunda:followUpDate (a value or ${…})": user_task(
        'camunda:priority="${urgent ? 90 : 50}" camunda:followUpDate="P2D"'
    ),
    "camunda:formKey naming a form of this app": user_task('camunda:formKey="escalation_ack"'),
    "camunda:dueDate (ISO duration, date or ${…})": user_task("camunda:dueDate=\"${express ? 'P1D' : 'P3D'}\""),
    "camunda:initiator on the start event": "INITIATOR",
    "conditionExpression in JUEL": "GATEWAY",
    "timeDuration, timeDate, timeCycle in ISO 8601": timer("timeCycle", "R3/PT10M"),
    "timeCycle as cron": timer("timeCycle", "0 0 9 ? * MON-FRI"),
    "timer start event (timeDate, timeDuration, timeCycle, cron)": "TIMER_START",
    "camunda:collection / camunda:elementVariable": user_task(
        inside='<bpmn:multiInstanceLoopCharacteristics camunda:collection="${filed_by_name}" '
        'camunda:elementVariable="letter" />'
    ),
    "task (plain)": '<bpmn:task id="work" name="Note" />',
    'serviceTask with camunda:type="external"': (
        '<bpmn:serviceTask id="work" camunda:type="external" camunda:topic="t" />'
    ),
    "businessRuleTask with camunda:decisionRef": (
        '<bpmn:businessRuleTask id="work" camunda:decisionRef="complaint_authority" />'
    ),
    "message and signal catch events, error boundary events": "EVENTS",
    "scriptTask in Python": (
        '<bpmn:scriptTask id="work" scriptFormat="python"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    ),
    "camunda:asyncBefore / camunda:asyncAfter": user_task('camunda:asyncBefore="true" camunda:asyncAfter="true"'),
    "dataStoreReference, dataObjectReference": user_task()
    + '<bpmn:dataStoreReference id="store" name="Ledger" /><bpmn:dataObjectReference id="doc" dataObjectRef="d" />'
    '<bpmn:dataObject id="d" />',
    "textAnnotation, association, group": user_task()
    + '<bpmn:textAnnotation id="memo"><bpmn:text>note</bpmn:text></bpmn:textAnnotation>'
    '<bpmn:association id="a" sourceRef="work" targetRef="memo" /><bpmn:group id="g" />',
    "camunda:formKey into a Camunda web app (embedded:app:…)": user_task(
        'camunda:formKey="embedded:app:forms/approve.html"'
    ),
    "camunda:formRef naming a form deployed here (a .form file or a designed form)": user_task(
        'camunda:formRef="escalation_ack" camunda:formRefBinding="latest"'
    ),
    "camunda:formData with another type or constraint (a custom type, validator)": user_task(
        inside='<bpmn:extensionElements><camunda:formData><camunda:formField id="loanAmount" type="money" />'
        "</camunda:formData></bpmn:extensionElements>"
    ),
    "camunda:formData (types string, long, boolean, date, enum; constraints required, minlength, maxlength, min, max, "
    "readonly)": user_task(
        inside='<bpmn:extensionElements><camunda:formData><camunda:formField id="loanAmount" type="long" />'
        "</camunda:formData></bpmn:extensionElements>"
    ),
    "camunda:class, camunda:delegateExpression, camunda:expression, camunda:connector": (
        '<bpmn:serviceTask id="work" camunda:class="org.example.Archive" />'
    ),
    "camunda:executionListener, camunda:taskListener": user_task(
        inside='<bpmn:extensionElements><camunda:taskListener event="create" class="org.example.Notify" />'
        "</bpmn:extensionElements>"
    ),
    "scriptTask in Groovy or JavaScript": (
        '<bpmn:scriptTask id="work" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    ),
    "JUEL method calls, execution.…": user_task("camunda:assignee=\"${execution.getVariable('boss')}\""),
    "camunda:inputOutput on a task (text, ${…}, camunda:list, camunda:map)": user_task(
        inside="<bpmn:extensionElements><camunda:inputOutput>"
        '<camunda:inputParameter name="x">1</camunda:inputParameter>'
        '<camunda:inputParameter name="y"><camunda:list><camunda:value>${x}</camunda:value></camunda:list>'
        '</camunda:inputParameter><camunda:outputParameter name="z">${y}</camunda:outputParameter>'
        "</camunda:inputOutput></bpmn:extensionElements>"
    ),
    "camunda:inputOutput with camunda:script values, or on events": user_task(
        inside="<bpmn:extensionElements><camunda:inputOutput>"
        '<camunda:inputParameter name="x"><camunda:script scriptFormat="groovy">1</camunda:script>'
        "</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements>"
    ),
    'camunda:in / camunda:out other than variables="all"': (
        '<bpmn:callActivity id="work" calledElement="camunda_probe"><bpmn:extensionElements>'
        '<camunda:out source="a" target="b" /></bpmn:extensionElements></bpmn:callActivity>'
    ),
    "camunda:resultVariable with camunda:mapDecisionResult (resultList, singleResult, singleEntry, collectEntries)": (
        '<bpmn:businessRuleTask id="work" camunda:decisionRef="complaint_authority" camunda:resultVariable="r" '
        'camunda:mapDecisionResult="singleResult" />'
    ),
    "a decision file with several decisions, requiredDecision": "SEVERAL_DECISIONS",
}

SPECIAL = {
    "INITIATOR": (
        '<bpmn:startEvent id="start" camunda:initiator="starter" />'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />'
        + user_task('camunda:assignee="${starter}"')
        + '<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" /><bpmn:endEvent id="end" />'
    ),
    "GATEWAY": (
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />'
        '<bpmn:exclusiveGateway id="work" />'
        '<bpmn:sequenceFlow id="yes" sourceRef="work" targetRef="end">'
        "<bpmn:conditionExpression>${amount &gt; 1000 &amp;&amp; !empty reason}</bpmn:conditionExpression>"
        "</bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="no" sourceRef="work" targetRef="end">'
        "<bpmn:conditionExpression>${amount le 1000 or empty reason}</bpmn:conditionExpression>"
        '</bpmn:sequenceFlow><bpmn:endEvent id="end" />'
    ),
    "EVENTS": (
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />'
        '<bpmn:intermediateCatchEvent id="work"><bpmn:messageEventDefinition messageRef="m" />'
        '</bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="sig" />'
        '<bpmn:intermediateCatchEvent id="sig"><bpmn:signalEventDefinition signalRef="s" />'
        '</bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="f2" sourceRef="sig" targetRef="charge" />'
        '<bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="t" />'
        '<bpmn:sequenceFlow id="f3" sourceRef="charge" targetRef="end" /><bpmn:endEvent id="end" />'
        '<bpmn:boundaryEvent id="err" attachedToRef="charge"><bpmn:errorEventDefinition errorRef="e" />'
        '</bpmn:boundaryEvent><bpmn:sequenceFlow id="f4" sourceRef="err" targetRef="end" />'
    ),
}
SPECIAL["TIMER_START"] = (
    '<bpmn:startEvent id="work"><bpmn:timerEventDefinition><bpmn:timeCycle>0 0 9 ? * MON</bpmn:timeCycle>'
    '</bpmn:timerEventDefinition></bpmn:startEvent><bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" />'
    '<bpmn:endEvent id="end" />'
)
SPECIAL["SEVERAL_DECISIONS"] = (
    '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />'
    '<bpmn:businessRuleTask id="work" camunda:decisionRef="approvers" camunda:resultVariable="chain" />'
    '<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" /><bpmn:endEvent id="end" />'
)
# Files deployed together with a row's diagram.
BESIDE = {"SEVERAL_DECISIONS": {"loan.dmn": TWO_DECISIONS}}
OUTSIDE = (
    '<bpmn:message id="m" name="paid" /><bpmn:signal id="s" name="closed" /><bpmn:error id="e" errorCode="declined" />'
)


def readme_rows() -> dict[str, str]:
    """The table in the README's Camunda section: first cell (without backticks) -> verdict cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Diagrams and programs made for Camunda 7", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and not set(cells[1]) <= {"-"} and cells[0] != "Camunda 7 element or attribute":
            rows[cells[0].replace("`", "")] = cells[1]
    return rows


def whole(row: str) -> str:
    element = ROWS[row]
    if element in SPECIAL:
        return diagram(SPECIAL[element], outside=OUTSIDE)
    return diagram(
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />'
        f'{element}<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" /><bpmn:endEvent id="end" />'
    )


def test_every_row_of_the_table_has_its_diagram_here() -> None:
    assert set(readme_rows()) == set(ROWS)


def deploy_together(app: Flask, xml: str, beside: dict[str, str]) -> Any:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    files = [(io.BytesIO(xml.encode()), "row.bpmn")] + [(io.BytesIO(t.encode()), n) for n, t in beside.items()]
    return owner.client.post(
        "/api/v1/process-models", data={"file": files}, content_type="multipart/form-data", headers=owner.headers
    )


def check(client: FlaskClient, xml: str) -> Any:
    page = client.get("/modeler").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/modeler/check", json={"xml": xml, "filename": "row.bpmn"}, headers={"X-CSRFToken": token})


@pytest.mark.parametrize("row", sorted(ROWS))
def test_each_row_gets_the_verdict_the_readme_gives(app: Flask, owner: FlaskClient, row: str) -> None:
    verdict = readme_rows()[row]
    xml = whole(row)
    beside = BESIDE.get(ROWS[row])
    answer = deploy_together(app, xml, beside) if beside else deploy(app, xml)
    if verdict.startswith("refused"):
        assert answer.status_code == 422, answer.json
        assert [e["element_id"] for e in answer.json["errors"]] == ["work"], answer.json
        return
    assert verdict.startswith(("runs", "accepted")), verdict
    assert answer.status_code == 201, answer.json
    notes = check(owner, xml).json["notes"]
    # "and *Check* says so": the rows that fall back are exactly the ones the check notes.
    assert bool(notes) == ("Check* says so" in verdict), notes
