"""A call activity calls a process from another file: uploaded with it, or already deployed (its newest
version, or a pinned one); the called diagram is frozen into the caller's version."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.extensions import db
from app.models import HumanTask, ProcessVersion

from .conftest import PASSWORD
from .support import ApiUser
from .test_designed_forms import post_files

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_{key}" targetNamespace="x">"""


def called(task_name: str = "总经理审批") -> str:
    return (
        HEADER.format(key="purchase_approval")
        + f"""
  <bpmn:process id="purchase_approval" name="采购审批" isExecutable="true">
    <bpmn:startEvent id="sub_start" />
    <bpmn:userTask id="gm_approve" name="{task_name}" camunda:candidateGroups="general_manager" />
    <bpmn:endEvent id="sub_end" />
    <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="gm_approve" />
    <bpmn:sequenceFlow id="s2" sourceRef="gm_approve" targetRef="sub_end" />
  </bpmn:process>
</bpmn:definitions>"""
    )


def caller(attrs: str = "") -> str:
    return (
        HEADER.format(key="purchase_main")
        + f"""
  <bpmn:process id="purchase_main" name="采购申请" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:callActivity id="approval" name="审批" calledElement="purchase_approval" {attrs} />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approval" />
    <bpmn:sequenceFlow id="f2" sourceRef="approval" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
    )


def upload(owner: ApiUser, name: str, xml: str) -> Any:
    return owner.client.post(
        f"/api/v1/process-models?filename={name}",
        data=xml.encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )


def open_task(instance_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id)).one()


def start(app: Flask) -> int:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    started = sales.post("/api/v1/processes/purchase_main/instances", {"data": {}})
    assert started.status_code == 201, started.json
    return started.json["id"]


def test_a_call_to_a_process_deployed_before_runs_its_newest_version(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = "en"
    refused = upload(owner, "purchase_main.bpmn", caller())
    assert refused.status_code == 422
    assert refused.json["errors"] == [
        {
            "element_id": "approval",
            "message": "calls process 'purchase_approval', which is neither in this deployment nor deployed",
        }
    ]
    assert upload(owner, "purchase_approval.bpmn", called()).status_code == 201
    assert upload(owner, "purchase_approval.bpmn", called("总经理批准")).status_code == 201  # version 2
    assert upload(owner, "purchase_main.bpmn", caller()).status_code == 201

    task = open_task(start(app))
    assert (task.bpmn_id, task.name, task.role) == ("gm_approve", "总经理批准", "general_manager")
    gm = ApiUser(app.test_client(), "general_manager", PASSWORD)
    assert (
        gm.post(f"/api/v1/tasks/{task.id}/complete", {"data": {"decision": "approve", "comment": "同意"}}).status_code
        == 200
    )


def test_a_pinned_version_is_called_and_a_missing_one_is_named(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = "en"
    assert upload(owner, "purchase_approval.bpmn", called()).status_code == 201
    assert upload(owner, "purchase_approval.bpmn", called("总经理批准")).status_code == 201
    pinned = 'camunda:calledElementBinding="version" camunda:calledElementVersion="{n}"'
    missing = upload(owner, "purchase_main.bpmn", caller(pinned.format(n=7)))
    assert missing.status_code == 422
    assert missing.json["errors"][0]["message"] == "process purchase_approval has no version 7"
    assert upload(owner, "purchase_main.bpmn", caller(pinned.format(n=1))).status_code == 201
    assert open_task(start(app)).name == "总经理审批"  # version 1's task, though version 2 is newer


def test_a_caller_and_the_process_it_calls_deploy_together(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    answer = post_files(owner, [("purchase_main.bpmn", caller()), ("purchase_approval.bpmn", called())])
    assert answer.status_code == 201, answer.json
    assert sorted(d["process_key"] for d in answer.json["deployed"]) == ["purchase_approval", "purchase_main"]
    version = db.session.scalars(db.select(ProcessVersion).where(ProcessVersion.process_key == "purchase_main")).one()
    assert list(version.called_bpmn) == ["purchase_approval.bpmn"]  # frozen with the caller
    assert open_task(start(app)).bpmn_id == "gm_approve"
