"""Moving running instances to a newer version: checked first, all or none, tasks kept, audited."""

from __future__ import annotations

from itertools import pairwise

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance
from app.services.instances import lifecycle

from .conftest import PASSWORD, ROOT, csrf_token
from .support import ApiUser

KEY = "migration_probe"


def diagram(steps: list[str], names: dict[str, str] | None = None) -> str:
    names = names or {}
    tasks = "".join(
        f'<bpmn:userTask id="{s}" name="{names.get(s, s)}"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="complaint_report_review" />'
        '<spiffworkflow:property name="dueIn" value="2 working days" />'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        for s in steps
    )
    ids = ["start", *steps, "end"]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}" />' for a, b in pairwise(ids)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="x">'
        f'<bpmn:process id="{KEY}" name="迁移探针" isExecutable="true">'
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_gm" name="general_manager">{refs}</bpmn:lane></bpmn:laneSet>'
        '<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="startedBy" value="system" /></spiffworkflow:properties>'
        "</bpmn:extensionElements></bpmn:startEvent>"
        f'{tasks}<bpmn:endEvent id="end" />{flows}</bpmn:process></bpmn:definitions>'
    )


def deploy(owner: ApiUser, xml: str) -> int:
    response = owner.client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=xml.encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.json
    return response.json["version"]


def start(count: int = 1) -> list[int]:
    ids = [lifecycle.start_system_instance(KEY, {}).id for _ in range(count)]
    db.session.commit()
    return ids


def open_task(instance_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).one()


def complete(gm: ApiUser, instance_id: int) -> None:
    response = gm.post(f"/api/v1/tasks/{open_task(instance_id).id}/complete", {"data": {"comment": "好"}})
    assert response.status_code == 200, response.json


def users(client: FlaskClient) -> tuple[ApiUser, ApiUser]:
    return ApiUser(client, "process_owner", PASSWORD), ApiUser(client, "general_manager", PASSWORD)


def test_an_instance_waiting_at_a_kept_step_moves_and_keeps_its_task(app: Flask) -> None:
    owner, gm = users(app.test_client())
    deploy(owner, diagram(["a", "b"]))
    waiting, other = start(2)
    complete(gm, waiting)
    before = open_task(waiting)
    assert gm.post(f"/api/v1/tasks/{before.id}/claim").status_code == 200
    before = open_task(waiting)
    assert before.bpmn_id == "b" and before.due_at is not None and before.assignee.username == "general_manager"

    assert deploy(owner, diagram(["a", "x", "b", "c"])) == 2
    plan = owner.get(f"/api/v1/process-models/{KEY}/migrations").json["instances"]
    assert {(p["instance_id"], p["from_version"], p["to_version"], p["movable"]) for p in plan} == {
        (waiting, 1, 2, True),
        (other, 1, 2, True),
    }

    response = owner.post(f"/api/v1/process-models/{KEY}/migrations", {"instance_ids": [waiting], "to_version": 2})
    assert response.status_code == 200, response.json
    assert [m["instance_id"] for m in response.json["migrated"]] == [waiting]
    db.session.expire_all()
    moved, stayed = db.session.get(ProcessInstance, waiting), db.session.get(ProcessInstance, other)
    assert (moved.process_version.version, stayed.process_version.version) == (2, 1)
    after = open_task(waiting)
    assert (after.id, after.bpmn_id, after.due_at, after.assignee_id) == (
        before.id,
        "b",
        before.due_at,
        before.assignee_id,
    )

    complete(gm, waiting)  # the new version's step after b now follows
    assert open_task(waiting).bpmn_id == "c"
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "instance_migrated")).one()
    assert (audit.instance_id, audit.details["from_version"], audit.details["to_version"]) == (waiting, 1, 2)
    assert audit.actor.username == "process_owner"


def test_a_step_the_new_version_lacks_refuses_the_move_until_mapped(app: Flask) -> None:
    owner, gm = users(app.test_client())
    owner.headers["Accept-Language"] = "en"
    deploy(owner, diagram(["a", "b"]))
    (instance,) = start()
    complete(gm, instance)  # waits at b
    deploy(owner, diagram(["a", "b2"], {"b2": "新的第二步"}))

    plan = owner.get(f"/api/v1/process-models/{KEY}/migrations?to_version=2").json["instances"]
    assert plan[0]["movable"] is False
    assert plan[0]["problems"][0]["element_id"] == "b"
    assert "version 2 does not have" in plan[0]["problems"][0]["message"]

    refused = owner.post(f"/api/v1/process-models/{KEY}/migrations", {"instance_ids": [instance]})
    assert refused.status_code == 422
    assert refused.json["errors"] == [
        {"instance_id": instance, "element_id": "b", "message": plan[0]["problems"][0]["message"]}
    ]
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance).process_version.version == 1
    assert not db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "instance_migrated")).all()

    dry = owner.post(
        f"/api/v1/process-models/{KEY}/migrations",
        {"instance_ids": [instance], "mapping": {"b": "b2"}, "dry_run": True},
    )
    assert dry.json["instances"][0]["movable"] is True
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance).process_version.version == 1  # a dry run moves nothing

    task_id = open_task(instance).id
    moved = owner.post(f"/api/v1/process-models/{KEY}/migrations", {"instance_ids": [instance], "mapping": {"b": "b2"}})
    assert moved.status_code == 200, moved.json
    task = open_task(instance)
    assert (task.id, task.bpmn_id, task.name) == (task_id, "b2", "新的第二步")
    complete(gm, instance)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance).status == "completed"


