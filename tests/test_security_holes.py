"""Holes an outside security test found: each test here failed before its fix."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ApiToken, Complaint, HumanTask, InstanceAttachment, ProcessInstance
from app.services.people import accounts as user_service

from .conftest import PASSWORD
from .support import ApiUser
from .test_complaints import intake


def test_a_deeply_nested_json_body_is_a_400_on_every_json_endpoint(app: Flask) -> None:
    client = app.test_client()
    deep = "[" * 50_000 + "]" * 50_000
    sales = ApiUser(client, "salesperson", PASSWORD)
    for url, headers in (
        ("/api/v1/auth/token", {}),
        ("/api/v1/processes/credit_application/instances", sales.headers),
        ("/api/v1/tasks/bulk", sales.headers),
    ):
        response = client.post(url, data=deep, content_type="application/json", headers=headers)
        assert response.status_code == 400, (url, response.status_code)
        assert "64" in response.json["error"]
    # a body whose strings hold brackets is not mistaken for a deep one
    shallow = client.post(
        "/api/v1/auth/token", json={"username": "[" * 500, "password": "{" * 100}, headers={"Accept-Language": "en"}
    )
    assert shallow.status_code == 401


def test_csp_forbids_base_tags_and_foreign_form_targets(client: FlaskClient) -> None:
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "base-uri 'none'" in policy and "form-action 'self'" in policy


def test_a_ten_megabyte_attachment_can_be_uploaded(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="BIGF").json["id"]
    content = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 - 9)
    made = sales.client.post(
        f"/api/v1/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(content), "scan.pdf")},
        headers=sales.headers,
    )
    assert made.status_code == 201, made.json
    assert db.session.get(InstanceAttachment, made.json["id"]).size == len(content)


@pytest.fixture
def cs(client: FlaskClient) -> ApiUser:
    return ApiUser(client, "cs_director", PASSWORD)


@pytest.mark.parametrize("received_at", ["0001-01-01T00:00", "1901-06-01T10:00", "1999-12-31T23:59"])
def test_a_complaint_received_before_the_companys_first_day_is_refused(cs: ApiUser, received_at: str) -> None:
    before = db.session.scalar(db.select(db.func.count(Complaint.id)))
    response = intake(cs, received_at=received_at)
    assert response.status_code == 422, response.json
    assert "2000-01-01" in response.json["errors"]["received_at"][0]
    assert db.session.scalar(db.select(db.func.count(Complaint.id))) == before


def test_the_first_day_is_a_setting_and_answers_in_the_readers_language(app: Flask, cs: ApiUser) -> None:
    app.config["COMPANY_FIRST_DAY"] = "2010-01-01"
    response = cs.client.post(
        "/api/v1/processes/complaint_handling/instances",
        json={"data": {"received_at": "2005-03-01T10:00"}},
        headers={**cs.headers, "Accept-Language": "zh-CN"},
    )
    assert response.json["errors"]["received_at"] == ["不能早于 2010-01-01"]
    assert intake(cs, received_at="2010-01-02T09:00:00+08:00").status_code == 201


@pytest.mark.parametrize("bad", ["K\x00001", "K001\u202e", "\u2066K001", "K\x1b001"])
def test_control_and_bidi_characters_are_refused_in_codes_and_names(cs: ApiUser, bad: str) -> None:
    before = db.session.scalar(db.select(db.func.count(ProcessInstance.id)))
    for field in ("customer_code", "customer_name"):
        response = intake(cs, **{field: bad})
        assert response.status_code == 422, response.json
        assert list(response.json["errors"]) == [field]
    sales = ApiUser(cs.client, "salesperson", PASSWORD)
    assert list(sales.start_credit(customer_code=bad).json["errors"]) == ["customer_code"]
    assert db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == before


def test_line_breaks_stay_allowed_in_multi_line_text(cs: ApiUser) -> None:
    assert intake(cs, description="第一行\n第二行\t完").status_code == 201


@pytest.mark.parametrize("password", ["aaaaaaaa", "12345678", "87654321", "abcdefghij", "zzzzzzzzzzzz"])
def test_repeated_characters_and_runs_are_refused_as_passwords(password: str) -> None:
    assert user_service.password_problems(password) == ["is too common or too easy to guess"]


def test_the_user_name_itself_is_refused_and_ordinary_phrases_pass() -> None:
    assert user_service.password_problems("finance_director", "finance_director")
    assert user_service.password_problems("aaaaaaab") == []
    assert user_service.password_problems("13572468") == []


def test_a_password_change_to_a_run_is_a_422(app: Flask, client: FlaskClient) -> None:
    from .conftest import csrf_token, login

    login(client, "salesperson")
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={"csrf_token": csrf_token(page.data), "current_password": PASSWORD, "new_password": "123456789"},
    )
    assert response.status_code == 422


def _delegate_to(manager: ApiUser, to: str, now: Any) -> None:
    from .test_delegation import delegate

    assert delegate(manager, to, now, timedelta(days=2), "出差").status_code == 201


def test_a_filer_who_is_the_delegate_is_not_offered_and_cannot_claim_their_own_application(
    app: Flask, clock: Any
) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    own = sales.start_credit(customer_code="OWN1").json["id"]
    other = ApiUser(client, "salesperson2", PASSWORD).start_credit(customer_code="OTH1").json["id"]
    manager = ApiUser(client, "sales_manager", PASSWORD)
    _delegate_to(manager, "salesperson", clock.now())
    queue = sales.tasks("queue")
    assert [t["instance_id"] for t in queue] == [other]  # the other filer's application only
    own_task = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == own, HumanTask.role == "sales_manager")
    ).one()
    assert sales.post(f"/api/v1/tasks/{own_task.id}/claim").status_code == 403
    assert sales.decide(own_task.id, "approve", "自己批").status_code == 403
    db.session.expire_all()
    assert db.session.get(HumanTask, own_task.id).assignee_id is None  # still in the queue for someone else
    assert own in [t["instance_id"] for t in manager.tasks("queue")]


def test_a_claimed_step_of_the_delegates_own_application_stays_with_its_holder(app: Flask, clock: Any) -> None:
    client = app.test_client()
    own = ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="OWN2").json["id"]
    manager = ApiUser(client, "sales_manager", PASSWORD)
    task_id = next(t["id"] for t in manager.tasks() if t["instance_id"] == own)
    assert manager.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    _delegate_to(manager, "salesperson", clock.now())
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).assignee.username == "sales_manager"


def test_a_delegate_asked_to_approve_can_open_the_application(app: Flask, clock: Any) -> None:
    client = app.test_client()
    instance_id = ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="DLG9").json["id"]
    finance = ApiUser(client, "finance_director", PASSWORD)
    assert finance.get(f"/api/v1/instances/{instance_id}").status_code == 403
    _delegate_to(ApiUser(client, "sales_manager", PASSWORD), "finance_director", clock.now())
    assert finance.get(f"/api/v1/instances/{instance_id}").status_code == 200


def test_an_api_client_revokes_the_token_it_uses_and_only_that_one(app: Flask) -> None:
    client = app.test_client()
    first, second = ApiUser(client, "salesperson", PASSWORD), ApiUser(client, "salesperson", PASSWORD)
    assert client.delete("/api/v1/auth/token", headers=first.headers).status_code == 200
    assert first.get("/api/v1/tasks").status_code == 401
    assert second.get("/api/v1/tasks").status_code == 200


def test_the_account_page_lists_ones_own_tokens_and_revokes_them(app: Flask, client: FlaskClient) -> None:
    from .conftest import csrf_token, login

    api = ApiUser(app.test_client(), "salesperson", PASSWORD)
    ApiUser(app.test_client(), "sales_manager", PASSWORD)  # someone else's token is not listed
    login(client, "salesperson")
    page = client.get("/account")
    ids = [int(i) for i in re.findall(rb'name="token_id" value="(\d+)"', page.data)]
    assert len(ids) == 1
    mine = ids[0]
    others = db.session.scalars(db.select(ApiToken.id).where(ApiToken.id != mine)).all()
    token = csrf_token(page.data)
    assert client.post("/account/tokens/revoke", data={"csrf_token": token, "token_id": others[0]}).status_code == 302
    assert db.session.get(ApiToken, others[0]) is not None  # not one's own: untouched
    assert client.post("/account/tokens/revoke", data={"token_id": mine}).status_code == 400  # no CSRF token
    assert client.post("/account/tokens/revoke", data={"csrf_token": token, "token_id": mine}).status_code == 302
    assert api.get("/api/v1/tasks").status_code == 401
    assert b'name="token_id"' not in client.get("/account").data
