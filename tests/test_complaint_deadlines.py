"""Complaint deadlines that count from the moment the policy names, returned work that has a
deadline, and the reopened case customer service may work on at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, Complaint, HumanTask

from .conftest import PASSWORD, login
from .support import ApiUser
from .test_complaints import REPLY, ROLES, act, started
from .test_escalation import tick


@pytest.fixture
def people(client: FlaskClient) -> dict[str, ApiUser]:
    return {name: ApiUser(client, name, PASSWORD) for name in ROLES}


def test_the_quality_memo_is_due_by_the_2nd_working_day_after_receipt_however_late_the_transfer(
    app: Flask, people: dict[str, ApiUser]
) -> None:
    clock = app.extensions["clock"]
    clock.set(datetime.fromisoformat("2026-09-30T10:00:00+08:00"))
    case = started(people["cs_director"], category="product_quality")
    # The general manager approves the transfer only after the National Day holiday, on its last
    # minute before the memo is due: the memo's deadline does not move with that.
    clock.set(datetime.fromisoformat("2026-10-09T09:00:00+08:00"))
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "approve"})
    [receive] = [t for t in people["production_manager"].tasks() if t["instance_id"] == case["id"]]
    assert receive["due_at"] == "2026-10-10T18:00:00+08:00"  # its own 1 working day (a make-up Saturday)
    act(people["production_manager"], case["id"], "接收质量投诉", {"comment": "安排营销部现场调查"})
    [memo] = [t for t in people["sales_manager"].tasks() if t["instance_id"] == case["id"]]
    assert memo["due_at"] == "2026-10-09T18:00:00+08:00"


def test_every_by_the_2nd_working_day_opinion_counts_from_receipt(app: Flask, people: dict[str, ApiUser]) -> None:
    clock = app.extensions["clock"]
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+08:00"))  # a Monday
    packaging = started(people["cs_director"], category="appearance_packaging")
    clock.set(datetime.fromisoformat("2026-11-24T17:00:00+08:00"))
    act(people["general_manager"], packaging["id"], "批准转办", {"transfer_decision": "approve"})
    [opinion] = [t for t in people["logistics_director"].tasks() if t["instance_id"] == packaging["id"]]
    assert opinion["due_at"] == "2026-11-25T18:00:00+08:00"  # not Thursday, 2 working days after the transfer


def test_a_task_returned_to_the_filer_is_due_in_two_working_days_and_escalates(app: Flask) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    sales.start_credit(customer_code="RD1")
    manager = ApiUser(client, "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    app.extensions["clock"].set(datetime.fromisoformat("2026-11-27T10:00:00+08:00"))  # a Friday
    back = manager.post(f"/api/v1/tasks/{task_id}/return", {"target": "filer", "comment": "请补充财务报表"})
    assert back.status_code == 200, back.json
    resubmit = sales.only_task()
    assert resubmit["due_at"] == "2026-12-01T18:00:00+08:00"  # the end of the 2nd working day, Tuesday
    tick(app, "2026-12-01T17:59:00+08:00")
    assert [t for t in manager.tasks() if t["name"] == "督办"] == []
    tick(app, "2026-12-01T18:01:00+08:00")
    [urge] = [t for t in manager.tasks() if t["name"] == "督办"]  # the filer's supervisor
    assert "重新提交申请" in urge["title"]
    assert db.session.get(HumanTask, resubmit["id"]).escalation_level == 1


def test_the_return_deadline_is_a_setting(app: Flask) -> None:
    app.config["RETURN_DEADLINE"] = "4 hours"
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    sales.start_credit(customer_code="RD2")
    manager = ApiUser(client, "sales_manager", PASSWORD)
    back = manager.post(f"/api/v1/tasks/{manager.only_task()['id']}/return", {"target": "filer", "comment": "请补充"})
    assert back.status_code == 200, back.json
    assert sales.only_task()["due_at"] == "2026-11-23T13:00:00+08:00"


def test_the_cs_director_reads_and_works_a_reopened_case_at_once(people: dict[str, ApiUser]) -> None:
    cs = people["cs_director"]
    old = started(cs, category="service_quality", department="service")
    act(people["general_manager"], old["id"], "批准转办", {"transfer_decision": "refuse", "comment": "客服直接答复"})
    act(cs, old["id"], "答复客户并记录满意度", {**REPLY, "outcome": "rejected", "satisfaction": "dissatisfied"})
    db.session.expire_all()
    reopened = db.session.scalars(db.select(Complaint).where(Complaint.reopened_from_id.is_not(None))).one()
    # The new case's first step is the general manager's transfer: nothing has reached customer service yet.
    assert [t["name"] for t in people["general_manager"].tasks() if t["instance_id"] == reopened.instance_id] == [
        "批准转办"
    ]
    assert cs.get(f"/api/v1/instances/{reopened.instance_id}").status_code == 200
    comment = cs.post(f"/api/v1/instances/{reopened.instance_id}/comments", {"body": "已电话联系客户"})
    assert comment.status_code == 201, comment.json
    assert people["salesperson"].get(f"/api/v1/instances/{reopened.instance_id}").status_code == 403


def case_urges(gm: ApiUser) -> list[dict]:
    return [t for t in gm.tasks() if t["name"] == "督办" and "已过结案时限" in t["title"]]


def test_the_case_clock_shows_risk_then_gives_the_general_manager_a_duban_that_closing_ends(
    app: Flask, people: dict[str, ApiUser], client: FlaskClient
) -> None:
    cs, gm = people["cs_director"], people["general_manager"]
    case = started(cs, category="appearance_packaging", received_at="2026-11-10T09:00:00+08:00")  # due 11-25 09:00
    calm = started(cs, category="grievance")  # received now: due in December
    act(gm, case["id"], "批准转办", {"transfer_decision": "approve"})
    board = {c["instance_id"]: c for c in cs.get("/api/v1/complaints/open").json["complaints"]}
    assert (board[case["id"]]["at_risk"], board[case["id"]]["hours_left"]) == (True, 48.0)
    assert board[case["id"]]["due_at"] == "2026-11-25T09:00:00+08:00"
    assert (board[calm["id"]]["at_risk"], board[calm["id"]]["overdue"]) == (False, False)
    assert [c["at_risk"] for c in gm.get("/api/v1/complaints/open").json["complaints"]] == [True, False]
    assert people["salesperson"].get("/api/v1/complaints/open").status_code == 403
    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "read_case_clock")).all()
    assert sorted(e.actor.username for e in reads) == ["cs_director", "general_manager"]  # every read, by whom
    login(client, "general_manager")
    page = client.get("/complaints").data.decode()
    assert 'id="complaints-at-risk"' in page and "48.0" in page

    tick(app, "2026-11-25T08:59:00+08:00")
    assert case_urges(gm) == []
    tick(app, "2026-11-25T09:01:00+08:00")
    [urge] = case_urges(gm)
    number = db.session.get(Complaint, 1).number
    assert number in urge["title"] and "外观包装处理意见" in urge["title"] and "仓储物流主任" in urge["title"]
    assert urge["due_at"] == "2026-11-26T18:00:00+08:00"  # escalated like any task (ESCALATION_DEADLINE)
    tick(app, "2026-11-25T09:05:00+08:00")
    assert len(case_urges(gm)) == 1  # once

    act(people["logistics_director"], case["id"], "外观包装处理意见", {"opinion": "承运方赔付"})
    act(cs, case["id"], "答复客户并记录满意度", REPLY)
    assert case_urges(gm) == []  # closing the case closed its 督办
    assert cs.get("/api/v1/complaints/open").json["complaints"][0]["instance_id"] == calm["id"]


def test_models_and_migrations_agree_for_customer_service(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    tables = ("complaints", "phone_inquiries", "phone_call_logs", "complaint_penalty_reviews", "satisfaction_surveys")
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert [d for d in differences if any(f"'{t}'" in str(d) or f"table={t}" in str(d) for t in tables)] == []


DECISION = {"responsible_party": "carrier", "company_share": 30, "repair_budget": 1200, "repair_due_on": "2026-12-01"}


def to_committee(people: dict[str, ApiUser], **receive: Any) -> int:
    case = started(people["cs_director"], category="product_quality")
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "approve"})
    act(people["production_manager"], case["id"], "接收质量投诉", {"comment": "召集委员会", **receive})
    act(
        people["sales_manager"],
        case["id"],
        "现场调查与质量备忘录",
        {"site_findings": "外壳开裂", "probable_cause": "运输"},
    )
    return case["id"]


def committee_tasks(instance_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    )
    return sorted((t.name, t.assignee.username if t.assignee else f"role:{t.role}") for t in rows)


def test_the_standing_committee_decides_together_and_its_agreement_is_the_decision(
    people: dict[str, ApiUser],
) -> None:
    instance_id = to_committee(people)
    assert committee_tasks(instance_id) == [
        ("质量委员会会签", "production_manager"),
        ("质量委员会会签", "sales_manager"),
    ]
    act(people["sales_manager"], instance_id, "质量委员会会签", {**DECISION, "comment": "运输破损"})
    assert committee_tasks(instance_id) == [("质量委员会会签", "production_manager")]  # waits for every member
    act(people["production_manager"], instance_id, "质量委员会会签", DECISION)
    assert committee_tasks(instance_id) == [("内部维修与追责", "role:production_manager")]
    complaint = db.session.scalars(db.select(Complaint)).one()
    assert complaint.responsibility["decided_by"] == "committee" and complaint.responsibility["party"] == "carrier"
    votes = {v["member"]: v for v in complaint.responsibility["votes"]}
    assert set(votes) == {"production_manager", "sales_manager"} and votes["sales_manager"]["comment"] == "运输破损"


def test_a_named_committee_that_disagrees_is_ruled_on_by_the_production_manager(people: dict[str, ApiUser]) -> None:
    instance_id = to_committee(people, committee_roles=["production_manager", "logistics_director"])
    assert committee_tasks(instance_id) == [
        ("质量委员会会签", "logistics_director"),
        ("质量委员会会签", "production_manager"),
    ]
    act(people["logistics_director"], instance_id, "质量委员会会签", {**DECISION, "responsible_party": "company"})
    act(people["production_manager"], instance_id, "质量委员会会签", DECISION)
    assert committee_tasks(instance_id) == [("生产部经理裁决", "role:production_manager")]
    [ruling] = [t for t in people["production_manager"].tasks() if t["instance_id"] == instance_id]
    refused = people["production_manager"].post(f"/api/v1/tasks/{ruling['id']}/complete", {"data": DECISION})
    assert refused.status_code == 422 and "ruling_reason" in refused.json["errors"]
    act(
        people["production_manager"],
        instance_id,
        "生产部经理裁决",
        {**DECISION, "company_share": 50, "ruling_reason": "承运记录不全，双方各半"},
    )
    complaint = db.session.scalars(db.select(Complaint)).one()
    assert (complaint.responsibility["decided_by"], complaint.responsibility["company_share"]) == (
        "production_manager",
        50,
    )
    assert complaint.responsibility["ruling_reason"] == "承运记录不全，双方各半"
    assert sorted(v["responsible_party"] for v in complaint.responsibility["votes"]) == ["carrier", "company"]


def test_an_unknown_committee_role_is_refused(people: dict[str, ApiUser]) -> None:
    case = started(people["cs_director"], category="product_quality")
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "approve"})
    [receive] = [t for t in people["production_manager"].tasks() if t["instance_id"] == case["id"]]
    bad = people["production_manager"].post(
        f"/api/v1/tasks/{receive['id']}/complete", {"data": {"comment": "x", "committee_roles": ["janitor"]}}
    )
    assert bad.status_code == 422 and "committee_roles" in bad.json["errors"]