def test_a_done_step_the_new_version_lacks_is_named(app: Flask) -> None:
    owner, gm = users(app.test_client())
    deploy(owner, diagram(["a", "b"]))
    (instance,) = start()
    complete(gm, instance)
    deploy(owner, diagram(["b"]))
    owner.headers["Accept-Language"] = "zh-CN"
    (plan,) = owner.get(f"/api/v1/process-models/{KEY}/migrations").json["instances"]
    assert [(p["element_id"], "实例已完成此步骤" in p["message"]) for p in plan["problems"]] == [("a", True)]
    bad_target = owner.post(
        f"/api/v1/process-models/{KEY}/migrations", {"instance_ids": [instance], "mapping": {"a": "nowhere"}}
    )
    assert bad_target.status_code == 422
    assert bad_target.json["errors"][0]["element_id"] == "a"


def test_only_process_owners_move_instances_and_bad_input_names_the_field(app: Flask) -> None:
    owner, gm = users(app.test_client())
    deploy(owner, diagram(["a"]))
    (instance,) = start()
    assert gm.get(f"/api/v1/process-models/{KEY}/migrations").status_code == 403
    assert gm.post(f"/api/v1/process-models/{KEY}/migrations", {"instance_ids": [instance]}).status_code == 403
    for body, field in (
        ({"instance_ids": "all"}, "instance_ids"),
        ({"instance_ids": []}, "instance_ids"),
        ({"instance_ids": [instance], "to_version": "two"}, "to_version"),
        ({"instance_ids": [instance], "mapping": ["a"]}, "mapping"),
        ({"instance_ids": [instance + 1000]}, "instance_ids"),
    ):
        response = owner.post(f"/api/v1/process-models/{KEY}/migrations", body)
        assert response.status_code == 422, body
        assert field in response.json["errors"], body
    assert owner.get(f"/api/v1/process-models/{KEY}/migrations?to_version=9").status_code == 404


def test_a_running_credit_application_moves_to_a_new_version_of_its_diagram(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    sales = ApiUser(client, "salesperson", PASSWORD)
    started = sales.start_credit(customer_code="MIG1")
    assert started.status_code == 201, started.json
    instance_id = started.json["id"]
    waiting = open_task(instance_id)

    xml = (ROOT / "bpmn" / "credit_application.bpmn").read_text(encoding="utf-8")
    renamed = xml.replace(f'id="{waiting.bpmn_id}" name="', f'id="{waiting.bpmn_id}" name="（新版）', 1)
    assert renamed != xml
    response = client.post(
        "/api/v1/process-models?filename=credit_application.bpmn",
        data=renamed.encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.json
    new_version = response.json["version"]

    moved = owner.post("/api/v1/process-models/credit_application/migrations", {"instance_ids": [instance_id]})
    assert moved.status_code == 200, moved.json
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).process_version.version == new_version
    assert open_task(instance_id).id == waiting.id
    holder = ApiUser(client, waiting.role or "sales_manager", PASSWORD)
    task = next(t for t in holder.tasks() if t["id"] == waiting.id)
    assert holder.decide(task["id"], "approve", "同意，额度合理").status_code == 200


def test_the_process_owner_moves_instances_from_the_versions_page(owner: FlaskClient, app: Flask) -> None:
    api_owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    deploy(api_owner, diagram(["a", "b"]))
    first, second = start(2)
    deploy(api_owner, diagram(["a", "b", "c"]))
    page = owner.get(f"/modeler/processes/{KEY}/migrate")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert str(first) in text and str(second) in text
    posted = owner.post(
        f"/modeler/processes/{KEY}/migrate",
        data={"csrf_token": csrf_token(page.data), "to_version": "2", "instance_ids": [str(first)]},
    )
    assert posted.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProcessInstance, first).process_version.version == 2
    assert db.session.get(ProcessInstance, second).process_version.version == 1
    without_token = owner.post(f"/modeler/processes/{KEY}/migrate", data={"instance_ids": [str(second)]})
    assert without_token.status_code == 400
