"""A task nobody can take becomes an incident that a supervisor or an administrator assigns."""

from __future__ import annotations

from itertools import pairwise

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance, User
from app.services.instances import lifecycle

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser

KEY = "controller_check"


def diagram(task_lane: str, assignee: str | None = None) -> str:
    ids = ["start", "check_by_controller", "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f_{a}" sourceRef="{a}" targetRef="{b}" />' for a, b in pairwise(ids))
    extra = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        f'<spiffworkflow:property name="assignee" value="{assignee}" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        if assignee
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="x">'
        f'<bpmn:process id="{KEY}" name="信用复核" isExecutable="true"><bpmn:laneSet id="lanes">'
        '<bpmn:lane id="lane_sales" name="salesperson"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>'
        f'<bpmn:lane id="lane_task" name="{task_lane}"><bpmn:flowNodeRef>check_by_controller</bpmn:flowNodeRef>'
        "<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        f'<bpmn:startEvent id="start" /><bpmn:userTask id="check_by_controller" name="信用主管复核">{extra}'
        f'</bpmn:userTask><bpmn:endEvent id="end" />{flows}</bpmn:process></bpmn:definitions>'
    )


def deploy(client: FlaskClient, xml: str) -> None:
    owner = ApiUser(client, "process_owner", PASSWORD)
    response = client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=xml.encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.json


def disable(username: str) -> None:
    user = db.session.scalars(db.select(User).where(User.username == username)).one()
    user.active = False
    db.session.commit()


def the_task(instance_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id)).one()


def start_when_nobody_holds_the_role(app: Flask) -> tuple[FlaskClient, int]:
    client = app.test_client()
    deploy(client, diagram("credit_controller"))
    disable("credit_controller")  # the only holder leaves after the deployment
    sales = ApiUser(client, "salesperson", PASSWORD)
    started = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"subject": "复核 A 客户"}})
    assert started.status_code == 201, started.json
    return client, started.json["id"]


def test_a_task_for_a_role_nobody_holds_is_an_incident_the_filers_supervisor_sees(app: Flask) -> None:
    client, instance_id = start_when_nobody_holds_the_role(app)
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.error.startswith("nobody can do task") and "credit_controller" in instance.error
    task = the_task(instance_id)
    for who in ("process_owner", "sales_manager", "general_manager", "admin"):
        incidents = ApiUser(client, who, PASSWORD).get("/api/v1/incidents").json["incidents"]
        listed = next(i for i in incidents if i["instance_id"] == instance_id)
        assert listed["unowned_tasks"] == [{"id": task.id, "name": "信用主管复核", "role": "credit_controller"}], who
    outsider = ApiUser(client, "finance_director", PASSWORD).get("/api/v1/incidents").json["incidents"]
    assert instance_id not in [i["instance_id"] for i in outsider]
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "task_unowned")).one().task_id == task.id


def test_the_supervisor_assigns_it_with_a_reason_and_the_incident_clears(app: Flask) -> None:
    client, instance_id = start_when_nobody_holds_the_role(app)
    task_id = the_task(instance_id).id
    manager = ApiUser(client, "sales_manager", PASSWORD)
    outsider = ApiUser(client, "finance_director", PASSWORD)
    assert (
        outsider.post(f"/api/v1/tasks/{task_id}/assign", {"assignee": "finance_director", "reason": "x"}).status_code
        == 403
    )
    for body, field in (
        ({"assignee": "finance_director", "reason": " "}, "reason"),
        ({"assignee": "nobody_here", "reason": "信用主管离职"}, "assignee"),
        ({"assignee": "credit_controller", "reason": "信用主管离职"}, "assignee"),  # disabled
    ):
        refused = manager.post(f"/api/v1/tasks/{task_id}/assign", body)
        assert refused.status_code == 422 and field in refused.json["errors"], body
        assert the_task(instance_id).assignee_id is None

    done = manager.post(
        f"/api/v1/tasks/{task_id}/assign", {"assignee": "finance_director", "reason": "信用主管离职，由财务总监代办"}
    )
    assert done.status_code == 200, done.json
    task = the_task(instance_id)
    assert task.assignee.username == "finance_director"
    assert db.session.get(ProcessInstance, instance_id).error is None
    again = manager.post(f"/api/v1/tasks/{task_id}/assign", {"assignee": "general_manager", "reason": "再改"})
    assert again.status_code == 409
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "assign_unowned")).one()
    assert (audit.actor.username, audit.comment, audit.details["assignee"]) == (
        "sales_manager",
        "信用主管离职，由财务总监代办",
        "finance_director",
    )
    assert outsider.decide(task_id, "approve", "已复核").status_code == 200
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"


def test_an_assignee_that_names_nobody_is_caught_too_and_only_an_administrator_assigns_it(app: Flask) -> None:
    client = app.test_client()
    lanes_at = diagram("salesperson", assignee="approver")
    laneless = lanes_at[: lanes_at.index("<bpmn:laneSet")] + lanes_at[lanes_at.index("</bpmn:laneSet>") + 15 :]
    deploy(client, laneless)
    instance = lifecycle.start_system_instance(KEY, {"approver": "ghost_user"})
    db.session.commit()
    assert "names no role and no existing person" in db.session.get(ProcessInstance, instance.id).error
    task_id = the_task(instance.id).id
    body = {"assignee": "credit_controller", "reason": "系统流程无人处理"}
    assert ApiUser(client, "general_manager", PASSWORD).post(f"/api/v1/tasks/{task_id}/assign", body).status_code == 403
    assert ApiUser(client, "admin", PASSWORD).post(f"/api/v1/tasks/{task_id}/assign", body).status_code == 200
    assert the_task(instance.id).assignee.username == "credit_controller"


def test_an_assignee_naming_nobody_falls_back_to_a_lane_with_people(app: Flask) -> None:
    client = app.test_client()
    deploy(client, diagram("salesperson", assignee="approver"))
    instance = lifecycle.start_system_instance(KEY, {"approver": "ghost_user"})
    db.session.commit()
    assert db.session.get(ProcessInstance, instance.id).error is None
    assert the_task(instance.id).role == "salesperson"


def test_the_incidents_page_offers_the_assignment_to_the_supervisor(app: Flask, client: FlaskClient) -> None:
    _, instance_id = start_when_nobody_holds_the_role(app)
    task_id = the_task(instance_id).id
    login(client, "sales_manager")
    page = client.get("/incidents")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-task-id="{task_id}"' in html and "信用主管复核" in html
    assert 'name="instance_id"' not in html and "/retry" not in html  # retrying is the process owner's
    posted = client.post(
        f"/incidents/tasks/{task_id}/assign",
        data={"csrf_token": csrf_token(page.data), "user": "finance_director", "comment": "由财务总监代办"},
    )
    assert posted.status_code == 302
    assert the_task(instance_id).assignee.username == "finance_director"


def test_the_check_warns_of_an_assignee_who_is_nobody_today(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = "en"
    response = client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=diagram("salesperson", assignee="ghost_user").encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201
    warned = [n for n in response.json["notes"] if "ghost_user" in n["message"]]
    assert [n["element_id"] for n in warned] == ["check_by_controller"]
    real = client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=diagram("salesperson", assignee="finance_director").encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert not [n for n in real.json["notes"] if "nobody today" in n["message"]]
