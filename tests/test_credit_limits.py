"""The credit file after the grant, through the API as the demo company's people and the scheduler's
`tick --at`: lowering a limit (第四十一–四十二条), over-limit cases (第三十二–三十四条), one-off
allowances beyond the limit (第三十二条), and the contract year's renewal and expiry (第三十六条)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, CreditDecision, Customer, LimitAdjustment, OverLimitCase, ProcessInstance
from app.services.credit import review_calendar

from .conftest import PASSWORD
from .support import ApiUser


@pytest.fixture(autouse=True)
def _no_periodic_reviews(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests cross month starts; the monthly and quarterly reviews (tested in test_credit_reviews)
    would put their own tasks in the same inboxes."""
    monkeypatch.setattr(review_calendar, "start_due_reviews", lambda *args, **kwargs: 0)


CHAIN = ("sales_manager", "sales_vp", "finance_director", "general_manager")
NAMES = ("salesperson", "salesperson2", *CHAIN, "credit_controller", "chairman")


@pytest.fixture
def people(client: FlaskClient) -> dict[str, ApiUser]:
    return {name: ApiUser(client, name, PASSWORD) for name in NAMES}


def approve(user: ApiUser, comment: str = "同意", **extra: Any) -> Any:
    return user.decide(user.only_task()["id"], "approve", comment, **extra)


def grant(people: dict[str, ApiUser], code: str, limit: float) -> None:
    started = people["salesperson"].start_credit(customer_code=code, requested_limit=limit)
    assert started.status_code == 201, started.json
    for name in CHAIN:
        assert approve(people[name]).status_code == 200


def record(people: dict[str, ApiUser], code: str, balance: float, as_of: str) -> Any:
    body = {"balance": balance, "overdue": 0, "as_of": as_of}
    response = people["credit_controller"].put(f"/api/v1/customers/{code}/receivables", body)
    assert response.status_code == 200, response.json
    return response


def tick(app: Flask, at: str) -> str:
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", at])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def file_of(code: str) -> Customer:
    db.session.expire_all()
    return db.session.scalars(db.select(Customer).where(Customer.code == code)).one()


# 3. Lowering a limit


def propose(people: dict[str, ApiUser], code: str, limit: float, reason: str = "回款放缓") -> Any:
    data = {"customer_code": code, "proposed_limit": limit, "reason": reason}
    return people["sales_manager"].post("/api/v1/processes/credit_limit_adjustment/instances", {"data": data})


def test_a_lower_limit_climbs_to_the_chairman_and_lands_in_the_file(people) -> None:
    grant(people, "AD1", 60000.0)
    started = propose(people, "AD1", 40000.0)
    assert started.status_code == 201, started.json
    for name, title in (("sales_vp", "营销副总审批"), ("general_manager", "总经理审批"), ("chairman", "董事长审批")):
        task = people[name].only_task()
        assert task["name"] == title and task["business_key"] == "AD1"
        assert file_of("AD1").credit_limit == 60000
        assert approve(people[name], f"{name} 同意").status_code == 200
    assert file_of("AD1").credit_limit == 40000
    adjustment = db.session.scalars(db.select(LimitAdjustment)).one()
    assert (adjustment.previous_limit, adjustment.new_limit, adjustment.reason) == (60000, 40000, "回款放缓")
    assert [a["comment"] for a in adjustment.approvals] == ["sales_vp 同意", "general_manager 同意", "chairman 同意"]
    shown = people["finance_director"].get("/api/v1/customers/AD1").json
    assert shown["limit"] == 40000.0


def test_the_adjustment_refuses_a_limit_that_is_not_lower_naming_the_field_and_the_article(people) -> None:
    grant(people, "AD2", 50000.0)
    before = db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance))
    for limit in (50000.0, 70000.0):
        refused = propose(people, "AD2", limit)
        assert refused.status_code == 422
        assert list(refused.json["errors"]) == ["proposed_limit"]
        assert "第四十二条" in refused.json["errors"]["proposed_limit"][0]
    english = people["sales_manager"].client.post(
        "/api/v1/processes/credit_limit_adjustment/instances",
        json={"data": {"customer_code": "AD2", "proposed_limit": 90000.0, "reason": "x"}},
        headers={**people["sales_manager"].headers, "Accept-Language": "en"},
    )
    assert english.status_code == 422 and "art" in english.json["errors"]["proposed_limit"][0].lower()
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == before
    assert file_of("AD2").credit_limit == 50000


