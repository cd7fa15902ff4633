"""The credit policy enforced on every decision, through the API as the demo company's people.

The chain (第二十六、二十七条), limits that only go down (第二十六条 2, 第四十二条), facts from finance's
receivables records (第三十五条), one open application per customer, re-approval of a changed
application, and who may file for and see a customer (客户归属). Each refusal changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, CreditDecision, Customer, HumanTask, ProcessInstance, ReceivablesRecord

from .conftest import PASSWORD, login
from .support import ApiUser

CHAIN = ("sales_manager", "sales_vp", "finance_director", "general_manager")


@pytest.fixture
def people(client: FlaskClient) -> dict[str, ApiUser]:
    names = ("salesperson", "salesperson2", *CHAIN, "credit_controller", "cs_director")
    return {name: ApiUser(client, name, PASSWORD) for name in names}


def counts() -> dict[str, int]:
    """Rows a refusal must not add (reading a credit file is recorded, so reads are left out)."""
    models = (ProcessInstance, HumanTask, CreditDecision, Customer, ReceivablesRecord)
    found = {m.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in models}
    changes = db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action != "read_credit_file")
    return {**found, "audit_events": db.session.scalar(changes)}


def task_of(user: ApiUser) -> dict[str, Any]:
    return user.only_task()


def approve(user: ApiUser, comment: str = "同意", **extra: Any) -> Any:
    return user.decide(task_of(user)["id"], "approve", comment, **extra)


def grant(people: dict[str, ApiUser], code: str, limit: float, **overrides: Any) -> dict[str, Any]:
    """File and approve all the way; returns the instance as the filer sees it."""
    started = people["salesperson"].start_credit(customer_code=code, requested_limit=limit, **overrides)
    assert started.status_code == 201, started.json
    for name in CHAIN:
        response = approve(people[name])
        assert response.status_code == 200, response.json
    return people["salesperson"].get(f"/api/v1/instances/{started.json['id']}").json


def settle(people: dict[str, ApiUser], code: str, balance: float = 0, as_of: str = "2026-11-20") -> Any:
    body = {"balance": balance, "overdue": 0, "as_of": as_of}
    return people["credit_controller"].put(f"/api/v1/customers/{code}/receivables", body)


# 1. The chain the policy names


def test_the_sales_vp_approves_between_the_sales_manager_and_the_finance_director(people) -> None:
    people["salesperson"].start_credit(customer_code="CH1")
    assert approve(people["sales_manager"]).status_code == 200
    assert people["finance_director"].tasks() == []
    vp_task = task_of(people["sales_vp"])
    assert (vp_task["role"], vp_task["name"]) == ("sales_vp", "营销副总审批")
    assert approve(people["sales_vp"]).status_code == 200
    assert task_of(people["finance_director"])["role"] == "finance_director"


def test_the_sales_manager_may_confirm_the_grade_or_lower_never_raise_it(people) -> None:
    # Grade B (not lawful), with collateral: confirming A is refused, nothing changes.
    people["salesperson"].start_credit(customer_code="GR1", lawful=False, collateral_value=50000.0)
    before = counts()
    refused = approve(people["sales_manager"], confirmed_grade="A")
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["confirmed_grade"]
    assert counts() == before
    assert approve(people["sales_manager"], confirmed_grade="B").status_code == 200
    assert task_of(people["sales_vp"])


def test_confirming_c_ends_the_application_rejected_with_the_policy_reason(people) -> None:
    started = people["salesperson"].start_credit(customer_code="GR2")
    assert approve(people["sales_manager"], confirmed_grade="C").status_code == 200
    instance = people["salesperson"].get(f"/api/v1/instances/{started.json['id']}").json
    assert instance["status"] == "completed"
    assert instance["data"]["decision"] == "reject" and "第二十八条" in instance["data"]["rejection_reason"]
    assert people["sales_vp"].tasks() == []


def test_a_lower_grade_reapplies_the_caps_at_once(people) -> None:
    # A without collateral: confirmed as B, the B rule needs collateral (第二十七条) and rejects.
    started = people["salesperson"].start_credit(customer_code="GR3")
    assert approve(people["sales_manager"], confirmed_grade="B").status_code == 200
    data = people["salesperson"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert (data["grade"], data["decision"]) == ("B", "reject") and "抵押" in data["rejection_reason"]
    # With collateral of 30,000 the B cap is the collateral: the proposed 80,000 comes down to it.
    started = people["salesperson"].start_credit(customer_code="GR4", collateral_value=30000.0)
    assert approve(people["sales_manager"], confirmed_grade="B").status_code == 200
    data = people["salesperson"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert (data["grade"], data["limit_cap"], data["approved_limit"], data["term_cap_days"]) == (
        "B",
        30000.0,
        30000.0,
        15,
    )


def test_every_approver_may_reject_with_a_reason(people) -> None:
    started = people["salesperson"].start_credit(customer_code="RJ1")
    assert approve(people["sales_manager"]).status_code == 200
    vp = people["sales_vp"]
    assert vp.decide(task_of(vp)["id"], "reject", "").status_code == 422
    assert vp.decide(task_of(vp)["id"], "reject", "风险过高").status_code == 200
    data = people["salesperson"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert (data["decision"], data["rejection_reason"]) == ("reject", "风险过高")


# 2. Limits only go down


def test_a_later_approver_may_not_raise_what_an_earlier_one_cut(people) -> None:
    started = people["salesperson"].start_credit(customer_code="DN1", requested_limit=80000.0)
    assert approve(people["sales_manager"], approved_limit=50000.0).status_code == 200
    before = counts()
    raised = approve(people["sales_vp"], approved_limit=70000.0)
    assert raised.status_code == 422
    assert (
        list(raised.json["errors"]) == ["approved_limit"] and "50,000.00" in raised.json["errors"]["approved_limit"][0]
    )
    assert counts() == before
    assert approve(people["sales_vp"], approved_limit=40000.0).status_code == 200
    assert approve(people["finance_director"]).status_code == 200  # blank keeps 40,000
    assert approve(people["general_manager"], approved_limit=40000.01).status_code == 422
    assert approve(people["general_manager"], approved_limit=35000.0).status_code == 200
    data = people["salesperson"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert data["approved_limit"] == 35000.0
    assert people["finance_director"].get("/api/v1/customers/DN1").json["limit"] == 35000.0


def test_a_customer_holding_a_limit_never_gets_more_on_a_new_application(people) -> None:
    grant(people, "DN2", 70000.0)
    assert settle(people, "DN2").status_code == 200
    again = grant(people, "DN2", 80000.0)
    assert again["data"]["limit_cap"] == 70000.0 and again["data"]["approved_limit"] == 70000.0
    assert "第四十二条" in again["data"]["policy_reason"]
    assert people["finance_director"].get("/api/v1/customers/DN2").json["limit"] == 70000.0


# 3. Settlement and earlier credit come from finance's records


def test_the_filer_may_not_state_derived_facts(people) -> None:
    before = counts()
    for field in ("has_prior_credit", "previous_credit_settled"):
        refused = people["salesperson"].start_credit(customer_code="DF1", **{field: True})
        assert refused.status_code == 422 and field in refused.json["errors"]
        assert "信用档案" in refused.json["errors"][field][0]
    assert counts() == before


def test_earlier_credit_and_settlement_are_read_from_the_file(people) -> None:
    first = grant(people, "DF2", 30000.0)
    assert first["data"]["credit_file"]["has_prior_credit"] is False
    # Granted, and finance records an open balance: the next application is rejected at once.
    assert settle(people, "DF2", balance=12000.0).status_code == 200
    started = people["salesperson"].start_credit(customer_code="DF2", requested_limit=20000.0)
    instance = people["salesperson"].get(f"/api/v1/instances/{started.json['id']}").json
    assert instance["status"] == "completed" and "第三十五条" in instance["data"]["rejection_reason"]
    assert instance["data"]["credit_file"]["has_prior_credit"] is True
    assert instance["data"]["credit_file"]["previous_credit_settled"] is False
    # Settled to zero: the application goes to the sales manager.
    assert settle(people, "DF2", balance=0).status_code == 200
    assert people["salesperson"].start_credit(customer_code="DF2", requested_limit=20000.0).status_code == 201
    assert task_of(people["sales_manager"])["business_key"] == "DF2"


def test_only_finance_records_receivables_and_bad_values_change_nothing(people) -> None:
    url = "/api/v1/customers/RC1/receivables"
    good = {"balance": 5000, "overdue": 1000, "as_of": "2026-11-01"}
    assert people["salesperson"].put(url, good).status_code == 403
    before = counts()
    for bad, field in (
        ({**good, "balance": -1}, "balance"),
        ({**good, "overdue": "lots"}, "overdue"),
        ({**good, "as_of": "2026-12-01"}, "as_of"),  # after today (2026-11-23)
    ):
        response = people["credit_controller"].put(url, bad)
        assert response.status_code == 422 and field in response.json["errors"]
    assert counts() == before
    assert people["finance_director"].put(url, good).status_code == 200  # makes the file
    record = people["credit_controller"].get("/api/v1/customers/RC1").json["receivables"]
    assert (record["balance"], record["overdue"], record["as_of"]) == (5000.0, 1000.0, "2026-11-01")
    recorded = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "record_receivables")).all()
    assert [(e.actor.username, e.subject) for e in recorded] == [("finance_director", "customer:RC1")]


def test_an_old_receivables_record_is_marked_out_of_date(people) -> None:
    grant(people, "OD1", 10000.0)
    assert settle(people, "OD1", as_of="2026-10-01").status_code == 200  # 53 days before today
    started = people["salesperson"].start_credit(customer_code="OD1", requested_limit=5000.0)
    data = people["sales_manager"].get(f"/api/v1/instances/{started.json['id']}").json["data"]
    assert data["credit_file"]["receivables_out_of_date"] is True


# 5. One open application per customer


def test_a_second_application_while_one_is_open_is_a_409_naming_it(people) -> None:
    first = people["salesperson"].start_credit(customer_code="ONE1")
    before = counts()
    second = people["salesperson"].start_credit(customer_code="ONE1")
    assert second.status_code == 409
    assert second.json["instance_id"] == first.json["id"] and second.json["error"]
    assert counts() == before


# 6. A changed application is approved again


def _resubmit(people: dict[str, ApiUser], instance_id: int, **changes: Any) -> Any:
    sales = people["salesperson"]
    task = sales.only_task()
    data = sales.get(f"/api/v1/instances/{instance_id}").json["data"]
    fields = {k: data[k] for k in sales.get(f"/api/v1/tasks/{task['id']}/draft").json["data"]}
    fields.update(changes)
    return sales.post(f"/api/v1/tasks/{task['id']}/complete", {"data": fields})


def test_raising_the_amount_after_a_return_goes_back_to_the_sales_manager(people) -> None:
    started = people["salesperson"].start_credit(customer_code="RR1", customer_name="华东贸易", requested_limit=20000.0)
    instance_id = started.json["id"]
    assert approve(people["sales_manager"], "20k 可以").status_code == 200
    vp = people["sales_vp"]
    assert (
        vp.post(f"/api/v1/tasks/{task_of(vp)['id']}/return", {"target": "filer", "comment": "请补充"}).status_code
        == 200
    )
    before = counts()
    renamed = _resubmit(people, instance_id, requested_limit=90000.0, customer_name="华东贸易新")
    assert renamed.status_code == 422 and list(renamed.json["errors"]) == ["customer_name"]
    assert counts() == before
    assert _resubmit(people, instance_id, requested_limit=90000.0).status_code == 200
    # The sales manager sees the new figure; the VP has nothing until the manager approves again.
    assert vp.tasks() == []
    assert task_of(people["sales_manager"])["instance_id"] == instance_id
    for name in CHAIN:
        assert approve(people[name]).status_code == 200
    [decision] = people["finance_director"].get("/api/v1/customers/RR1").json["history"]
    marks = [(a["actor"], a["action"], a["superseded"]) for a in decision["approvals"]]
    assert marks[:2] == [("sales_manager", "approve", True), ("sales_vp", "return", True)]
    assert [m for m in marks[2:] if m[2]] == []
    assert [m[0] for m in marks[2:]] == list(CHAIN)
    history = people["salesperson"].get(f"/api/v1/instances/{instance_id}").json["history"]
    assert "supersede" in [h["action"] for h in history]


def test_an_unchanged_resubmission_passes_the_steps_already_approved(people) -> None:
    instance_id = people["salesperson"].start_credit(customer_code="RR2").json["id"]
    assert approve(people["sales_manager"]).status_code == 200
    vp = people["sales_vp"]
    assert (
        vp.post(f"/api/v1/tasks/{task_of(vp)['id']}/return", {"target": "filer", "comment": "确认一下"}).status_code
        == 200
    )
    assert _resubmit(people, instance_id).status_code == 200
    assert people["sales_manager"].tasks() == []
    assert task_of(vp)["instance_id"] == instance_id


# 7. Customers belong to a salesperson


def test_only_the_responsible_salesperson_files_for_a_customer(people, clock: Any) -> None:
    grant(people, "OW1", 30000.0)
    settle(people, "OW1")
    before = counts()
    other = people["salesperson2"].start_credit(customer_code="OW1", requested_limit=1000.0)
    assert other.status_code == 403
    assert "30" not in other.json["error"] and "A" not in other.json["error"]
    assert counts() == before
    assert people["salesperson2"].get("/api/v1/customers/OW1").status_code == 403
    # The sales manager hands the customer over (audited); only then may the other salesperson file.
    url = "/api/v1/customers/OW1/responsible"
    assert people["salesperson"].put(url, {"salesperson": "salesperson2", "reason": "调岗"}).status_code == 403
    assert people["sales_manager"].put(url, {"salesperson": "salesperson2", "reason": ""}).status_code == 422
    moved = people["sales_manager"].put(url, {"salesperson": "salesperson2", "reason": "调岗"})
    assert moved.status_code == 200 and moved.json["responsible"] == "salesperson2"
    assert people["salesperson2"].start_credit(customer_code="OW1", requested_limit=1000.0).status_code == 201
    assert people["salesperson"].get("/api/v1/customers/OW1").status_code == 403
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "reassign_customer")).one()
    assert (event.actor.username, event.comment, event.details["to"]) == ("sales_manager", "调岗", "salesperson2")


def test_a_delegate_may_file_for_the_absent_salespersons_customers(people, clock: Any) -> None:
    grant(people, "OW2", 30000.0)
    settle(people, "OW2")
    now = clock.now()
    body = {
        "delegate": "salesperson2",
        "starts_at": now.isoformat(),
        "ends_at": (now.replace(day=now.day + 2)).isoformat(),
        "reason": "休假",
    }
    assert people["salesperson"].post("/api/v1/delegations", body).status_code == 201
    assert people["salesperson2"].start_credit(customer_code="OW2", requested_limit=1000.0).status_code == 201


def test_a_copied_colleague_sees_the_application_without_the_credit_figures(people) -> None:
    grant(people, "CF1", 30000.0)
    settle(people, "CF1")
    instance_id = people["salesperson"].start_credit(customer_code="CF1", requested_limit=1000.0).json["id"]
    copied = people["salesperson"].post(
        f"/api/v1/instances/{instance_id}/copy-to", {"user": "cs_director", "comment": "供参考"}
    )
    assert copied.status_code == 200
    seen = people["cs_director"].get(f"/api/v1/instances/{instance_id}").json["data"]
    assert seen["customer_code"] == "CF1"
    assert not {"credit_file", "credit_total_granted", "credit_total_cap", "credit_headroom"} & set(seen)
    reads = db.select(AuditEvent).where(AuditEvent.action == "read_credit_file")
    before = len(db.session.scalars(reads).all())
    shown = people["sales_manager"].get(f"/api/v1/instances/{instance_id}").json["data"]
    assert shown["credit_file"]["current_limit"] == 30000.0
    after = db.session.scalars(reads.order_by(AuditEvent.id)).all()
    assert len(after) == before + 1
    assert (after[-1].actor.username, after[-1].details["in"]) == ("sales_manager", f"instance:{instance_id}")


# 8. The investigation as the policy lists it


def test_the_application_form_groups_the_investigation_as_article_8_lists_it(client: FlaskClient) -> None:
    login(client, "salesperson")
    page = client.get("/processes/credit_application/start").get_data(as_text=True)
    headings = ["第八条1", "第八条2", "第八条3", "第八条4", "第八条5", "第八条6", "第八条7", "申请授信", "第八条8"]
    positions = [page.index(h) for h in headings]
    assert positions == sorted(positions)
    for field in ("shareholders", "legal_representative", "bank_accounts", "annual_revenue", "total_liabilities"):
        assert f'name="{field}"' in page
    assert 'name="has_prior_credit"' not in page and 'name="previous_credit_settled"' not in page


@pytest.mark.parametrize(
    ("locale", "shown", "hidden"),
    [
        ("en", "No sales on credit and no prepayment for a grade C customer (Art. 28)", "不予赊销"),
        ("zh_CN", "C级客户不予赊销、不予预付（第二十八条）", "grade C customer"),
    ],
)
def test_the_policy_reason_reads_in_the_readers_language(app, people, locale: str, shown: str, hidden: str) -> None:
    started = people["salesperson"].start_credit(customer_code="GR9")
    assert approve(people["sales_manager"], confirmed_grade="C").status_code == 200
    from app.models import User

    db.session.scalars(db.select(User).where(User.username == "sales_manager")).one().locale = locale
    db.session.commit()
    reader = app.test_client()
    reader.set_cookie("locale", locale)
    login(reader, "sales_manager")
    for url in (f"/instances/{started.json['id']}", "/customers/GR9"):
        page = reader.get(url).get_data(as_text=True)
        assert shown in page and hidden not in page, url
    decision = people["sales_manager"].get("/api/v1/customers/GR9").json["history"][0]
    assert "第二十八条" in decision["reason"] and "(Art. 28)" in decision["reason_en"]
