"""A diagram that names no forms still runs: a standard start page and a standard approval."""

from __future__ import annotations

from itertools import pairwise

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import HumanTask, ProcessInstance

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser

KEY = "purchase_request"


def bare_diagram() -> str:
    """A purchase request drawn with no form anywhere: the salesperson files, the sales manager approves."""
    ids = ["start", "approve_manager", "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f_{a}" sourceRef="{a}" targetRef="{b}" />' for a, b in pairwise(ids))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="x">'
        f'<bpmn:process id="{KEY}" name="采购申请" isExecutable="true"><bpmn:laneSet id="lanes">'
        '<bpmn:lane id="lane_sales" name="salesperson"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>'
        '<bpmn:lane id="lane_manager" name="sales_manager"><bpmn:flowNodeRef>approve_manager</bpmn:flowNodeRef>'
        "<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        '<bpmn:startEvent id="start" /><bpmn:userTask id="approve_manager" name="部门经理审批" />'
        f'<bpmn:endEvent id="end" />{flows}</bpmn:process></bpmn:definitions>'
    )


def deploy(client: FlaskClient) -> dict:
    owner = ApiUser(client, "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = "en"
    response = client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=bare_diagram().encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.json
    return response.json


def manager_task(instance_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).one()


def test_the_deploy_says_which_standard_forms_the_diagram_uses(app: Flask) -> None:
    notes = deploy(app.test_client())["notes"]
    assert {(n["element_id"], "standard" in n["message"]) for n in notes} == {
        (None, True),
        ("approve_manager", True),
    }
    assert any("request page" in n["message"] for n in notes)
    assert any("approval form" in n["message"] for n in notes)


def test_a_request_is_filed_on_the_standard_page_and_approved_on_the_standard_form(app: Flask) -> None:
    client = app.test_client()
    deploy(client)
    sales = ApiUser(client, "salesperson", PASSWORD)
    missing = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"description": "两台打印机"}})
    assert missing.status_code == 422
    assert "subject" in missing.json["errors"]
    assert db.session.scalars(db.select(ProcessInstance).where(ProcessInstance.process_key == KEY)).all() == []

    started = sales.post(
        f"/api/v1/processes/{KEY}/instances", {"data": {"subject": "采购打印机", "description": "两台"}}
    )
    assert started.status_code == 201, started.json
    instance_id = started.json["id"]
    assert db.session.get(ProcessInstance, instance_id).title == "采购申请 · 采购打印机"

    task = manager_task(instance_id)
    assert task.form_key == "default_approval"
    manager = ApiUser(client, "sales_manager", PASSWORD)
    no_opinion = manager.decide(task.id, "approve", "")
    assert no_opinion.status_code == 422
    assert manager.decide(task.id, "approve", "同意采购").status_code == 200
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"


def test_a_rejection_on_the_standard_form_ends_the_request(app: Flask) -> None:
    client = app.test_client()
    deploy(client)
    sales = ApiUser(client, "salesperson", PASSWORD)
    instance_id = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"subject": "采购服务器"}}).json["id"]
    task = manager_task(instance_id)
    manager = ApiUser(client, "sales_manager", PASSWORD)
    assert manager.decide(task.id, "reject", "预算不足").status_code == 200
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.status == "rejected" and instance.ended_at is not None
    assert not db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).all()


def test_the_start_page_shows_the_standard_fields(app: Flask, client: FlaskClient) -> None:
    deploy(app.test_client())
    login(client, "salesperson")
    page = client.get(f"/processes/{KEY}/start")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="subject"' in html and 'name="description"' in html


def test_the_modeler_check_lists_the_defaults_as_notes_not_problems(owner: FlaskClient) -> None:
    page = owner.get("/modeler")
    answer = owner.post(
        "/modeler/check",
        json={"xml": bare_diagram(), "filename": f"{KEY}.bpmn"},
        headers={"X-CSRFToken": csrf_token(page.data)},
    )
    assert answer.status_code == 200
    assert answer.json["ok"] is True and answer.json["errors"] == []
    assert [n["element_id"] for n in answer.json["notes"]] == [None, "approve_manager"]


def test_the_notes_speak_chinese_to_a_chinese_reader(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = "zh-CN"
    response = client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=bare_diagram().encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201
    assert [n["message"] for n in response.json["notes"]] == [
        "本流程使用标准发起页（标题、说明）",
        "此用户任务使用标准审批表单（同意或驳回）",
    ]
