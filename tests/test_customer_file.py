"""The customer file (000 §4.1.2): contacts, the receivables over time with the chart's figures, every
process run for the customer and their complaints, on the page in both languages and over the API;
the list of files with its filters, who may read it, and every file listed recorded as read."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.extensions import db
from app.models import AuditEvent, CreditDecision, Customer, CustomerContact, User
from app.services.credit.ledger import company_today

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser, statements_during


def _user(username: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == username)).one()


def _api(app: Flask, username: str) -> ApiUser:
    return ApiUser(app.test_client(), username, PASSWORD)


def _files(app: Flask) -> None:
    """GA1 graded A, over its limit, its grant ending in 20 days; GB2 graded B, within its limit, ending
    in 200 days, salesperson2's; GN3 with no grade and no limit."""
    controller = _api(app, "credit_controller")
    today = company_today()
    history = {
        "GA1": [(60, 80000, 0), (30, 95000, 5000), (1, 120000, 20000)],
        "GB2": [(1, 10000, 0)],
        "GN3": [(1, 0, 0)],
    }
    for code, records in history.items():
        for days_ago, balance, overdue in records:
            body = {"balance": balance, "overdue": overdue, "as_of": (today - timedelta(days=days_ago)).isoformat()}
            assert controller.put(f"/api/v1/customers/{code}/receivables", body).status_code == 200
    grants = {"GA1": ("A", "100000", "salesperson", 20), "GB2": ("B", "50000", "salesperson2", 200)}
    now = app.config["CLOCK"].now()
    for code, (grade, limit, owner, days_left) in grants.items():
        customer = db.session.scalars(db.select(Customer).where(Customer.code == code)).one()
        customer.name, customer.grade, customer.credit_limit, customer.term_days = (
            f"客户{code}",
            grade,
            Decimal(limit),
            30,
        )
        customer.responsible_id = _user(owner).id
        db.session.add(
            CreditDecision(
                customer_id=customer.id,
                decision="approve",
                grade=grade,
                credit_type="long_term",
                requested_limit=Decimal(limit),
                credit_limit=Decimal(limit),
                term_days=30,
                approvals=[],
                decided_at=now - timedelta(days=365 - days_left),
                valid_from=today - timedelta(days=365 - days_left),
                valid_until=today + timedelta(days=days_left),
            )
        )
    db.session.commit()


def _codes(user: ApiUser, query: str = "") -> list[str]:
    response = user.get(f"/api/v1/customers{query}")
    assert response.status_code == 200, response.json
    return [c["code"] for c in response.json["customers"]]


def test_the_list_filters_by_grade_salesperson_over_limit_and_expiry(app: Flask) -> None:
    _files(app)
    controller = _api(app, "credit_controller")
    assert _codes(controller) == ["GA1", "GB2", "GN3"]
    assert _codes(controller, "?grade=A") == ["GA1"]
    assert _codes(controller, "?grade=none") == ["GN3"]
    assert _codes(controller, "?responsible=salesperson2") == ["GB2"]
    assert _codes(controller, "?over_limit=1") == ["GA1"]
    assert _codes(controller, "?expiring_within=30") == ["GA1"]
    assert _codes(controller, "?expiring_within=365") == ["GA1", "GB2"]
    assert _codes(controller, "?grade=B&expiring_within=30") == []
    line = controller.get("/api/v1/customers?grade=A").json["customers"][0]
    assert line["over_limit"] is True and line["limit"] == 100000.0 and line["balance"] == 120000.0
    assert (
        line["responsible"] == "salesperson"
        and line["valid_until"] == (company_today() + timedelta(days=20)).isoformat()
    )


def test_bad_filters_are_refused_naming_the_field_in_the_readers_language(app: Flask) -> None:
    _files(app)
    controller = _api(app, "credit_controller")
    refused = controller.get("/api/v1/customers?grade=Z&expiring_within=-1")
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"grade", "expiring_within"}
    chinese = controller.client.get(
        "/api/v1/customers?over_limit=maybe", headers={**controller.headers, "Accept-Language": "zh-CN"}
    )
    assert chinese.status_code == 422 and chinese.json["errors"]["over_limit"] == ["必须为 1 或 0"]


def test_only_readers_of_credit_files_list_them_and_a_salesperson_only_their_own(app: Flask) -> None:
    _files(app)
    assert app.test_client().get("/api/v1/customers").status_code == 401
    assert _api(app, "cs_director").get("/api/v1/customers").status_code == 403
    assert _api(app, "process_owner").get("/api/v1/customers").status_code == 403
    assert _codes(_api(app, "salesperson")) == ["GA1"]
    assert _codes(_api(app, "salesperson2")) == ["GB2"]
    assert _codes(_api(app, "general_manager"), "?over_limit=1") == ["GA1"]
    assert _api(app, "cs_director").get("/api/v1/customers/GA1").status_code == 403
    assert _api(app, "salesperson2").get("/api/v1/customers/GA1").status_code == 403
    assert _api(app, "salesperson").get("/api/v1/customers/GA1").status_code == 200
    assert app.test_client().get("/api/v1/customers/GA1").status_code == 401


