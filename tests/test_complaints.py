"""Customer complaints end to end through the API: intake and numbering, routing by category,
deadlines, settlement authority, reply, follow-up, reopening and the monthly statistics."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Complaint, ComplaintReport, HumanTask, ProcessInstance, RoleStandIn, User

from .conftest import PASSWORD, login
from .support import ApiUser
from .test_escalation import tick

ROLES = (
    "cs_director",
    "general_manager",
    "sales_vp",
    "production_manager",
    "sales_manager",
    "logistics_director",
    "service_owner",
    "salesperson",
    "finance_director",
)


@pytest.fixture
def people(client: FlaskClient) -> dict[str, ApiUser]:
    return {name: ApiUser(client, name, PASSWORD) for name in ROLES}


def intake(cs: ApiUser, **overrides: Any) -> Any:
    data = {
        "customer_code": "K001",
        "customer_name": "华南五金",
        "contact": "王经理 13800000000",
        "channel": "phone",
        "region": "domestic",
        "category": "grievance",
        "description": "发货延迟，客户不满",
        "amount_claimed": 0,
        "policy_misunderstanding": False,
    }
    data.update(overrides)
    return cs.post("/api/v1/processes/complaint_handling/instances", {"data": data})


def started(cs: ApiUser, **overrides: Any) -> dict[str, Any]:
    response = intake(cs, **overrides)
    assert response.status_code == 201, response.json
    return response.json


def act(user: ApiUser, instance_id: int, name: str, data: dict[str, Any]) -> None:
    tasks = [t for t in user.tasks() if t["instance_id"] == instance_id and t["name"] == name]
    assert tasks, f"{user.username} has no task '{name}': {[(t['name'], t['instance_id']) for t in user.tasks()]}"
    response = user.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", {"data": data})
    assert response.status_code == 200, response.json


def open_task_names(instance_id: int) -> list[str]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(
            db.select(HumanTask.name).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        )
    )


def status_of(instance_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id).status


REPLY = {"reply": "已向客户说明并致歉", "outcome": "accepted", "satisfaction": "satisfied"}
FOLLOW = {"followup_notes": "客户表示满意", "followup_satisfaction": "satisfied"}


def test_only_the_cs_director_or_a_named_stand_in_records_complaints(app: Flask, people: dict[str, ApiUser]) -> None:
    assert intake(people["salesperson"]).status_code == 403
    assert intake(people["general_manager"]).status_code == 403
    now = app.extensions["clock"].now()
    standin = db.session.scalars(db.select(User).where(User.username == "sales_vp")).one()
    db.session.add(
        RoleStandIn(
            role_key="cs_director",
            user_id=standin.id,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=3),
        )
    )
    db.session.commit()
    assert intake(people["sales_vp"]).status_code == 201
    app.extensions["clock"].set(now + timedelta(days=4))
    assert intake(people["sales_vp"]).status_code == 403  # the period is over
    assert intake(people["cs_director"]).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "rumour"}, "category"),
        ({"amount_claimed": -1}, "amount_claimed"),
        ({"received_at": "2026-11-24T09:00:00+08:00"}, "received_at"),
        ({"channel": "pigeon"}, "channel"),
        ({"region": "mars"}, "region"),
        ({"received_at": "yesterday"}, "received_at"),
    ],
)
def test_bad_intake_values_are_422_and_create_nothing(people: dict[str, ApiUser], overrides: dict, field: str) -> None:
    response = intake(people["cs_director"], **overrides)
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert db.session.scalar(db.select(db.func.count(Complaint.id))) == 0
    assert db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == 0


def test_numbers_follow_the_receipt_date_and_the_years_running_count(people: dict[str, ApiUser]) -> None:
    cs = people["cs_director"]
    assert started(cs, received_at="2025-12-31T16:00:00+08:00")["business_key"] == "251231001"
    assert started(cs)["business_key"] == "261123001"  # a new year starts again at 001
    assert started(cs, received_at="2026-11-20T10:00:00+08:00")["business_key"] == "261120002"
    assert started(cs, received_at="2026-11-22T23:30:00+08:00")["business_key"] == "261122003"


def test_fifty_concurrent_intakes_get_fifty_consecutive_numbers(app: Flask, people: dict[str, ApiUser]) -> None:
    cs = people["cs_director"]
    barrier = threading.Barrier(10)
    results: list[int] = []
    lock = threading.Lock()

    def worker(count: int) -> None:
        client = app.test_client()
        barrier.wait()
        for _ in range(count):
            response = client.post(
                "/api/v1/processes/complaint_handling/instances",
                json={
                    "data": {
                        "customer_name": "并发",
                        "contact": "x",
                        "channel": "written",
                        "region": "domestic",
                        "category": "grievance",
                        "description": "x",
                    }
                },
                headers=cs.headers,
            )
            with lock:
                results.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(5,)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results.count(201) == 50
    numbers = sorted(db.session.scalars(db.select(Complaint.number)))
    assert numbers == [f"261123{n:03d}" for n in range(1, 51)]


def test_grievance_answered_at_once_then_followed_up_15_days_after_the_reply(
    app: Flask, people: dict[str, ApiUser]
) -> None:
    case = started(people["cs_director"])
    assert open_task_names(case["id"]) == ["答复客户并记录满意度"]
    act(people["cs_director"], case["id"], "答复客户并记录满意度", REPLY)
    assert open_task_names(case["id"]) == []
    complaint = db.session.scalars(db.select(Complaint)).one()
    assert complaint.closed_at is not None and complaint.outcome == "accepted"
    tick(app, "2026-12-08T08:59:00+08:00")
    assert open_task_names(case["id"]) == []
    tick(app, "2026-12-08T09:01:00+08:00")  # 15 days after the reply at 09:00 on 2026-11-23
    assert open_task_names(case["id"]) == ["回访客户"]
    act(people["cs_director"], case["id"], "回访客户", FOLLOW)
    assert status_of(case["id"]) == "completed"


def test_grievance_from_a_policy_misunderstanding_also_goes_to_the_sales_vp(people: dict[str, ApiUser]) -> None:
    case = started(people["cs_director"], policy_misunderstanding=True)
    assert open_task_names(case["id"]) == ["答复客户并记录满意度", "追究业务员责任"]
    act(people["sales_vp"], case["id"], "追究业务员责任", {"salesperson": "salesperson", "measures": "培训并扣绩效"})
    act(people["cs_director"], case["id"], "答复客户并记录满意度", REPLY)


def test_valuable_suggestion_goes_to_the_sales_vp_then_the_general_manager(people: dict[str, ApiUser]) -> None:
    case = started(people["cs_director"], category="suggestion", description="建议增加夜间配送")
    act(people["cs_director"], case["id"], "评估建议价值", {"valuable": True, "comment": "值得研究"})
    act(people["sales_vp"], case["id"], "研究建议", {"study": "可在华南试点"})
    act(people["general_manager"], case["id"], "批准建议", {"suggestion_decision": "adopt"})
    assert open_task_names(case["id"]) == ["答复客户并记录满意度"]


def test_an_ordinary_suggestion_is_declined_politely_by_the_cs_director(people: dict[str, ApiUser]) -> None:
    case = started(people["cs_director"], category="suggestion")
    act(people["cs_director"], case["id"], "评估建议价值", {"valuable": False})
    assert open_task_names(case["id"]) == ["答复客户并记录满意度"]


def test_product_quality_runs_investigation_committee_repair_settlement_and_follow_up(
    app: Flask, people: dict[str, ApiUser]
) -> None:
    case = started(people["cs_director"], category="product_quality", amount_claimed=3000)
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "approve"})
    act(people["production_manager"], case["id"], "接收质量投诉", {"comment": "安排营销部现场调查"})
    [memo] = [t for t in people["sales_manager"].tasks() if t["instance_id"] == case["id"]]
    assert memo["due_at"] == "2026-11-25T18:00:00+08:00"  # by the end of the 2nd working day
    act(
        people["sales_manager"],
        case["id"],
        "现场调查与质量备忘录",
        {"site_findings": "外壳开裂", "probable_cause": "运输"},
    )
    decision = {
        "responsible_party": "carrier",
        "company_share": 30,
        "repair_budget": 1200,
        "repair_due_on": "2026-12-01",
    }
    for member in ("production_manager", "sales_manager"):  # the standing committee decides together (会签)
        act(people[member], case["id"], "质量委员会会签", decision)
    [accountability] = [t for t in people["production_manager"].tasks() if t["instance_id"] == case["id"]]
    assert accountability["due_at"] == "2026-11-26T18:00:00+08:00"  # 3 working days
    act(
        people["production_manager"],
        case["id"],
        "内部维修与追责",
        {"accountability": "承运方赔付", "repair_delivered_on": "2026-12-02"},
    )
    act(people["sales_manager"], case["id"], "理赔审批", {"settlement_decision": "approve", "settlement_amount": 3000})
    act(people["cs_director"], case["id"], "答复客户并记录满意度", REPLY)
    complaint = db.session.scalars(db.select(Complaint)).one()
    assert complaint.responsibility["party"] == "carrier"
    tick(app, "2026-12-04T08:00:00+08:00")
    assert open_task_names(case["id"]) == []
    tick(app, "2026-12-04T09:30:00+08:00")  # the 2nd day after the repaired product was delivered
    assert open_task_names(case["id"]) == ["回访客户"]


@pytest.mark.parametrize(
    ("category", "handler", "task", "amount", "approver"),
    [
        ("appearance_packaging", "logistics_director", "外观包装处理意见", 20000, "sales_vp"),
        ("service_quality", "service_owner", "服务质量处理意见", 80000, "general_manager"),
    ],
)
def test_transferred_cases_and_the_settlement_authority_by_amount(
    people: dict[str, ApiUser], category: str, handler: str, task: str, amount: int, approver: str
) -> None:
    # A service-quality complaint names the department involved; its head (service_owner) gives the opinion.
    case = started(people["cs_director"], category=category, amount_claimed=amount, department="service")
    assert open_task_names(case["id"]) == ["批准转办"]
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "approve"})
    act(people[handler], case["id"], task, {"opinion": "同意部分赔偿", "proposed_settlement": amount / 2})
    settlement = [t for t in people[approver].tasks() if t["instance_id"] == case["id"]]
    assert [t["name"] for t in settlement] == ["理赔审批"] and settlement[0]["role"] == approver
    over = people[approver].post(
        f"/api/v1/tasks/{settlement[0]['id']}/complete",
        {"data": {"settlement_decision": "approve", "settlement_amount": amount + 1}},
    )
    assert over.status_code == 422 and "settlement_amount" in over.json["errors"]
    act(people[approver], case["id"], "理赔审批", {"settlement_decision": "approve", "settlement_amount": amount / 2})
    assert open_task_names(case["id"]) == ["答复客户并记录满意度"]


def test_a_refused_transfer_is_answered_by_customer_service(people: dict[str, ApiUser]) -> None:
    case = started(people["cs_director"], category="service_quality", department="service")
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "refuse", "comment": "客服可直接答复"})
    assert open_task_names(case["id"]) == ["答复客户并记录满意度"]


def test_deadlines_across_national_day(app: Flask, people: dict[str, ApiUser]) -> None:
    app.extensions["clock"].set(datetime.fromisoformat("2026-09-30T10:00:00+08:00"))
    domestic = started(people["cs_director"], category="appearance_packaging")
    foreign = started(people["cs_director"], category="appearance_packaging", region="foreign")
    view = people["cs_director"].get(f"/api/v1/instances/{domestic['id']}").json
    assert view["due_at"] == "2026-10-15T10:00:00+08:00"
    assert people["cs_director"].get(f"/api/v1/instances/{foreign['id']}").json["due_at"] == "2026-10-20T10:00:00+08:00"
    act(people["general_manager"], domestic["id"], "批准转办", {"transfer_decision": "approve"})
    [opinion] = [t for t in people["logistics_director"].tasks() if t["instance_id"] == domestic["id"]]
    assert opinion["due_at"] == "2026-10-09T18:00:00+08:00"  # 2nd working day after the holiday


def test_a_case_left_undone_escalates(app: Flask, people: dict[str, ApiUser]) -> None:
    case = started(people["cs_director"], category="appearance_packaging")
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "approve"})
    tick(app, "2026-11-25T18:30:00+08:00")
    urges = [t for t in people["general_manager"].tasks() if t["name"] == "督办"]
    assert len(urges) == 1 and "外观包装处理意见" in urges[0]["title"]


def test_case_deadline_caps_each_step(app: Flask, people: dict[str, ApiUser]) -> None:
    app.extensions["clock"].set(datetime.fromisoformat("2026-11-23T09:00:00+08:00"))
    case = started(people["cs_director"], category="appearance_packaging", received_at="2026-11-09T09:00:00+08:00")
    [transfer] = [t for t in people["general_manager"].tasks() if t["instance_id"] == case["id"]]
    assert transfer["due_at"] == "2026-11-24T09:00:00+08:00"  # the case itself is due 15 days after receipt


def test_a_rejected_outcome_reopens_a_linked_complaint(people: dict[str, ApiUser], client: FlaskClient) -> None:
    cs = people["cs_director"]
    old = started(cs)
    act(cs, old["id"], "答复客户并记录满意度", {**REPLY, "outcome": "rejected", "satisfaction": "dissatisfied"})
    db.session.expire_all()
    old_complaint, new_complaint = db.session.scalars(db.select(Complaint).order_by(Complaint.id)).all()
    assert new_complaint.reopened_from_id == old_complaint.id
    assert new_complaint.number == "261123002"
    old_view = cs.get(f"/api/v1/instances/{old['id']}").json
    assert old_view["data"]["reopened"]["number"] == new_complaint.number
    new_view = cs.get(f"/api/v1/instances/{new_complaint.instance_id}").json
    assert new_view["data"]["reopened_from"] == old_complaint.number
    login(client, "cs_director")
    page = client.get("/complaints").data.decode()
    assert f"重开自 {old_complaint.number}" in page
    assert (
        f'已重开为 <a href="/instances/{new_complaint.instance_id}">{new_complaint.number}'
        in client.get(f"/instances/{old['id']}").data.decode()
    )
    assert (
        f'重开自 <a href="/instances/{old["id"]}">{old_complaint.number}'
        in client.get(f"/instances/{new_complaint.instance_id}").data.decode()
    )


def test_monthly_statistics_on_a_seeded_month(app: Flask, people: dict[str, ApiUser], client: FlaskClient) -> None:
    clock = app.extensions["clock"]
    cs = people["cs_director"]
    clock.set(datetime.fromisoformat("2026-10-12T09:00:00+08:00"))
    quick = started(cs)
    act(cs, quick["id"], "答复客户并记录满意度", REPLY)  # closed the same day: on time
    late = started(cs, category="suggestion")
    clock.set(datetime.fromisoformat("2026-10-30T09:00:00+08:00"))
    act(cs, late["id"], "评估建议价值", {"valuable": False})
    act(cs, late["id"], "答复客户并记录满意度", REPLY)  # 18 days: late for a domestic case
    clock.set(datetime.fromisoformat("2026-11-01T09:00:00+08:00"))
    output = tick(app, "2026-11-01T09:00:00+08:00")
    assert "reports: 1" in output
    assert "reports: 0" in tick(app, "2026-11-01T09:05:00+08:00")  # once
    report = db.session.scalars(db.select(ComplaintReport)).one()
    assert (report.year, report.month) == (2026, 10)
    assert report.stats["by_category"]["grievance"] == 1 and report.stats["by_category"]["suggestion"] == 1
    assert report.stats["on_time_rate"] == 0.5 and report.stats["average_days_to_close"] == 9.0
    [review] = [t for t in people["general_manager"].tasks() if t["process_key"] == "complaint_monthly_report"]
    assert review["due_at"] == "2026-11-10T18:00:00+08:00"
    login(client, "general_manager")
    page = client.get("/complaints/stats?month=2026-10").data.decode()
    assert 'id="on-time-rate">50.0%' in page and 'id="avg-days">9.0' in page
    csv = client.get("/complaints/stats.csv?month=2026-10")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.data.decode("utf-8-sig").count("\n") == 3  # header and two complaints
    assert client.get("/complaints/stats?month=2026-13").status_code == 400
    client.post("/logout")
    login_client = app.test_client()
    login(login_client, "salesperson")
    assert login_client.get("/complaints/stats").status_code == 403


def test_the_supervisor_desk_shows_cases_at_risk(app: Flask, people: dict[str, ApiUser], client: FlaskClient) -> None:
    received = "2026-11-10T09:00:00+08:00"  # a domestic case is due 2026-11-25 09:00
    case = started(people["cs_director"], category="appearance_packaging", received_at=received)
    started(people["cs_director"], category="grievance")  # due in December: not at risk
    act(people["general_manager"], case["id"], "批准转办", {"transfer_decision": "approve"})
    desk = people["general_manager"].get("/api/v1/supervision/overdue").json
    assert [(c["instance_id"], c["overdue"], c["hours_left"]) for c in desk["cases_at_risk"]] == [
        (case["id"], False, 48.0)
    ]
    assert people["finance_director"].get("/api/v1/supervision/overdue").json["cases_at_risk"] == []
    login(client, "general_manager")
    assert 'id="cases-at-risk"' in client.get("/supervision").data.decode()


def test_the_cs_director_names_a_stand_in_on_the_complaints_page(app: Flask, client: FlaskClient) -> None:
    from .conftest import csrf_token

    login(client, "cs_director")
    token = csrf_token(client.get("/complaints").data)
    bad = {"username": "nobody", "starts_at": "2026-11-23T08:00", "ends_at": "2026-11-30T18:00", "csrf_token": token}
    client.post("/complaints/stand-in", data=bad)
    assert db.session.scalar(db.select(db.func.count(RoleStandIn.id))) == 0
    good = {**bad, "username": "sales_vp"}
    assert client.post("/complaints/stand-in", data=good).status_code == 302
    [row] = db.session.scalars(db.select(RoleStandIn)).all()
    assert (row.role_key, row.user.username) == ("cs_director", "sales_vp")
    other = app.test_client()
    login(other, "finance_director")
    refused = other.post("/complaints/stand-in", data={**good, "csrf_token": csrf_token(other.get("/tasks").data)})
    assert refused.status_code == 403
