"""Diagrams drawn elsewhere: the MIWG reference set and Camunda Modeler files.

Every MIWG diagram gets a clear verdict from the check (most are drawings, not executable
processes) and never a crash; Camunda's attributes run with the meaning Camunda gives them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import HumanTask

from .conftest import PASSWORD
from .support import MIWG, ApiUser

MIWG_FILES = sorted(MIWG.glob("*.bpmn"))
ROOT = Path(__file__).resolve().parent.parent

CAMUNDA_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="camunda_review" name="Camunda review" isExecutable="true">
    <bpmn:startEvent id="start" camunda:formKey="escalation_ack" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="Review" camunda:formKey="credit_approval"
      camunda:candidateGroups="finance_director" camunda:dueDate="2 working days" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="sign" />
    <bpmn:userTask id="sign" name="Sign" camunda:formKey="credit_approval" camunda:assignee="general_manager" />
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def check(client: FlaskClient, xml: str, filename: str) -> object:
    page = client.get("/modeler").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/modeler/check", json={"xml": xml, "filename": filename}, headers={"X-CSRFToken": token})


def test_the_whole_reference_set_is_here() -> None:
    assert len(MIWG_FILES) == 21


@pytest.mark.parametrize("path", MIWG_FILES, ids=lambda p: p.stem)
def test_every_miwg_diagram_gets_a_clear_verdict(owner: FlaskClient, path: Path) -> None:
    answer = check(owner, path.read_text(encoding="utf-8"), path.name)
    assert answer.status_code == 200
    body = answer.json
    assert set(body) >= {"ok", "errors"}
    for problem in body["errors"]:
        assert problem["message"].strip()
        assert "Traceback" not in problem["message"]
    if body["ok"]:
        return
    messages = " ".join(p["message"] for p in body["errors"])
    drawing = 'isExecutable="true"' not in path.read_text(encoding="utf-8")
    if drawing:
        assert "not marked executable" in messages


def test_a_miwg_drawing_is_refused_by_the_api_with_its_process_named(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    xml = (MIWG / "A.1.0.bpmn").read_text(encoding="utf-8")
    answer = owner.client.post(
        "/api/v1/process-models", data=xml, content_type="application/xml", headers=owner.headers
    )
    assert answer.status_code == 422
    assert answer.json["errors"][0]["element_id"] == "WFP-6-"
    assert answer.json["errors"][0]["message"]


def test_camunda_attributes_run_with_their_camunda_meaning(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    answer = owner.client.post(
        "/api/v1/process-models", data=CAMUNDA_DIAGRAM, content_type="application/xml", headers=owner.headers
    )
    assert answer.status_code == 201, answer.json
    from app.models import User
    from app.services.instances import lifecycle as instance_service

    starter = db.session.scalars(db.select(User).where(User.username == "process_owner")).one()
    instance = instance_service.start(
        "camunda_review", starter, {"action": "urged", "comment": "started from a Camunda file"}
    )
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    assert (task.bpmn_id, task.role, task.form_key) == ("review", "finance_director", "credit_approval")
    assert task.due_at is not None


def test_a_camunda_file_with_an_unknown_group_is_explained(owner: FlaskClient) -> None:
    bad = CAMUNDA_DIAGRAM.replace('camunda:candidateGroups="finance_director"', 'camunda:candidateGroups="accounting"')
    answer = check(owner, bad, "camunda.bpmn")
    assert {"element_id": "review", "message": "role 'accounting' is not a role of this company"} in answer.json[
        "errors"
    ]


def test_spiffworkflow_extension_files_deploy_as_they_are(owner: FlaskClient) -> None:
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        answer = check(owner, path.read_text(encoding="utf-8"), path.name)
        assert answer.json == {"ok": True, "kind": "bpmn", "errors": [], "notes": []}, path.name


def test_a_camunda_assignee_expression_names_the_person(app: Flask) -> None:
    from app.models import User
    from app.services.instances import lifecycle as instance_service

    xml = CAMUNDA_DIAGRAM.replace('camunda:candidateGroups="finance_director"', 'camunda:assignee="${filed_by}"')
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    answer = owner.client.post(
        "/api/v1/process-models", data=xml, content_type="application/xml", headers=owner.headers
    )
    assert answer.status_code == 201, answer.json
    starter = db.session.scalars(db.select(User).where(User.username == "process_owner")).one()
    instance = instance_service.start("camunda_review", starter, {"action": "urged", "comment": "assigned"})
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    assert task.assignee_id == starter.id


def test_a_damaged_file_gets_a_verdict_not_a_server_error(owner: FlaskClient) -> None:
    credit = (ROOT / "bpmn" / "credit_application.bpmn").read_text(encoding="utf-8")
    damaged = re.sub(r'<dc:Bounds x="\d+"', '<dc:Bounds x="wide"', credit, count=1)
    answer = check(owner, damaged, "credit_application.bpmn")
    assert answer.status_code == 200
    assert answer.json["ok"] is False
    assert "cannot be read" in answer.json["errors"][0]["message"]


@pytest.mark.parametrize("seed", range(3))
def test_randomly_damaged_reference_diagrams_never_break_the_check(owner: FlaskClient, seed: int) -> None:
    import random

    from lxml import etree

    rng = random.Random(seed)
    for path in MIWG_FILES:
        root = etree.fromstring(path.read_bytes())
        elements = [e for e in root.iter() if isinstance(e.tag, str) and e.getparent() is not None]
        for element in rng.sample(elements, 3):
            if element.attrib and rng.random() < 0.5:
                element.attrib[rng.choice(list(element.attrib))] = rng.choice(["", "x", "${a}"])
            elif element.getparent() is not None:
                element.getparent().remove(element)
        xml = etree.tostring(root).decode().replace('isExecutable="false"', 'isExecutable="true"')
        answer = check(owner, xml, path.name)
        assert answer.status_code == 200, (path.name, answer.data[:300])