def test_only_the_sales_manager_proposes_and_a_rejection_leaves_the_limit(people) -> None:
    grant(people, "AD3", 50000.0)
    data = {"customer_code": "AD3", "proposed_limit": 10000.0, "reason": "x"}
    refused = people["salesperson"].post("/api/v1/processes/credit_limit_adjustment/instances", {"data": data})
    assert refused.status_code == 403
    assert propose(people, "AD3", 30000.0).status_code == 201
    assert propose(people, "AD3", 20000.0).status_code == 409  # one open adjustment per customer
    vp = people["sales_vp"]
    assert vp.decide(vp.only_task()["id"], "reject", "暂不调整").status_code == 200
    assert file_of("AD3").credit_limit == 50000
    assert people["general_manager"].tasks() == []


def test_another_process_starts_an_adjustment_with_its_variables(app: Flask, people) -> None:
    from app.services.credit import adjustments

    grant(people, "AD4", 50000.0)
    instance = adjustments.start_from_process("AD4", 35000.0, "季度复评等级下降", current_limit=50000.0)
    db.session.commit()
    assert instance.data["proposed_limit"] == 35000.0 and instance.data["current_limit"] == 50000.0
    assert people["sales_vp"].only_task()["business_key"] == "AD4"
    with pytest.raises(Exception) as refused:
        adjustments.start_from_process("AD4", 60000.0, "x")
    db.session.rollback()
    assert "proposed_limit" in str(refused.value.errors)


def test_the_sales_manager_opens_the_adjustment_from_the_credit_file(client: FlaskClient, people) -> None:
    from .conftest import login

    grant(people, "AD5", 45000.0)
    login(client, "sales_manager")
    page = client.get("/customers/AD5").get_data(as_text=True)
    assert "/processes/credit_limit_adjustment/start?customer_code=AD5" in page
    start = client.get("/processes/credit_limit_adjustment/start?customer_code=AD5").get_data(as_text=True)
    assert 'value="AD5"' in start and "45000.00" in start


# 4. Over the limit


def case_row(code: str) -> OverLimitCase:
    db.session.expire_all()
    customer = file_of(code)
    return db.session.scalars(db.select(OverLimitCase).where(OverLimitCase.customer_id == customer.id)).one()


def test_a_record_over_the_limit_opens_a_case_and_a_later_one_within_closes_it(people) -> None:
    grant(people, "OL1", 60000.0)
    record(people, "OL1", 70000.0, "2026-11-20")
    task = people["salesperson"].only_task()
    # Opened on Monday 09:00: the plan is due at the end of the second working day.
    assert (task["name"], task["business_key"], task["due_at"]) == ("制定压降计划", "OL1", "2026-11-25T18:00:00+08:00")
    assert people["salesperson2"].tasks() == []
    record(people, "OL1", 65000.0, "2026-11-21")  # still over: the same case goes on
    assert people["salesperson"].only_task()["id"] == task["id"]
    record(people, "OL1", 50000.0, "2026-11-22")
    assert people["salesperson"].tasks() == []
    case = case_row("OL1")
    assert case.closed_at is not None and case.closing_balance == 50000 and case.kind == "over_limit"
    assert db.session.get(ProcessInstance, case.instance_id).status == "completed"


def plan(people: dict[str, ApiUser], target: str) -> None:
    salesperson = people["salesperson"]
    data = {"measures": "暂停发货，每周催收", "target_date": target}
    response = salesperson.post(f"/api/v1/tasks/{salesperson.only_task()['id']}/complete", {"data": data})
    assert response.status_code == 200, response.json
    assert approve(people["sales_manager"]).status_code == 200
    controller = people["credit_controller"]
    seen = controller.post(f"/api/v1/tasks/{controller.only_task()['id']}/complete", {"data": {"seen": True}})
    assert seen.status_code == 200, seen.json