def _reads(code: str) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.action == "read_credit_file", AuditEvent.subject == f"customer:{code}")
        .order_by(AuditEvent.id)
    )
    return [{"by": e.actor.username, "in": (e.details or {}).get("in")} for e in rows]


def test_every_file_listed_or_opened_is_recorded_as_read(app: Flask) -> None:
    _files(app)
    manager = _api(app, "sales_manager")
    _codes(manager, "?grade=A")
    assert _reads("GA1") == [{"by": "sales_manager", "in": "api:customers"}]
    assert _reads("GB2") == []  # not listed, not read
    manager.get("/api/v1/customers/GB2")
    assert _reads("GB2") == [{"by": "sales_manager", "in": "api:customer"}]
    browser = app.test_client()
    login(browser, "sales_manager")
    assert browser.get("/customers?over_limit=1").status_code == 200
    assert browser.get("/customers.xlsx?responsible=salesperson2").status_code == 200
    assert _reads("GA1")[-1] == {"by": "sales_manager", "in": "page:customers"}
    assert _reads("GB2")[-1] == {"by": "sales_manager", "in": "export"}


def test_the_list_reads_as_much_for_thirteen_files_as_for_three(app: Flask) -> None:
    _files(app)
    browser = app.test_client()
    login(browser, "finance_director")
    few = statements_during(lambda: browser.get("/customers"))
    owner, now = _user("salesperson").id, app.config["CLOCK"].now()
    for i in range(10):
        db.session.add(Customer(code=f"GM{i:02d}", name=f"客户M{i}", responsible_id=owner, updated_at=now))
    db.session.commit()
    many = statements_during(lambda: browser.get("/customers"))
    page = browser.get("/customers").get_data(as_text=True)
    assert few == many
    assert all(f"GM{i:02d}" in page for i in range(10)) and "GA1" in page
    assert len(_reads("GM09")) == 2  # each listing since it was added still records its read


def _complaint(app: Flask, code: str) -> int:
    data = {
        "customer_code": code,
        "customer_name": f"客户{code}",
        "contact": "采购部 王经理",
        "channel": "phone",
        "region": "domestic",
        "category": "grievance",
        "description": "发货晚了两天。",
        "amount_claimed": 0,
        "policy_misunderstanding": False,
    }
    started = _api(app, "cs_director").post("/api/v1/processes/complaint_handling/instances", {"data": data})
    assert started.status_code == 201, started.json
    return started.json["id"]


def test_the_file_holds_contacts_receivables_every_case_and_the_complaints(app: Flask) -> None:
    _files(app)
    seller = _api(app, "salesperson")
    application = seller.start_credit(customer_code="GA1", customer_name="客户GA1")
    assert application.status_code == 201, application.json
    complaint_instance = _complaint(app, "GA1")
    _complaint(app, "GB2")  # another customer's: not on this file
    browser = app.test_client()
    login(browser, "salesperson")
    token = csrf_token(browser.get("/customers/GA1").data)
    contact = {"csrf_token": token, "name": "李经理", "position": "采购部经理", "phone": "021-5555 1234"}
    contact |= {"email": "li@example.com", "website": "www.example.com", "note": ""}
    assert browser.post("/customers/GA1/contacts", data=contact).status_code == 302
    saved = db.session.scalars(db.select(CustomerContact)).one()
    assert (
        browser.post(f"/customers/GA1/contacts/{saved.id}", data={**contact, "phone": "13900001111"}).status_code == 302
    )

    answer = _api(app, "finance_director").get("/api/v1/customers/GA1").json
    assert [(c["name"], c["phone"], c["website"]) for c in answer["contacts"]] == [
        ("李经理", "13900001111", "www.example.com")
    ]
    cases = {c["instance_id"]: c for c in answer["cases"]}
    # The application, and the over-limit case the 120,000 record opened (第三十三条).
    assert {c["process_key"] for c in cases.values()} == {"credit_application", "credit_over_limit"}
    filed = cases[application.json["id"]]
    assert filed["process_key"] == "credit_application" and filed["status"] in {"running", "completed"}
    assert filed["process_name"] and filed["process_name"] != "credit_application"
    assert [(c["instance_id"], c["category"]) for c in answer["complaints"]] == [(complaint_instance, "grievance")]
    assert [r["balance"] for r in answer["receivables"]["history"]] == [120000.0, 95000.0, 80000.0]
    changes = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.subject == "customer:GA1"))
    assert {"customer_contact_added", "customer_contact_changed"} <= set(changes)


