"""The credit calendar's reviews, driven by the scheduler across a quarter start and a month start
and worked through the API as the demo company's people: the quarterly refresh (第十二条), the monthly
review (第三十八–四十一条) and the quarterly summary for the general manager and the chairman (第二十九、三十条)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.extensions import db
from app.models import AuditEvent, CreditReview, Customer, ProcessInstance, ProcessVersion, TaskEscalation
from app.services.modeling.deployment import deploy_diagram

from .conftest import PASSWORD, login
from .support import ApiUser
from .test_escalation import tick

CHAIN = ("sales_manager", "sales_vp", "finance_director", "general_manager")
NAMES = ("salesperson", "salesperson2", *CHAIN, "credit_controller", "chairman")
INVESTIGATION = {
    "months_of_cooperation": 24,
    "avg_monthly_shipment": 100000.0,
    "avg_monthly_collection": 80000.0,
    "bad_record_24m": False,
    "lawful": True,
    "good_operation_2y": True,
    "strong_capital": True,
    "meets_annual_target": True,
    "key_data_complete": True,
    "c_conditions": [],
    "collateral_value": 0.0,
}
# A stand-in for the limit adjustment another part of the product provides: one approval step.
ADJUSTMENT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:collaboration id="c">
    <bpmn:participant id="p" name="额度调整 Limit adjustment" processRef="credit_limit_adjustment" />
  </bpmn:collaboration>
  <bpmn:process id="credit_limit_adjustment" name="额度调整 Limit adjustment" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="sales_vp"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>t</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s" /><bpmn:userTask id="t" name="审批额度调整" /><bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" /><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def people(app: Flask, client: FlaskClient) -> dict[str, ApiUser]:
    app.extensions["clock"].set(datetime.fromisoformat("2026-09-15T10:00:00+08:00"))
    return {name: ApiUser(client, name, PASSWORD) for name in NAMES}


def grant(people: dict[str, ApiUser], code: str, filer: str = "salesperson", **overrides: Any) -> None:
    started = people[filer].start_credit(customer_code=code, customer_name=f"客户{code}", **overrides)
    assert started.status_code == 201, started.json
    for name in CHAIN:
        [task] = [t for t in people[name].tasks() if t["business_key"] == code]
        done = people[name].decide(task["id"], "approve", "同意")
        assert done.status_code == 200, done.json


def deploy_adjustment() -> None:
    deploy_diagram("credit_limit_adjustment.bpmn", ADJUSTMENT, {}, None)
    db.session.commit()


def without_adjustment() -> None:
    """A company that has not deployed the limit adjustment (or took it away)."""
    db.session.execute(db.delete(ProcessVersion).where(ProcessVersion.process_key == "credit_limit_adjustment"))
    db.session.commit()


def tasks_of(user: ApiUser, process: str) -> list[dict[str, Any]]:
    return [t for t in user.tasks() if t["process_key"] == process]


def complete(user: ApiUser, task: dict[str, Any], data: dict[str, Any]) -> Any:
    return user.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data})


def reviews(kind: str, code: str) -> list[CreditReview]:
    db.session.expire_all()
    return list(
        db.session.scalars(db.select(CreditReview).where(CreditReview.kind == kind, CreditReview.subject == code))
    )


def count(kind: str) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(CreditReview).where(CreditReview.kind == kind))


# 1. The quarterly refresh (第十二条)


def test_quarter_start_gives_each_salesperson_their_customers_reviews_due_in_ten_working_days(
    app: Flask, people: dict[str, ApiUser], client: FlaskClient
) -> None:
    grant(people, "Q001")
    grant(people, "Q002", filer="salesperson2")
    tick(app, "2026-10-01T09:00:00+08:00")  # National Day: no working day yet
    assert tasks_of(people["salesperson"], "credit_quarterly_review") == []
    tick(app, "2026-10-08T09:00:00+08:00")
    tick(app, "2026-10-08T09:05:00+08:00")  # a second pass starts nothing again
    [mine] = tasks_of(people["salesperson"], "credit_quarterly_review")
    [theirs] = tasks_of(people["salesperson2"], "credit_quarterly_review")
    assert "客户Q001" in mine["title"] and "客户Q002" in theirs["title"]
    # Ten working days from 8 October: the make-up Saturday 10 October counts, so 21 October.
    assert mine["due_at"] == "2026-10-21T18:00:00+08:00"
    assert len(reviews("quarterly", "Q001")) == 1 and count("quarterly") == 3  # two customers, one company mark
    # A customer granted credit after the quarter's pass waits for the next quarter.
    grant(people, "Q010")
    tick(app, "2026-10-08T11:00:00+08:00")
    assert reviews("quarterly", "Q010") == [] and len(tasks_of(people["salesperson"], "credit_quarterly_review")) == 1
    # The investigation comes back prefilled from the granted application.
    login(client, "salesperson")
    page = client.get(f"/tasks/{mine['id']}").data.decode()
    assert 'name="avg_monthly_collection"' in page and 'value="80000' in page
    # Left lying past its deadline, it is escalated to the salesperson's supervisor like any task.
    tick(app, "2026-10-22T09:00:00+08:00")
    [escalation] = db.session.scalars(db.select(TaskEscalation).where(TaskEscalation.task_id == mine["id"])).all()
    assert escalation.escalated_to.username == "sales_manager" and escalation.level == 1


def test_a_confirmed_investigation_that_still_bears_the_limit_is_filed_as_reviewed_unchanged(
    app: Flask, people: dict[str, ApiUser]
) -> None:
    grant(people, "Q003")
    tick(app, "2026-10-08T09:00:00+08:00")
    [task] = tasks_of(people["salesperson"], "credit_quarterly_review")
    refused = complete(people["salesperson"], task, {**INVESTIGATION, "review_confirmed": False})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["review_confirmed"]
    done = complete(people["salesperson"], task, {**INVESTIGATION, "review_confirmed": True, "comment": "无变化"})
    assert done.status_code == 200, done.json
    [review] = reviews("quarterly", "Q003")
    assert review.outcome == "unchanged" and review.grade == "A" and review.finished_at is not None
    assert review.details["investigation"]["avg_monthly_collection"] == 80000.0
    assert review.details["reviewed_by"] == "salesperson"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "credit_review")).one()
    assert event.subject == "customer:Q003" and event.actor.username == "salesperson"


def test_a_lower_cap_starts_the_adjustment_or_leaves_an_incident_while_it_is_not_deployed(
    app: Flask, people: dict[str, ApiUser]
) -> None:
    grant(people, "Q004")  # 80,000 granted
    without_adjustment()
    tick(app, "2026-10-08T09:00:00+08:00")
    [task] = tasks_of(people["salesperson"], "credit_quarterly_review")
    lower = {**INVESTIGATION, "avg_monthly_collection": 50000.0, "review_confirmed": True}
    done = complete(people["salesperson"], task, lower)
    assert done.status_code == 200, done.json  # the salesperson's work is kept either way
    [review] = reviews("quarterly", "Q004")
    assert review.outcome == "adjustment_not_started" and "credit_limit_adjustment" in review.note
    instance = db.session.get(ProcessInstance, review.instance_id)
    assert instance.error and instance.status == "running"  # an incident for the process owner
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    assert review.instance_id in [i["instance_id"] for i in owner.get("/api/v1/incidents").json["incidents"]]
    deploy_adjustment()
    tick(app, "2026-10-09T18:05:00+08:00")  # the next working day's retry
    [review] = reviews("quarterly", "Q004")
    assert review.outcome == "adjustment_started" and review.finished_at is not None
    adjustment = db.session.get(ProcessInstance, review.adjustment_instance_id)
    assert adjustment.process_key == "credit_limit_adjustment"
    assert {k: adjustment.data[k] for k in ("customer_code", "current_limit", "proposed_limit")} == {
        "customer_code": "Q004",
        "current_limit": 80000.0,
        "proposed_limit": 50000.0,
    }
    assert "第十二条" in adjustment.data["reason"]
    assert db.session.get(ProcessInstance, review.instance_id).error is None


# 2. The monthly review (第三十八–四十一条)


def test_month_start_reports_sheet_and_evaluations_reach_the_right_people(
    app: Flask, people: dict[str, ApiUser], client: FlaskClient
) -> None:
    grant(people, "M001")
    grant(people, "M002", filer="salesperson2")
    app.extensions["clock"].set(datetime.fromisoformat("2026-10-31T10:00:00+08:00"))
    body = {"balance": 90000, "overdue": 5000, "as_of": "2026-10-31"}
    assert people["credit_controller"].put("/api/v1/customers/M001/receivables", body).status_code == 200
    tick(app, "2026-11-01T09:00:00+08:00")  # a Sunday
    assert tasks_of(people["credit_controller"], "credit_monthly_review") == []
    tick(app, "2026-11-02T09:00:00+08:00")
    tick(app, "2026-11-02T09:10:00+08:00")
    assert count("monthly") == 1
    [report] = tasks_of(people["salesperson"], "credit_monthly_review")
    [report2] = tasks_of(people["salesperson2"], "credit_monthly_review")
    [sheet] = tasks_of(people["credit_controller"], "credit_monthly_review")
    assert "M001" in report["title"] and "M002" in report2["title"]
    assert sheet["due_at"] == "2026-11-09T18:00:00+08:00"  # five working days
    assert tasks_of(people["sales_manager"], "credit_monthly_review") == []
    # The sheet, from finance's records: limit, balance, overdue, use, over the limit, age of the record.
    review = db.session.scalars(db.select(CreditReview).where(CreditReview.kind == "monthly")).one()
    row = next(r for r in review.details["sheet"] if r["code"] == "M001")
    assert (row["limit"], row["balance"], row["overdue"], row["over_limit"], row["age_days"]) == (
        80000.0,
        90000.0,
        5000.0,
        True,
        2,
    )
    assert row["use_percent"] == 112.5
    login(client, "credit_controller")
    sheet_file = client.get(f"/customers/reviews/{review.id}/sheet.xlsx")
    assert sheet_file.status_code == 200
    cells = [[c for c in r] for r in load_workbook(io.BytesIO(sheet_file.data)).active.iter_rows(values_only=True)]
    assert cells[0][0] == "编码" and any(r[0] == "M001" and r[8] == "是" for r in cells[1:])
    pdf = client.get(f"/customers/reviews/{review.id}/sheet.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    nosy = app.test_client()
    login(nosy, "salesperson")
    assert nosy.get(f"/customers/reviews/{review.id}/sheet.xlsx").status_code == 403
    # The writers vouch; the controller confirms (the monthly audit).
    refused = complete(people["salesperson"], report, {"business_report": "经营正常", "vouched": False})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["vouched"]
    assert (
        complete(people["salesperson"], report, {"business_report": "经营正常，回款及时", "vouched": True}).status_code
        == 200
    )
    assert (
        complete(people["salesperson2"], report2, {"business_report": "销量下滑", "vouched": True}).status_code == 200
    )
    # Each salesperson reports on their own customers: another's report stays out of their sight.
    other = app.test_client()
    login(other, "salesperson2")
    own_page = other.get(f"/tasks/{report2['id']}").get_data(as_text=True)
    assert "销量下滑" in own_page and "经营正常，回款及时" not in own_page
    assert other.get(f"/instances/{report2['instance_id']}").status_code == 403
    controller = app.test_client()
    login(controller, "credit_controller")
    whole = controller.get(f"/instances/{report2['instance_id']}").get_data(as_text=True)
    assert "销量下滑" in whole and "经营正常，回款及时" in whole
    confirmed = {"sheet_confirmed": True, "corrections": "M002 逾期应为 0", "audit_findings": "执行正常"}
    assert complete(people["credit_controller"], sheet, confirmed).status_code == 200
    evaluations = tasks_of(people["sales_manager"], "credit_monthly_review")
    assert sorted(t["title"].split(" · ")[1].split()[0] for t in evaluations) == ["M001", "M002"]
    first = next(t for t in evaluations if "M001" in t["title"])
    second = next(t for t in evaluations if "M002" in t["title"])
    higher = complete(people["sales_manager"], second, {"evaluation": "调整", "proposed_limit": 90000})
    assert higher.status_code == 422 and list(higher.json["errors"]) == ["proposed_limit"]
    assert "第四十二条" in higher.json["errors"]["proposed_limit"][0]
    deploy_adjustment()
    assert complete(people["sales_manager"], first, {"evaluation": "正常，维持"}).status_code == 200
    lower = complete(people["sales_manager"], second, {"evaluation": "销量下滑，压缩额度", "proposed_limit": 40000})
    assert lower.status_code == 200, lower.json
    [m1], [m2] = reviews("monthly", "M001"), reviews("monthly", "M002")
    assert m1.outcome == "evaluated" and m1.details["report"] == "经营正常，回款及时"
    assert m1.details["evaluated_by"] == "sales_manager" and m1.details["reported_by"] == "salesperson"
    assert m2.outcome == "adjustment_started" and float(m2.proposed_limit) == 40000.0
    adjustment = db.session.get(ProcessInstance, m2.adjustment_instance_id)
    assert adjustment.data["proposed_limit"] == 40000.0 and adjustment.data["customer_code"] == "M002"
    db.session.expire_all()
    review = db.session.get(CreditReview, review.id)
    assert review.finished_at is not None and review.details["audit"]["by"] == "credit_controller"


# 6. The quarterly summary (第二十九、三十条)


def test_after_the_quarters_reviews_the_summary_goes_to_the_general_manager_then_the_chairman(
    app: Flask, people: dict[str, ApiUser], client: FlaskClient
) -> None:
    grant(people, "S001")
    body = {"balance": 30000, "overdue": 0, "as_of": "2026-09-14"}
    assert people["credit_controller"].put("/api/v1/customers/S009/receivables", body).status_code == 200
    tick(app, "2026-10-08T09:00:00+08:00")
    assert tasks_of(people["general_manager"], "credit_quarterly_summary") == []  # the review is still open
    [task] = tasks_of(people["salesperson"], "credit_quarterly_review")
    assert complete(people["salesperson"], task, {**INVESTIGATION, "review_confirmed": True}).status_code == 200
    tick(app, "2026-10-08T10:00:00+08:00")
    tick(app, "2026-10-08T10:05:00+08:00")
    [gm_task] = tasks_of(people["general_manager"], "credit_quarterly_summary")
    review = db.session.scalars(db.select(CreditReview).where(CreditReview.kind == "summary")).one()
    # Every customer with a limit or a balance: the credit customer and the one owing without a limit.
    assert [r["code"] for r in review.details["rows"]] == ["S001", "S009"]
    assert review.details["rows"][0]["valid_until"] and review.details["rows"][0]["grade"] == "A"
    assert people["general_manager"].decide(gm_task["id"], "approve", "同意").status_code == 200
    [chair_task] = tasks_of(people["chairman"], "credit_quarterly_summary")
    login(client, "chairman")
    assert client.get(f"/customers/summaries/{review.id}/summary.pdf").data.startswith(b"%PDF")
    sheet = load_workbook(io.BytesIO(client.get(f"/customers/summaries/{review.id}/summary.xlsx").data)).active
    assert [c.value for c in sheet[1]][:3] == ["编码", "客户", "信用等级"]
    assert people["chairman"].decide(chair_task["id"], "approve", "同意").status_code == 200
    db.session.expire_all()
    review = db.session.get(CreditReview, review.id)
    assert review.outcome == "approved"
    assert [o["by"] for o in review.details["opinions"]] == ["general_manager", "chairman"]
    assert db.session.scalars(db.select(Customer).where(Customer.code == "S009")).one().credit_limit is None