def test_the_plan_falls_due_on_its_target_date_and_escalates_after_it(app: Flask, people) -> None:
    grant(people, "OL2", 60000.0)
    record(people, "OL2", 80000.0, "2026-11-20")
    salesperson = people["salesperson"]
    past = salesperson.post(
        f"/api/v1/tasks/{salesperson.only_task()['id']}/complete",
        {"data": {"measures": "催收", "target_date": "2026-11-20"}},
    )
    assert past.status_code == 422 and list(past.json["errors"]) == ["target_date"]
    plan(people, "2026-11-27")
    follow_up = salesperson.only_task()
    assert follow_up["due_at"] == "2026-11-27T18:00:00+08:00"
    assert case_row("OL2").target_date.isoformat() == "2026-11-27"
    tick(app, "2026-11-27T17:00:00+08:00")
    assert people["sales_manager"].tasks() == [] and case_row("OL2").target_passed_at is None
    tick(app, "2026-11-28T09:00:00+08:00")
    urge = people["sales_manager"].only_task()
    assert urge["process_key"] == "overdue_escalation" and "OL2" in urge["title"]
    assert case_row("OL2").target_passed_at is not None
    tick(app, "2026-11-28T09:05:00+08:00")  # the daily check runs once
    passed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "over_limit_target_passed")).all()
    assert len(passed) == 1
    record(people, "OL2", 60000.0, "2026-11-27")  # back within: the case and its escalation close
    assert salesperson.tasks() == [] and people["sales_manager"].tasks() == []
    assert case_row("OL2").closed_at is not None


def test_without_a_limit_a_balance_may_only_go_down(people) -> None:
    record(people, "NL1", 30000.0, "2026-10-31")  # the first record: nothing to compare with
    record(people, "NL1", 20000.0, "2026-11-10")
    assert people["salesperson"].tasks() == [] and people["sales_manager"].tasks() == []
    record(people, "NL1", 25000.0, "2026-11-20")
    case = case_row("NL1")
    assert (case.kind, case.ceiling, case.balance) == ("no_limit_rise", 20000, 25000)
    # Nobody is responsible for this file yet: the salesperson role's queue holds the plan.
    assert people["salesperson2"].tasks(scope="queue")[0]["business_key"] == "NL1"
    record(people, "NL1", 20000.0, "2026-11-21")
    assert case_row("NL1").closed_at is not None


# 5. The contract year


def ends_on(code: str, day: str) -> None:
    """The grant made today ends on `day` (the tests' calendar years are the ones the library knows)."""
    from datetime import date

    customer = file_of(code)
    grant_row = db.session.scalars(db.select(CreditDecision).where(CreditDecision.customer_id == customer.id)).one()
    grant_row.valid_until = date.fromisoformat(day)
    db.session.commit()


def test_a_month_before_the_end_the_salesperson_renews_or_ends(app: Flask, people) -> None:
    grant(people, "RN1", 40000.0)
    ends_on("RN1", "2026-12-31")
    record(people, "RN1", 0.0, "2026-11-23")  # cleared to zero within the contract year
    tick(app, "2026-11-29T09:00:00+08:00")
    assert people["salesperson"].tasks() == []
    tick(app, "2026-11-30T09:00:00+08:00")  # Monday, one month before 31 December
    task = people["salesperson"].only_task()
    # Ten working days from Monday 30 November: Monday 14 December at the end of the day.
    assert (task["process_key"], task["due_at"]) == ("credit_renewal", "2026-12-14T18:00:00+08:00")
    tick(app, "2026-12-01T09:00:00+08:00")
    assert len(people["salesperson"].tasks()) == 1  # once per grant
    instance = people["salesperson"].get(f"/api/v1/instances/{task['instance_id']}").json
    assert instance["data"]["balance_cleared_once"] is True
    done = people["salesperson"].post(f"/api/v1/tasks/{task['id']}/complete", {"data": {"renewal": "renew"}})
    assert done.status_code == 200, done.json
    after = people["salesperson"].get(f"/api/v1/instances/{task['instance_id']}").json["data"]
    assert after["renewal_recorded"]["application_url"] == "/processes/credit_application/start?customer_code=RN1"
    from .conftest import login

    browser = app.test_client()
    login(browser, "salesperson")
    page = browser.get("/customers/RN1").get_data(as_text=True)
    assert 'id="file-renewal"' in page and "/processes/credit_application/start?customer_code=RN1" in page


def test_the_renewal_opens_an_application_prefilled_from_the_file(app: Flask, people) -> None:
    from .conftest import login

    grant(people, "RN2", 40000.0)
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "salesperson")
    page = mine.get("/processes/credit_application/start?customer_code=RN2").get_data(as_text=True)
    assert 'value="RN2"' in page and 'value="24"' in page  # months of cooperation, from the last application
    login(theirs, "salesperson2")
    other = theirs.get("/processes/credit_application/start?customer_code=RN2").get_data(as_text=True)
    assert 'value="RN2"' not in other