def test_contacts_are_kept_by_the_responsible_salesperson_and_the_sales_manager_only(app: Flask) -> None:
    _files(app)
    for username, expected in (("salesperson2", 403), ("finance_director", 403), ("sales_manager", 302)):
        browser = app.test_client()
        login(browser, username)
        page = browser.get("/customers/GB2" if username == "salesperson2" else "/customers/GA1")
        token = csrf_token(page.data) if page.status_code == 200 else csrf_token(browser.get("/account").data)
        got = browser.post("/customers/GA1/contacts", data={"csrf_token": token, "name": "周工", "phone": "139"})
        assert got.status_code == expected, username
    browser = app.test_client()
    login(browser, "salesperson")
    token = csrf_token(browser.get("/customers/GA1").data)
    refused = browser.post("/customers/GA1/contacts", data={"csrf_token": token, "name": "", "email": "not-mail"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "电子邮件：必须是电子邮件地址" in text and ("名称：" in text or "姓名：" in text)
    assert db.session.scalar(db.select(db.func.count(CustomerContact.id))) == 1  # only the manager's


def _chart(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="receivables-chart-data">(.*?)</script>', page, re.S)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("zh_CN", ["联系人", "应收账款", "申请、评审、额度调整、超限处理与续签", "客户投诉", "暂无联系人"]),
        (
            "en",
            ["Contacts", "Receivables records", "Applications, reviews, adjustments", "Complaints", "No contacts yet"],
        ),
    ],
)
def test_the_file_page_in_both_languages_carries_the_charts_figures(app: Flask, locale: str, words: list[str]) -> None:
    _files(app)
    _complaint(app, "GA1")
    _user("general_manager").locale = locale
    db.session.commit()
    browser: FlaskClient = app.test_client()
    login(browser, "general_manager")
    page = browser.get("/customers/GA1").get_data(as_text=True)
    for word in words:
        assert word in page, word
    chart = _chart(page)
    today = company_today()
    assert chart["dates"] == [(today - timedelta(days=d)).isoformat() for d in (60, 30, 1)]
    assert chart["balance"] == [80000.0, 95000.0, 120000.0] and chart["overdue"] == [0.0, 5000.0, 20000.0]
    assert chart["limit"] == 100000.0
    assert 'src="/static/build/echarts.min.js"' in page and "/static/receivables-chart.js" in page
    listing = browser.get("/customers?grade=A").get_data(as_text=True)
    assert 'data-code="GA1"' in listing and 'data-code="GB2"' not in listing
    assert "/customers.xlsx?grade=A" in listing


def test_the_export_keeps_the_pages_filters(app: Flask) -> None:
    _files(app)
    browser = app.test_client()
    login(browser, "credit_controller")
    response = browser.get("/customers.xlsx?over_limit=1")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["GA1"]
    assert browser.get("/customers.xlsx?expiring_within=abc").status_code == 422


def test_contacts_over_the_api_name_each_bad_field_and_change_nothing(app: Flask) -> None:
    _files(app)
    seller = _api(app, "salesperson")
    added = seller.post("/api/v1/customers/GA1/contacts", {"name": "王经理", "phone": "13812345678"})
    assert added.status_code == 201 and added.json["name"] == "王经理" and added.json["email"] == ""
    url = f"/api/v1/customers/GA1/contacts/{added.json['id']}"
    refused = seller.put(url, {"name": "王经理", "email": "not-mail", "website": "no", "phone": "call me"})
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"email", "website", "phone"}
    assert seller.put(url, {"name": "王经理", "phone": 5}).json["errors"] == {"phone": ["必须是文本"]}
    assert db.session.scalars(db.select(CustomerContact.phone)).one() == "13812345678"
    changed = seller.put(url, {"name": "王经理", "phone": "021-1234 5678", "email": "wang@example.com"})
    assert changed.status_code == 200 and changed.json["phone"] == "021-1234 5678"
    assert _api(app, "salesperson2").put(url, {"name": "X"}).status_code == 403
    assert _api(app, "finance_director").post("/api/v1/customers/GA1/contacts", {"name": "X"}).status_code == 403
    assert seller.put("/api/v1/customers/GA1/contacts/999999", {"name": "X"}).status_code == 404
    assert seller.post("/api/v1/customers/NOPE/contacts", {"name": "X"}).status_code == 404
    assert seller.post("/api/v1/customers/GA1/contacts", [1]).status_code == 422


def test_the_demo_customers_come_with_their_contacts(app: Flask) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):  # seeding again adds nothing
        assert runner.invoke(args=["demo", "seed", "--password", "another-pass-9", "--no-work"]).exit_code == 0
    assert db.session.scalar(db.select(db.func.count(CustomerContact.id))) == 3
    browser = app.test_client()
    login(browser, "salesperson", "another-pass-9")
    page = browser.get("/customers/HD001").get_data(as_text=True)
    assert "李明" in page and "021-6288 1001" in page
