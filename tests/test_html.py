"""The web pages: log in, file through the form, approve in the inbox, errors beside the field."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from app.extensions import db
from app.models import CreditDecision, HumanTask, ProcessInstance

from .conftest import csrf_token, login

APPLICATION_FORM = {
    "customer_code": "W100",
    "customer_name": "网页客户",
    "months_of_cooperation": "30",
    "avg_monthly_shipment": "100000",
    "avg_monthly_collection": "90000",
    "lawful": "y",
    "good_operation_2y": "y",
    "strong_capital": "y",
    "meets_annual_target": "y",
    "key_data_complete": "y",
    "credit_type": "temporary",
    "requested_limit": "50000",
    "requested_term_days": "30",
    "collateral_value": "0",
}


def _open_task_id(client: FlaskClient) -> int:
    page = client.get("/tasks").data.decode()
    match = re.search(r'data-task-id="(\d+)"', page)
    assert match, page
    return int(match.group(1))


def _submit(client: FlaskClient, url: str, data: dict[str, str], page: str | None = None):  # noqa: ANN202
    token = csrf_token(client.get(page or url).data)
    return client.post(url, data={**data, "csrf_token": token})


def test_login_required_and_wrong_password(client: FlaskClient) -> None:
    assert client.get("/tasks").status_code == 302
    page = client.get("/login").data
    response = client.post(
        "/login", data={"username": "salesperson", "password": "wrong-password", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 200 and "用户名或密码错误".encode() in response.data


def test_forms_without_a_csrf_token_are_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "salesperson", "password": "x"})
    assert response.status_code == 400 and b"CSRF" in response.data
    login(client, "salesperson")
    response = client.post("/processes/credit_application/start", data=APPLICATION_FORM)
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == 0


def test_file_and_approve_through_the_web(client: FlaskClient) -> None:
    login(client, "salesperson")
    response = _submit(client, "/processes/credit_application/start", APPLICATION_FORM)
    assert response.status_code == 302
    instance_page = client.get(response.headers["Location"]).data.decode()
    assert "W100" in instance_page and "营销部经理审批" in instance_page
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/tasks").data)})

    for approver in ("sales_manager", "sales_vp", "finance_director", "general_manager"):
        login(client, approver)
        task_id = _open_task_id(client)
        page = client.get(f"/tasks/{task_id}").data.decode()
        assert "网页客户" in page  # the application is shown
        assert 'id="credit-figures"' in page and "剩余可授信额度" not in page  # no cap set: none to show
        if approver == "sales_manager":
            _submit(client, f"/tasks/{task_id}/claim", {}, page=f"/tasks/{task_id}")
        else:
            assert "资料齐全" in page  # earlier comments are shown
        response = _submit(client, f"/tasks/{task_id}", {"decision": "approve", "comment": "资料齐全"})
        assert response.status_code == 302, response.data.decode()[:2000]
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/tasks").data)})

    decision = db.session.scalars(db.select(CreditDecision)).one()
    assert (decision.decision, float(decision.credit_limit)) == ("approve", 50000.0)
    login(client, "finance_director")
    page = client.get("/customers/W100").data.decode()
    assert "¥50,000.00" in page and "总经理" in page
    assert "营销副总" in page and "2027-11-22" in page  # the VP's approval; valid for the contract year
    index = client.get("/customers").data.decode()
    assert 'id="total-granted"' in index and "无上限" in index


def test_a_bad_value_comes_back_beside_the_field_and_changes_nothing(client: FlaskClient) -> None:
    login(client, "salesperson")
    response = _submit(client, "/processes/credit_application/start", {**APPLICATION_FORM, "requested_limit": "-3"})
    assert response.status_code == 422
    assert re.search(rb'class="field-error" data-field="requested_limit"', response.data)
    assert db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == 0


def test_reject_without_a_reason_is_shown_beside_the_comment(client: FlaskClient) -> None:
    login(client, "salesperson")
    _submit(client, "/processes/credit_application/start", APPLICATION_FORM)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/tasks").data)})
    login(client, "sales_manager")
    task_id = _open_task_id(client)
    _submit(client, f"/tasks/{task_id}/claim", {}, page=f"/tasks/{task_id}")
    response = _submit(client, f"/tasks/{task_id}", {"decision": "reject", "comment": ""})
    assert response.status_code == 422
    assert re.search(rb'data-field="comment"', response.data)
    assert db.session.get(HumanTask, task_id).status == "open"


def test_someone_elses_task_page_is_forbidden(client: FlaskClient) -> None:
    login(client, "salesperson")
    _submit(client, "/processes/credit_application/start", APPLICATION_FORM)
    task_id = db.session.scalars(db.select(HumanTask.id)).one()
    assert client.get(f"/tasks/{task_id}").status_code == 403
    assert client.get("/tasks/99999").status_code == 404


def test_nav_shows_the_open_task_count(client: FlaskClient) -> None:
    login(client, "salesperson")
    _submit(client, "/processes/credit_application/start", APPLICATION_FORM)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/tasks").data)})
    login(client, "sales_manager")
    assert re.search(rb'id="open-count">1<', client.get("/tasks").data)


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    for url in ("/login", "/healthz", "/static/app.css"):
        headers = client.get(url).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert (
            "script-src" not in headers["Content-Security-Policy"]
            or "'unsafe-inline'" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        )


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": "salesperson", "password": "x" * 9, "csrf_token": csrf_token(page.data)}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
