"""Uploads by API and modeler: what kind of document each is, its name, and refusals in the reader's language."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, ProcessVersion

from .conftest import PASSWORD, login
from .support import ApiUser
from .test_process_models import BPMN_DIR, CREDIT, csrf_of

DOCTYPE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + CREDIT.split("?>", 1)[1]


def _changed_policy() -> str:
    dmn = (BPMN_DIR / "credit_policy.dmn").read_text(encoding="utf-8")
    first_text = re.search(r"<text>([^<]+)</text>", dmn.split("<outputEntry", 1)[1]).group(1)
    return dmn.replace(f"<text>{first_text}</text>", "<text>1</text>", 1)


def test_a_raw_dmn_body_replaces_the_deployed_table_of_the_same_decision(app: Flask, owner: FlaskClient) -> None:
    api = ApiUser(app.test_client(), "process_owner", PASSWORD)
    changed = _changed_policy()
    answer = api.client.post(
        "/api/v1/process-models", data=changed, content_type="application/xml", headers=api.headers
    )
    assert answer.status_code == 201, answer.json
    # Every diagram that uses the table gets a new version with it (the quarterly review grades with it too).
    assert answer.json["deployed"] == [
        {"process_key": key, "version": 2, "created": True} for key in ("credit_application", "credit_quarterly_review")
    ]
    newest = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.version == 2, ProcessVersion.process_key == "credit_application")
    ).one()
    assert sorted(newest.dmn_xml) == ["credit_grade.dmn", "credit_policy.dmn"]
    assert owner.get("/modeler/decisions/credit_policy.dmn/xml").data.decode() == changed
    event = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.action == "deploy", AuditEvent.subject == "process:credit_application")
        .order_by(AuditEvent.id.desc())
    ).first()
    # Only the edited rule differs: the table was compared with its own earlier edition.
    assert event.details["file"] == "credit_application.bpmn"
    assert event.details["changes"]["added"] == [] and event.details["changes"]["removed"] == []
    assert len(event.details["changes"]["changed"]) == 1


def test_a_dmn_sent_as_a_multipart_file_keeps_its_name(app: Flask, owner: FlaskClient) -> None:
    api = ApiUser(app.test_client(), "process_owner", PASSWORD)
    changed = _changed_policy()
    answer = api.client.post(
        "/api/v1/process-models",
        data={"file": (io.BytesIO(changed.encode()), "credit_policy.dmn")},
        content_type="multipart/form-data",
        headers=api.headers,
    )
    assert answer.status_code == 201, answer.json
    # Every diagram that uses the table gets a new version with it (the quarterly review grades with it too).
    assert answer.json["deployed"] == [
        {"process_key": key, "version": 2, "created": True} for key in ("credit_application", "credit_quarterly_review")
    ]
    assert owner.get("/modeler/decisions/credit_policy.dmn/xml").data.decode() == changed


def test_an_unnamed_upload_of_a_new_decision_is_named_after_it(app: Flask) -> None:
    from app.services.modeling import uploads

    fresh = _changed_policy().replace('id="credit_policy"', 'id="brand_new_policy"')
    assert uploads.upload_name("dmn", fresh) == "brand_new_policy.dmn"
    assert uploads.upload_name("dmn", _changed_policy()) == "credit_policy.dmn"
    assert uploads.upload_name("bpmn", CREDIT) == "credit_application.bpmn"
    assert uploads.document_kind(_changed_policy()) == "dmn"
    assert uploads.document_kind(CREDIT) == "bpmn"


def test_a_raw_body_that_is_neither_bpmn_nor_dmn_is_refused(app: Flask) -> None:
    api = ApiUser(app.test_client(), "process_owner", PASSWORD)
    answer = api.client.post(
        "/api/v1/process-models",
        data="<svg xmlns='http://www.w3.org/2000/svg'/>",
        content_type="application/xml",
        headers={**api.headers, "Accept-Language": "en"},
    )
    assert answer.status_code == 422
    assert answer.json["errors"][0]["message"] == "upload is neither a BPMN nor a DMN document"


def test_a_chinese_reader_is_told_about_a_doctype_in_chinese_by_the_api_and_the_check(app: Flask) -> None:
    api = ApiUser(app.test_client(), "process_owner", PASSWORD)
    chinese = {**api.headers, "Accept-Language": "zh-CN"}
    answer = api.client.post(
        "/api/v1/process-models?filename=x.bpmn", data=DOCTYPE, content_type="application/xml", headers=chinese
    )
    assert answer.status_code == 422
    assert answer.json["errors"][0]["message"] == "x.bpmn 含有 DOCTYPE 或实体声明，不允许上传"
    english = {**api.headers, "Accept-Language": "en"}
    answer = api.client.post(
        "/api/v1/process-models?filename=x.bpmn", data=DOCTYPE, content_type="application/xml", headers=english
    )
    assert (
        answer.json["errors"][0]["message"] == "x.bpmn contains a DOCTYPE or entity declaration, which is not allowed"
    )

    browser = app.test_client()
    login(browser, "process_owner")  # Chinese is the default
    token = csrf_of(browser, "/modeler/processes/credit_application")
    answer = browser.post("/modeler/check", json={"xml": DOCTYPE, "filename": "x.bpmn"}, headers={"X-CSRFToken": token})
    assert answer.json["ok"] is False
    assert answer.json["errors"][0]["message"] == "x.bpmn 含有 DOCTYPE 或实体声明，不允许上传"
    answer = browser.post(
        "/modeler/check", json={"xml": "<bpmn:definitions", "filename": "y.bpmn"}, headers={"X-CSRFToken": token}
    )
    assert answer.json["errors"][0]["message"].startswith("y.bpmn 不是格式正确的 XML：")


def test_api_upload_refusals_are_in_chinese_for_a_chinese_caller(app: Flask) -> None:
    api = ApiUser(app.test_client(), "process_owner", PASSWORD)
    chinese = {**api.headers, "Accept-Language": "zh-CN"}
    answer = api.client.post(
        "/api/v1/process-models", data=b"\xff\xfe<x/>", content_type="application/xml", headers=chinese
    )
    assert answer.json["errors"][0]["message"] == "文件不是 UTF-8 文本"
    answer = api.client.post("/api/v1/process-models", json={"xml": CREDIT}, headers=chinese)
    assert answer.json["errors"][0]["message"].startswith("请将 BPMN 或 DMN XML 作为请求正文")


def test_a_pretty_printed_decision_table_checks_like_the_compact_one(owner: FlaskClient) -> None:
    # dmn-js saves with each entry's <text> on its own indented line.
    dmn = (BPMN_DIR / "credit_policy.dmn").read_text(encoding="utf-8")
    pretty = re.sub(r"(<(?:inputEntry|outputEntry|inputExpression)[^>]*>)(<text>)", r"\1\n          \2", dmn)
    pretty = re.sub(r"(</text>)(</(?:inputEntry|outputEntry|inputExpression)>)", r"\1\n        \2", pretty)
    assert pretty != dmn and "\n          <text>&lt;= 0</text>" in pretty
    token = csrf_of(owner, "/modeler/processes/credit_application")
    answer = owner.post(
        "/modeler/check", json={"xml": pretty, "filename": "credit_policy.dmn"}, headers={"X-CSRFToken": token}
    )
    assert answer.json == {"ok": True, "kind": "dmn", "errors": [], "notes": []}