def test_at_its_end_an_unrenewed_grant_expires_to_zero_and_is_audited(app: Flask, people) -> None:
    grant(people, "EX1", 40000.0)
    ends_on("EX1", "2026-12-20")
    tick(app, "2026-12-20T23:00:00+08:00")
    assert file_of("EX1").credit_limit == 40000
    assert "credit checks: 1" in tick(app, "2026-12-21T00:30:00+08:00")
    assert file_of("EX1").credit_limit == 0
    expired = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "credit_expired")).all()
    assert [(e.subject, e.details["valid_until"]) for e in expired] == [("customer:EX1", "2026-12-20")]
    tick(app, "2026-12-22T09:00:00+08:00")
    assert db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "credit_expired")) == 1
    shown = people["finance_director"].get("/api/v1/customers/EX1").json
    assert shown["limit"] == 0.0
    from .conftest import login

    browser = app.test_client()
    login(browser, "finance_director")
    page = browser.get("/customers/EX1").get_data(as_text=True)
    assert "已于 2026-12-20 到期，信用额度为 0" in page


# 4b. One-off allowance beyond the limit (第三十二条)


def ask_allowance(people: dict[str, ApiUser], code: str, amount: float, until: str) -> Any:
    data = {"customer_code": code, "amount": amount, "reason": "年底备货", "valid_until": until}
    return people["salesperson"].post("/api/v1/processes/credit_one_off_allowance/instances", {"data": data})


def test_a_one_off_allowance_is_checked_approved_shown_and_counted_while_it_lasts(app: Flask, people) -> None:
    from app.services.credit.ledger import totals

    grant(people, "AW1", 50000.0)
    assert ask_allowance(people, "AW1", 20000.0, "2026-12-10").status_code == 201
    for name in ("sales_manager", "credit_controller", "finance_director", "general_manager"):
        task = people[name].only_task()
        assert task["business_key"] == "AW1"
        assert approve(people[name]).status_code == 200
    assert totals().granted == 70000
    record(people, "AW1", 65000.0, "2026-11-23")  # above the limit, within the allowance: no case
    assert people["salesperson"].tasks() == []
    from .conftest import login

    reader = app.test_client()
    login(reader, "salesperson")
    page = reader.get("/customers/AW1").get_data(as_text=True)
    assert 'class="allowance"' in page and "2026-12-10" in page
    record(people, "AW1", 75000.0, "2026-11-23")
    assert case_row("AW1").ceiling == 70000
    tick(app, "2026-12-11T09:00:00+08:00")  # past its date the allowance no longer counts
    assert totals().granted == 50000


def test_an_allowance_beyond_the_total_cap_is_refused_at_the_last_approval(app: Flask, people) -> None:
    grant(people, "AW2", 50000.0)
    app.config["CREDIT_TOTAL_CAP"] = 60000
    assert ask_allowance(people, "AW2", 20000.0, "2026-12-10").status_code == 201
    for name in ("sales_manager", "credit_controller", "finance_director"):
        assert approve(people[name]).status_code == 200
    refused = approve(people["general_manager"])
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["amount"]
    assert "第二十四条" in refused.json["errors"]["amount"][0]
    assert ask_allowance(people, "NOFILE", 1000.0, "2026-12-10").status_code == 422
    assert (
        people["salesperson2"]
        .post(
            "/api/v1/processes/credit_one_off_allowance/instances",
            {"data": {"customer_code": "AW2", "amount": 1.0, "reason": "x", "valid_until": "2026-12-10"}},
        )
        .status_code
        == 403
    )


def test_a_case_opened_on_a_friday_is_due_after_the_weekend(app: Flask, people) -> None:
    grant(people, "OL3", 60000.0)
    app.extensions["clock"].set(app.extensions["clock"].now().replace(day=27, hour=10))  # Friday 27 November
    record(people, "OL3", 70000.0, "2026-11-27")
    assert people["salesperson"].only_task()["due_at"] == "2026-12-01T18:00:00+08:00"  # Tuesday


def test_a_case_opened_before_national_day_is_due_after_the_holiday(app: Flask, people) -> None:
    from datetime import datetime

    from .conftest import SHANGHAI

    app.extensions["clock"].set(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))  # the eve of the 1–7 October holiday
    grant(people, "OL4", 60000.0)
    record(people, "OL4", 70000.0, "2026-09-30")
    # 8 and 9 October are the first two working days after it.
    assert people["salesperson"].only_task()["due_at"] == "2026-10-09T18:00:00+08:00"
