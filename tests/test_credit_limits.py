"""The credit file after the grant, through the API as the demo company's people and the scheduler's
`tick --at`: lowering a limit (第四十一–四十二条), over-limit cases (第三十二–三十四条), one-off
allowances beyond the limit (第三十二条), and the contract year's renewal and expiry (第三十六条)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Customer, LimitAdjustment, ProcessInstance

from .conftest import PASSWORD
from .support import ApiUser

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
