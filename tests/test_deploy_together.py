"""A new process arrives as several files that need each other: deployed together, all or nothing."""

from __future__ import annotations

import io
import json

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import FormVersion, HumanTask, ProcessVersion

from .conftest import PASSWORD, csrf_token
from .support import ApiUser

KEY = "expense_claim"

TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_expense" name="报销审批权限"
  namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="expense_approver" name="报销审批人">
    <decisionTable id="table_expense" hitPolicy="FIRST">
      <input id="in_amount" label="金额"><inputExpression id="in_amount_expr" typeRef="number">
        <text>amount</text></inputExpression></input>
      <output id="out_role" label="审批岗位" name="approver_role" typeRef="string" />
      <rule id="small"><inputEntry id="small_in"><text>&lt;= 5000</text></inputEntry>
        <outputEntry id="small_out"><text>"sales_manager"</text></outputEntry></rule>
      <rule id="large"><inputEntry id="large_in"><text>&gt; 5000</text></inputEntry>
        <outputEntry id="large_out"><text>"general_manager"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""

FORM = {
    "key": "expense_claim",
    "title": {"zh_CN": "费用报销", "en": "Expense claim"},
    "fields": [
        {"name": "subject", "type": "string", "required": True, "label": {"zh_CN": "事由", "en": "Purpose"}},
        {"name": "amount", "type": "decimal", "required": True, "min": 0, "label": {"zh_CN": "金额", "en": "Amount"}},
    ],
}


def diagram(decision: str = "expense_approver") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="x">
  <bpmn:process id="{KEY}" name="费用报销" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_sales" name="salesperson"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>pick</bpmn:flowNodeRef><bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:businessRuleTask id="pick" name="确定审批人">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements></bpmn:businessRuleTask>
    <bpmn:userTask id="approve" name="审批报销"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="candidateRoles" value="${{approver_role}}" />
      </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pick" />
    <bpmn:sequenceFlow id="f2" sourceRef="pick" targetRef="approve" />
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def post_files(owner: ApiUser, files: list[tuple[str, str]]) -> object:
    data = {"file": [(io.BytesIO(text.encode()), name) for name, text in files]}
    return owner.client.post("/api/v1/process-models", data=data, headers=owner.headers)


def test_a_diagram_its_table_and_its_form_deploy_together_and_run(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    alone = client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=diagram().encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert alone.status_code == 422  # the diagram alone: its decision table is not deployed

    response = post_files(
        owner,
        [(f"{KEY}.bpmn", diagram()), ("expense_approver.dmn", TABLE), ("expense_claim.json", json.dumps(FORM))],
    )
    assert response.status_code == 201, response.json
    assert [(d["process_key"], d["version"]) for d in response.json["deployed"]] == [(KEY, 1)]
    assert db.session.scalars(db.select(FormVersion.form_key).where(FormVersion.form_key == KEY)).all() == [KEY]

    sales = ApiUser(client, "salesperson", PASSWORD)
    started = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"subject": "出差", "amount": "8000"}})
    assert started.status_code == 201, started.json
    db.session.expire_all()
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == started.json["id"])).one()
    assert task.role == "general_manager"  # the uploaded table decided


def test_one_bad_file_refuses_the_whole_deployment_and_names_it(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = "en"
    bad_form = {**FORM, "fields": [{"name": "amount", "type": "money?"}]}
    response = post_files(
        owner,
        [(f"{KEY}.bpmn", diagram()), ("expense_approver.dmn", TABLE), ("expense_claim.json", json.dumps(bad_form))],
    )
    assert response.status_code == 422
    assert {e["file"] for e in response.json["errors"]} == {"expense_claim.json"}
    assert db.session.scalars(db.select(ProcessVersion).where(ProcessVersion.process_key == KEY)).all() == []
    assert db.session.scalars(db.select(FormVersion).where(FormVersion.form_key == KEY)).all() == []

    wrong_ref = post_files(owner, [(f"{KEY}.bpmn", diagram("no_such_decision")), ("expense_approver.dmn", TABLE)])
    assert wrong_ref.status_code == 422
    files = {e["file"] for e in wrong_ref.json["errors"]}
    assert f"{KEY}.bpmn" in files and "expense_approver.dmn" in files  # the table then serves no process
    assert db.session.scalars(db.select(ProcessVersion).where(ProcessVersion.process_key == KEY)).all() == []


def test_only_a_process_owner_deploys_several_files(app: Flask) -> None:
    gm = ApiUser(app.test_client(), "general_manager", PASSWORD)
    response = post_files(gm, [(f"{KEY}.bpmn", diagram()), ("expense_approver.dmn", TABLE)])
    assert response.status_code == 403


def test_the_process_owner_deploys_several_files_from_the_modeler_page(owner: FlaskClient) -> None:
    page = owner.get("/modeler")
    assert 'id="deploy-files-form"' in page.get_data(as_text=True)
    files = [
        (io.BytesIO(diagram().encode()), f"{KEY}.bpmn"),
        (io.BytesIO(TABLE.encode()), "expense_approver.dmn"),
        (io.BytesIO(json.dumps(FORM).encode()), "expense_claim.json"),
    ]
    posted = owner.post(
        "/modeler/deploy-files",
        data={"csrf_token": csrf_token(page.data), "file": files},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    assert db.session.scalars(db.select(ProcessVersion.version).where(ProcessVersion.process_key == KEY)).all() == [1]
