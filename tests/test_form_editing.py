"""Task forms edited in the browser: saved as versions, served at once, previewed with the real renderer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, FormVersion

from .conftest import PASSWORD, login
from .support import ApiUser

FORMS = Path(__file__).resolve().parent.parent / "forms"


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "process_owner")
    return client


def token(client: FlaskClient, key: str = "credit_approval") -> str:
    page = client.get(f"/modeler/forms/{key}").data.decode()
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def edited_approval() -> str:
    raw = json.loads((FORMS / "credit_approval.json").read_text(encoding="utf-8"))
    raw["title"] = {"zh_CN": "授信审批（新版）", "en": "Credit approval (new)"}
    return json.dumps(raw, ensure_ascii=False)


def test_the_editor_shows_the_file_until_a_version_is_saved(owner: FlaskClient) -> None:
    page = owner.get("/modeler/forms/credit_approval").data.decode()
    assert "授信审批" in page
    assert owner.get("/modeler/forms/no_such_form").status_code == 404


def test_a_saved_form_is_a_new_version_and_is_served_to_tasks(app: Flask, owner: FlaskClient) -> None:
    # Read first: the worker keeps which forms were saved for a few seconds, and must forget on a save.
    assert app.extensions["forms"].get("credit_approval").title["en"] != "Credit approval (new)"
    answer = owner.post(
        "/modeler/forms/credit_approval", data={"definition": edited_approval(), "csrf_token": token(owner)}
    )
    assert answer.status_code == 302
    assert app.extensions["forms"].get("credit_approval").title["en"] == "Credit approval (new)"
    owner.post("/modeler/forms/credit_approval", data={"definition": edited_approval(), "csrf_token": token(owner)})
    versions = db.session.scalars(db.select(FormVersion.version).where(FormVersion.form_key == "credit_approval"))
    assert list(versions) == [1, 2]
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "form_saved")).first().subject == (
        "form:credit_approval"
    )
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="FE1").json["id"]
    sales_manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    assert sales_manager.decide(sales_manager.only_task()["id"], "approve", "同意").status_code == 200
    vp = app.test_client()
    login(vp, "sales_vp")  # the sales VP's step uses the approval form itself
    from app.models import HumanTask

    task_id = db.session.scalars(
        db.select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).one()
    assert "授信审批（新版）" in vp.get(f"/tasks/{task_id}").data.decode()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "不是有效的 JSON：第 1 行"),
        ("[]", "表单必须是 JSON 对象"),
        ('{"fields": [{"name": "x", "type": "rocket"}]}', "rocket"),
    ],
)
def test_a_broken_form_is_refused_with_the_reason_and_nothing_is_saved(
    owner: FlaskClient, text: str, words: str
) -> None:
    answer = owner.post("/modeler/forms/credit_approval", data={"definition": text, "csrf_token": token(owner)})
    assert answer.status_code == 422
    assert words in answer.data.decode()
    assert db.session.scalar(db.select(db.func.count(FormVersion.id))) == 0


def test_the_preview_renders_the_form_with_the_real_fields(owner: FlaskClient) -> None:
    headers = {"X-CSRFToken": token(owner)}
    answer = owner.post(
        "/modeler/forms/credit_approval/preview", json={"definition": edited_approval()}, headers=headers
    )
    assert answer.status_code == 200
    assert "授信审批（新版）" in answer.json["html"]
    assert 'name="decision"' in answer.json["html"]
    answer = owner.post("/modeler/forms/credit_approval/preview", json={"definition": "{"}, headers=headers)
    assert answer.status_code == 422
    assert answer.json["errors"][0].startswith("不是有效的 JSON：第 1 行第 2 列")
    assert db.session.scalar(db.select(db.func.count(FormVersion.id))) == 0


def test_only_a_process_owner_edits_forms(app: Flask) -> None:
    manager = app.test_client()
    login(manager, "general_manager")
    page = manager.get("/account/password").data.decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = manager.post("/modeler/forms/credit_approval", data={"definition": edited_approval(), "csrf_token": csrf})
    assert answer.status_code == 403
    assert db.session.scalar(db.select(db.func.count(FormVersion.id))) == 0
