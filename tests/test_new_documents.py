"""A new process and a new decision table started in the modeler: the key is checked, the editor opens
on a blank document, a new table is kept until the first diagram calling it is deployed."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import DecisionTableFile, ProcessInstance
from app.services.modeling.specs import latest_version

from .conftest import PASSWORD, login
from .support import ApiUser
from .test_process_models import post_json

RULES = """<rule id="r_high"><inputEntry id="r_high_in"><text>&gt; 10000</text></inputEntry>
<outputEntry id="r_high_out"><text>"high"</text></outputEntry></rule>
<rule id="r_normal"><inputEntry id="r_normal_in"><text></text></inputEntry>
<outputEntry id="r_normal_out"><text>"normal"</text></outputEntry></rule>"""


def blank_in(page: bytes, script_id: str) -> str:
    found = re.search(rf'<script type="application/json" id="{script_id}">(.*?)</script>', page.decode(), re.S)
    assert found, "the page carries no blank document"
    return json.loads(found.group(1))


def start_form(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    definition = {
        "type": "default",
        "title": {"zh_CN": "采购申请", "en": "Purchase request"},
        "components": [{"type": "number", "key": "amount", "label": "金额", "validate": {"required": True}}],
    }
    assert owner.post("/api/v1/forms", {"key": "purchase_start", "definition": definition}).status_code == 201


def with_rules(table: str) -> str:
    return table.replace("</decisionTable>", RULES + "</decisionTable>")


def calling(diagram: str) -> str:
    """The blank diagram with a business rule task calling `purchase_level` and a task after it."""
    body = """<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="purchase_start"/></spiffworkflow:properties>
    </bpmn:extensionElements></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule"/>
    <bpmn:businessRuleTask id="rule" camunda:decisionRef="purchase_level"/>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="check"/>
    <bpmn:userTask id="check" name="核对"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="candidateRoles" value="finance_director"/></spiffworkflow:properties>
    </bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    namespaces = (
        ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
        ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    )
    diagram = diagram.replace("<bpmn:definitions ", f"<bpmn:definitions{namespaces} ", 1)
    return re.sub(r'<bpmn:startEvent id="start"\s*/>', body, diagram, count=1)


def test_a_new_process_key_must_be_free_and_well_formed(owner: FlaskClient) -> None:
    assert b'id="new-process-link"' in owner.get("/modeler").data
    form = owner.get("/modeler/processes/new")
    assert form.status_code == 200 and b'name="process_key"' in form.data
    bad = owner.get("/modeler/processes/new?process_key=9+bad&name=x")
    assert bad.status_code == 422
    assert b'data-field="process_key"' in bad.data and b"Process key: letters, digits and _ only" in bad.data
    used = owner.get("/modeler/processes/new?process_key=credit_application&name=x")
    assert used.status_code == 422 and b"already used by another process" in used.data
    nameless = owner.get("/modeler/processes/new?process_key=purchase&name=")
    assert nameless.status_code == 422 and b'data-field="name"' in nameless.data


def test_the_key_problem_is_said_in_chinese_to_a_chinese_reader(app: Flask) -> None:
    client = app.test_client()
    login(client, "process_owner2")
    page = client.get("/modeler/processes/new?process_key=credit_application&name=x")
    assert page.status_code == 422 and "流程标识" in page.data.decode()


def test_the_modeler_opens_on_a_blank_diagram_that_deploys_as_version_1(owner: FlaskClient) -> None:
    page = owner.get("/modeler/processes/new?process_key=purchase_request&name=采购申请")
    assert page.status_code == 200
    assert 'data-filename="purchase_request.bpmn"' in page.data.decode()
    diagram = blank_in(page.data, "blank-diagram")
    assert 'id="purchase_request"' in diagram and 'name="采购申请"' in diagram and "BPMNShape" in diagram
    drawn = diagram.replace(
        '<bpmn:startEvent id="start"/>',
        '<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>',
    )
    answer = post_json(owner, "/modeler/deploy", {"xml": drawn, "filename": "purchase_request.bpmn"})
    assert answer.status_code == 201, answer.json
    assert answer.json["process_key"] == "purchase_request" and answer.json["version"] == 1
    # Taken now: the key cannot start another new process.
    assert owner.get("/modeler/processes/new?process_key=purchase_request&name=x").status_code == 422


def test_a_new_decision_table_is_kept_until_a_diagram_calls_it(app: Flask, owner: FlaskClient) -> None:
    assert b'id="new-decision-link"' in owner.get("/modeler").data
    bad = owner.get("/modeler/decisions/new?decision_id=credit_grade&name=x&reads=amount&sets=level")
    assert bad.status_code == 422 and b"already used by another decision table" in bad.data
    page = owner.get("/modeler/decisions/new?decision_id=purchase_level&name=采购级别&reads=amount&sets=level")
    assert page.status_code == 200
    table = blank_in(page.data, "blank-table")
    assert 'id="purchase_level"' in table and "<text>amount</text>" in table and 'name="level"' in table

    unsafe = with_rules(table).replace('"high"', "__import__('os')")
    refused = post_json(owner, "/modeler/deploy", {"xml": unsafe, "filename": "purchase_level.dmn"})
    assert refused.status_code == 422 and refused.json["errors"][0]["element_id"] == "r_high_out"
    saved = post_json(owner, "/modeler/deploy", {"xml": with_rules(table), "filename": "purchase_level.dmn"})
    assert saved.status_code == 201 and saved.json == {"saved": "purchase_level.dmn", "deployed": []}
    assert db.session.scalars(db.select(DecisionTableFile.name)).all() == ["purchase_level.dmn"]
    assert b"purchase_level.dmn" in owner.get("/modeler").data
    assert b'"high"' in owner.get("/modeler/decisions/purchase_level.dmn/xml").data

    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    start_form(app)
    diagram = blank_in(owner.get("/modeler/processes/new?process_key=purchase&name=采购").data, "blank-diagram")
    deployed = post_json(owner, "/modeler/deploy", {"xml": calling(diagram), "filename": "purchase.bpmn"})
    assert deployed.status_code == 201, deployed.json
    assert list(latest_version("purchase").dmn_xml) == ["purchase_level.dmn"]
    started = sales.post("/api/v1/processes/purchase/instances", {"data": {"amount": 25000}})
    assert started.status_code == 201, started.json
    assert db.session.get(ProcessInstance, started.json["id"]).data["level"] == "high"


def test_with_approval_on_the_diagram_calling_a_new_table_waits_for_approval(app: Flask, owner: FlaskClient) -> None:
    app.config["DEPLOY_APPROVAL"] = True
    table = blank_in(
        owner.get("/modeler/decisions/new?decision_id=purchase_level&name=采购级别&reads=amount&sets=level").data,
        "blank-table",
    )
    # The table alone changes nothing that runs: kept at once, with nobody's approval.
    saved = post_json(owner, "/modeler/deploy", {"xml": with_rules(table), "filename": "purchase_level.dmn"})
    assert saved.status_code == 201
    start_form(app)
    diagram = blank_in(owner.get("/modeler/processes/new?process_key=purchase&name=采购").data, "blank-diagram")
    proposed = post_json(owner, "/modeler/deploy", {"xml": calling(diagram), "filename": "purchase.bpmn"})
    assert proposed.status_code == 202, proposed.json
    assert [p["process_key"] for p in proposed.json["processes"]] == ["purchase"]
    assert latest_version("purchase") is None


def test_the_saved_tables_model_and_its_migration_agree(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert [d for d in differences if "decision_table_files" in str(d)] == []
