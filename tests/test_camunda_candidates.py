"""Camunda's several candidates, task priority and follow-up date, through the app: a task drawn
with several candidate groups or users reaches every one of them, and only them; priority orders
and filters the inbox; both show on the pages and in `/engine-rest/task`."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import HumanTask, ProcessInstance

from .camunda_diagrams import diagram
from .conftest import PASSWORD, login
from .support import ApiUser
from .test_camunda_deploy import around, deploy


def basic(app: Flask, username: str) -> dict[str, str]:
    token = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    secret = base64.b64encode(f"{username}:{token.json['token']}".encode()).decode()
    return {"Authorization": f"Basic {secret}"}


def start(app: Flask, data: dict[str, Any] | None = None, key: str = "camunda_probe") -> HumanTask:
    """Started as a Camunda client starts it, with its variables."""
    variables = {name: {"value": value} for name, value in (data or {}).items()}
    started = app.test_client().post(
        f"/engine-rest/process-definition/key/{key}/start",
        json={"variables": variables},
        headers=basic(app, "salesperson"),
    )
    assert started.status_code == 200, started.json
    db.session.expire_all()
    instance = db.session.scalars(db.select(ProcessInstance).order_by(ProcessInstance.id.desc())).first()
    return db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance.id)).one()


def queue_ids(app: Flask, username: str) -> list[int]:
    return [t["id"] for t in ApiUser(app.test_client(), username, PASSWORD).tasks("queue")]


@pytest.mark.parametrize(
    ("attribute", "inside"),
    [
        ('camunda:candidateGroups="general_manager, finance_director"', ""),
        (
            'camunda:candidateGroups="${approvers}"',
            '<bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="approvers">'
            "<camunda:list><camunda:value>general_manager</camunda:value><camunda:value>finance_director"
            "</camunda:value></camunda:list></camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements>",
        ),
    ],
)
def test_several_candidate_groups_reach_every_groups_queue(app: Flask, attribute: str, inside: str) -> None:
    xml = around(f'<bpmn:userTask id="work" name="Work" {attribute}>{inside}</bpmn:userTask>')
    assert deploy(app, xml).status_code == 201
    task = start(app)
    assert task.candidate_roles == ["general_manager", "finance_director"]
    assert task.id in queue_ids(app, "general_manager")
    assert task.id in queue_ids(app, "finance_director")
    assert task.id not in queue_ids(app, "sales_vp")
    assert task.instance.error is None  # someone can take it: no incident
    vp = ApiUser(app.test_client(), "sales_vp", PASSWORD)
    assert vp.post(f"/api/v1/tasks/{task.id}/claim").status_code == 403
    director = ApiUser(app.test_client(), "finance_director", PASSWORD)
    assert director.get(f"/api/v1/instances/{task.instance_id}").status_code == 200
    assert director.post(f"/api/v1/tasks/{task.id}/claim").status_code == 200
    assert task.id not in queue_ids(app, "general_manager")  # claimed: out of every queue
    manager = ApiUser(app.test_client(), "general_manager", PASSWORD)
    assert manager.post(f"/api/v1/tasks/{task.id}/claim").status_code in (403, 409)
    assert director.post(f"/api/v1/tasks/{task.id}/unclaim").status_code == 200
    assert task.id in queue_ids(app, "general_manager")
    done = manager.post(f"/api/v1/tasks/{task.id}/claim")
    assert done.status_code == 200
    assert manager.post(f"/api/v1/tasks/{task.id}/complete", {"data": {"comment": "ok"}}).status_code == 200


def test_a_task_in_both_of_my_roles_queues_is_listed_once(app: Flask) -> None:
    from app.models import Role, User

    xml = around('<bpmn:userTask id="work" name="Work" camunda:candidateGroups="general_manager,finance_director" />')
    assert deploy(app, xml).status_code == 201
    manager = db.session.scalars(db.select(User).where(User.username == "general_manager")).one()
    manager.roles.append(db.session.scalars(db.select(Role).where(Role.key == "finance_director")).one())
    db.session.commit()
    task = start(app)
    assert queue_ids(app, "general_manager").count(task.id) == 1


def test_several_candidate_users_may_each_take_the_task_and_nobody_else(app: Flask) -> None:
    xml = around('<bpmn:userTask id="work" name="Work" camunda:candidateUsers="finance_director, sales_vp" />')
    assert deploy(app, xml).status_code == 201
    task = start(app)
    assert task.assignee_id is None and task.role is None
    assert task.instance.error is None
    assert task.id in queue_ids(app, "finance_director")
    assert task.id in queue_ids(app, "sales_vp")
    assert task.id not in queue_ids(app, "general_manager")
    manager = ApiUser(app.test_client(), "general_manager", PASSWORD)
    assert manager.post(f"/api/v1/tasks/{task.id}/claim").status_code == 403
    vp = ApiUser(app.test_client(), "sales_vp", PASSWORD)
    assert vp.post(f"/api/v1/tasks/{task.id}/claim").status_code == 200
    assert vp.post(f"/api/v1/tasks/{task.id}/complete", {"data": {"comment": "ok"}}).status_code == 200


def test_a_task_whose_candidates_nobody_holds_is_an_incident_naming_them(app: Flask) -> None:
    from app.models import Role

    for key in ("ghost_a", "ghost_b"):
        db.session.add(Role(key=key, name_zh=key, name_en=key))
    db.session.commit()
    xml = around('<bpmn:userTask id="work" name="Work" camunda:candidateGroups="ghost_a,ghost_b" />')
    assert deploy(app, xml).status_code == 201
    task = start(app)
    assert "ghost_a" in task.instance.error and "ghost_b" in task.instance.error


def test_every_candidate_group_written_out_must_be_a_role_of_the_company(app: Flask) -> None:
    xml = around('<bpmn:userTask id="work" name="Work" camunda:candidateGroups="general_manager,no_such_role" />')
    answer = deploy(app, xml)
    assert answer.status_code == 422
    assert "no_such_role" in answer.json["errors"][0]["message"]


PRIORITIES = diagram("""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="Work" camunda:candidateGroups="general_manager"
      camunda:priority="${amount &gt; 1000 ? 80 : 20}" camunda:followUpDate="${followUp}" />
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
""")


def test_priority_and_follow_up_are_kept_shown_sorted_and_filtered(app: Flask, client: FlaskClient) -> None:
    assert deploy(app, PRIORITIES).status_code == 201
    low = start(app, {"amount": 10, "followUp": "P1D"})
    high = start(app, {"amount": 5000, "followUp": "P3D"})
    assert (low.priority, high.priority) == (20, 80)
    assert (low.follow_up_at - low.created_at).days == 1 and (high.follow_up_at - high.created_at).days == 3
    manager = ApiUser(app.test_client(), "general_manager", PASSWORD)
    ordered = [t["id"] for t in manager.get("/api/v1/tasks?tab=queue&sort=priority").json["tasks"]]
    assert ordered.index(high.id) < ordered.index(low.id)
    page = manager.get("/api/v1/tasks?tab=queue&sort=priority&limit=1")
    second = manager.get(f"/api/v1/tasks?tab=queue&sort=priority&limit=1&after={page.json['next']}")
    assert second.status_code == 200, second.json
    assert [t["id"] for t in manager.get("/api/v1/tasks?tab=queue&priority_min=50").json["tasks"]] == [high.id]
    assert manager.get("/api/v1/tasks?priority_min=high").status_code == 422
    login(client, "general_manager")
    listing = client.get("/tasks?tab=queue&sort=priority").get_data(as_text=True)
    assert listing.index(f"/tasks/{high.id}") < listing.index(f"/tasks/{low.id}")
    assert "优先级 80" in listing and "跟进" in listing
    page_html = client.get(f"/tasks/{high.id}").get_data(as_text=True)
    assert 'id="priority"' in page_html and 'id="follow-up"' in page_html


def test_engine_rest_answers_and_filters_priority_and_follow_up(app: Flask) -> None:
    assert deploy(app, PRIORITIES).status_code == 201
    low = start(app, {"amount": 10, "followUp": "P1D"})
    high = start(app, {"amount": 5000, "followUp": "P3D"})
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "general_manager", "password": PASSWORD}).json["token"]
    auth = {"Authorization": "Basic " + base64.b64encode(f"general_manager:{token}".encode()).decode()}

    def ids(query: str) -> list[str]:
        answer = client.get(f"/engine-rest/task?processDefinitionKey=camunda_probe&{query}", headers=auth)
        assert answer.status_code == 200, answer.json
        return [t["id"] for t in answer.json]

    everything = client.get("/engine-rest/task?sortBy=priority&sortOrder=desc", headers=auth).json
    mine = [t for t in everything if t["taskDefinitionKey"] == "work"]
    assert [t["priority"] for t in mine] == [80, 20]
    assert all(t["followUp"] for t in mine)
    between = (low.follow_up_at + (high.follow_up_at - low.follow_up_at) / 2).strftime("%Y-%m-%dT%H:%M:%S.000%%2B0000")
    assert len(ids(f"followUpBefore={between}")) == 1
    assert len(ids(f"followUpAfter={between}")) == 1
    assert ids(f"followUpBefore={between}") != ids(f"followUpAfter={between}")
    assert len(ids("minPriority=50")) == 1 and len(ids("maxPriority=50")) == 1
    assert len(ids("candidateGroup=general_manager")) == 2
    assert client.get("/engine-rest/task?minPriority=x", headers=auth).status_code == 400


def test_the_chain_names_every_group_that_may_take_the_task(app: Flask, client: FlaskClient) -> None:
    xml = around('<bpmn:userTask id="work" name="Work" camunda:candidateGroups="general_manager,finance_director" />')
    assert deploy(app, xml).status_code == 201
    task = start(app)
    login(client, "finance_director")
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "总经理 / 财务总监" in html
