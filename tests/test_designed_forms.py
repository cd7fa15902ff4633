"""Forms drawn in the form designer: created and versioned over the API, used by a task through its
formKey or camunda:formRef, deployed as Camunda .form files, and every submission checked by the server."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import FormVersion, HumanTask
from app.taskforms import parse_form, validate_data

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser

SCHEMA: dict[str, Any] = {
    "type": "default",
    "id": "purchase_request",
    "title": {"zh_CN": "采购申请", "en": "Purchase request"},
    "schemaVersion": 16,
    "components": [
        {
            "type": "textfield",
            "key": "subject",
            "label": "采购事项",
            "properties": {"label_en": "Subject"},
            "validate": {"required": True, "minLength": 2, "maxLength": 40},
        },
        {"type": "textfield", "key": "budget_code", "label": "预算编码", "validate": {"pattern": "[A-Z]{2}-\\d{4}"}},
        {
            "type": "number",
            "key": "amount",
            "label": "金额",
            "appearance": {"prefixAdorner": "¥"},
            "validate": {"required": True, "min": 1, "max": 200000},
        },
        {"type": "number", "key": "quantity", "label": "数量", "decimalDigits": 0, "validate": {"min": 1}},
        {"type": "datetime", "subtype": "date", "key": "needed_by", "label": "需要日期"},
        {
            "type": "select",
            "key": "category",
            "label": "类别",
            "properties": {"label_en": "Category", "label_en.office": "Office", "label_en.it": "IT"},
            "values": [{"label": "办公用品", "value": "office"}, {"label": "电脑设备", "value": "it"}],
            "validate": {"required": True},
        },
        {
            "type": "textarea",
            "key": "it_reason",
            "label": "设备理由",
            "conditional": {"hide": '=category != "it"'},
            "validate": {"required": True},
        },
        {"type": "checkbox", "key": "urgent", "label": "加急"},
        {
            "type": "checklist",
            "key": "delivery",
            "label": "交付方式",
            "values": [{"label": "送货", "value": "deliver"}, {"label": "自提", "value": "pickup"}],
        },
        {
            "type": "group",
            "label": "明细",
            "components": [
                {
                    "type": "dynamiclist",
                    "path": "items",
                    "label": "明细行",
                    "isRepeating": True,
                    "components": [
                        {"type": "textfield", "key": "item", "label": "物品", "validate": {"required": True}},
                        {"type": "number", "key": "price", "label": "单价", "validate": {"min": 0}},
                    ],
                }
            ],
        },
        {"type": "filepicker", "key": "quote", "label": "报价单", "multiple": True},
        {"type": "button", "key": "submit", "label": "提交", "action": "submit"},
    ],
}

GOOD = {"subject": "办公椅", "amount": 1200, "category": "office", "items": [{"item": "椅子", "price": 600}]}


def form() -> Any:
    return parse_form("purchase_request", SCHEMA)


def check(data: dict[str, Any], locale: str = "zh_CN") -> tuple[dict[str, Any], dict[str, list[str]]]:
    return validate_data(form(), data, locale=locale)


def test_a_good_submission_is_cleaned_in_the_shapes_the_process_reads(app: Flask) -> None:
    with app.test_request_context():
        clean, errors = check(
            {**GOOD, "quantity": 3, "needed_by": "2026-11-02", "urgent": True, "delivery": ["deliver"]}
        )
    assert errors == {}
    assert clean["amount"] == 1200.0 and clean["quantity"] == 3 and clean["urgent"] is True
    assert clean["items"] == [{"item": "椅子", "price": 600.0}]
    assert clean["needed_by"] == "2026-11-02" and clean["delivery"] == ["deliver"]
    assert "it_reason" not in clean  # hidden by its condition: never kept


@pytest.mark.parametrize(
    ("change", "field", "zh", "en"),
    [
        ({"subject": None}, "subject", "此项必填", "This field is required."),
        ({"subject": "椅"}, "subject", "至少 2 个字符", "At least 2 characters."),
        ({"subject": "椅" * 41}, "subject", "最多 40 个字符", "At most 40 characters."),
        ({"budget_code": "ab-12"}, "budget_code", "格式不正确", "Not in the required format."),
        ({"amount": 0}, "amount", "不能小于 1.00", "Must be at least 1.00."),
        ({"amount": 200000.01}, "amount", "不能大于 200000.00", "Must be at most 200000.00."),
        ({"amount": "lots"}, "amount", "请输入有效的数字", "Not a valid number."),
        ({"quantity": 1.5}, "quantity", "请输入整数", "Not a valid whole number."),
        ({"quantity": 0}, "quantity", "不能小于 1", "Must be at least 1."),
        ({"needed_by": "2026-13-01"}, "needed_by", "日期格式应为 YYYY-MM-DD", "Not a valid date (YYYY-MM-DD)."),
        ({"category": "food"}, "category", "无效选项：food", "Not a valid choice: food."),
        ({"urgent": "yes"}, "urgent", "应为 true 或 false", "Must be true or false."),
        ({"delivery": ["fly"]}, "delivery", "无效选项：fly", "Not a valid choice: fly."),
        ({"category": "it"}, "it_reason", "此项必填", "This field is required."),
        ({"items": [{"price": 5}]}, "items", "第 1 行 物品：此项必填", "Row 1, 物品: This field is required."),
        (
            {"items": [{"item": "笔", "price": -1}]},
            "items",
            "第 1 行 单价：不能小于 0.00",
            "Row 1, 单价: Must be at least 0.00.",
        ),
        ({"items": "笔"}, "items", "应为行的列表，每行是一个对象", "Must be a list of rows, each an object."),
        ({"quote": ["a.pdf"]}, "quote", "应为已上传附件的编号列表", "Must be a list of numbers of attached files."),
        ({"sneaky": 1}, "sneaky", "未知字段", "Unknown field."),
    ],
)
def test_each_constraint_is_checked_on_the_server_in_the_readers_language(
    app: Flask, change: dict[str, Any], field: str, zh: str, en: str
) -> None:
    data = {**GOOD, **change}
    with app.test_request_context():
        assert check(data)[1].get(field) == [zh]
        assert check(data, "en")[1].get(field) == [en]


def test_a_condition_or_a_definition_the_server_cannot_check_is_refused(app: Flask) -> None:
    broken = copy.deepcopy(SCHEMA)
    broken["components"][6]["conditional"] = {"hide": "=now() > date(x)"}
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    answer = owner.post("/api/v1/forms", {"key": "purchase_request", "definition": {**broken}})
    assert answer.status_code == 422
    assert "it_reason" in answer.json["errors"]["definition"][0]
    dynamic = copy.deepcopy(SCHEMA)
    dynamic["components"][5] = {"type": "select", "key": "category", "label": "类别", "valuesKey": "categories"}
    assert owner.post("/api/v1/forms", {"key": "purchase_request", "definition": dynamic}).status_code == 422
    assert db.session.scalars(db.select(FormVersion).where(FormVersion.form_key == "purchase_request")).all() == []


def test_forms_are_created_read_and_versioned_over_the_api(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    created = owner.post("/api/v1/forms", {"key": "purchase_request", "definition": SCHEMA})
    assert created.status_code == 201 and created.json == {"key": "purchase_request", "version": 1}
    assert owner.post("/api/v1/forms", {"key": "purchase_request", "definition": SCHEMA}).status_code == 409

    listed = {f["key"]: f for f in owner.get("/api/v1/forms").json["forms"]}
    assert listed["purchase_request"]["title_en"] == "Purchase request" and listed["purchase_request"]["version"] == 1
    assert listed["credit_approval"]["version"] == 0  # the JSON forms in forms/ are listed too

    read = owner.get("/api/v1/forms/purchase_request").json
    assert read["format"] == "designed" and read["definition"]["components"][0]["key"] == "subject"

    changed = copy.deepcopy(SCHEMA)
    changed["components"][2]["validate"]["max"] = 5000
    saved = owner.put("/api/v1/forms/purchase_request", {"definition": changed, "version": 1})
    assert saved.status_code == 200 and saved.json["version"] == 2
    stale = owner.put("/api/v1/forms/purchase_request", {"definition": changed, "version": 1})
    assert stale.status_code == 409
    assert owner.get("/api/v1/forms/credit_approval").json["format"] == "json"
    assert owner.put("/api/v1/forms/nothing_here", {"definition": changed}).status_code == 404

    gm = ApiUser(app.test_client(), "general_manager", PASSWORD)
    assert gm.post("/api/v1/forms", {"key": "x_form", "definition": SCHEMA}).status_code == 403
    assert gm.get("/api/v1/forms").status_code == 403


def diagram(key: str, form_attr: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_{key}" targetNamespace="x">
  <bpmn:process id="{key}" name="采购申请" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="fill" name="填写采购申请" camunda:candidateGroups="salesperson" {form_attr} />
    <bpmn:userTask id="approve" name="审批" camunda:candidateGroups="general_manager" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="approve" />
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def post_files(owner: ApiUser, files: list[tuple[str, str]]) -> Any:
    data = {"file": [(io.BytesIO(text.encode()), name) for name, text in files]}
    return owner.client.post("/api/v1/process-models", data=data, headers=owner.headers)


def _fill_task(instance_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "fill")
    ).one()


def test_a_camunda_form_file_deploys_with_its_diagram_and_the_task_checks_it(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    camunda_form = {**copy.deepcopy(SCHEMA), "id": "Purchase_Form"}
    key = "purchase_camunda"
    answer = post_files(
        owner,
        [
            (f"{key}.bpmn", diagram(key, 'camunda:formRef="Purchase_Form" camunda:formRefBinding="latest"')),
            ("purchase.form", json.dumps(camunda_form, ensure_ascii=False)),
        ],
    )
    assert answer.status_code == 201, answer.json
    assert [d["process_key"] for d in answer.json["deployed"]] == [key]

    sales = ApiUser(client, "salesperson", PASSWORD)
    started = sales.post(f"/api/v1/processes/{key}/instances", {"data": {}})
    assert started.status_code == 201, started.json
    task = _fill_task(started.json["id"])
    assert task.form_key == "purchase_form"
    sales.headers["Accept-Language"] = "en"
    refused = sales.post(f"/api/v1/tasks/{task.id}/complete", {"data": {**GOOD, "amount": 0}})
    assert refused.status_code == 422 and refused.json["errors"]["amount"] == ["Must be at least 1.00."]
    done = sales.post(f"/api/v1/tasks/{task.id}/complete", {"data": GOOD})
    assert done.status_code == 200, done.json


def test_a_form_key_names_a_designed_form_and_a_new_version_is_used_at_once(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    assert owner.post("/api/v1/forms", {"key": "purchase_request", "definition": SCHEMA}).status_code == 201
    key = "purchase_keyed"
    deployed = post_files(owner, [(f"{key}.bpmn", diagram(key, 'camunda:formKey="purchase_request"'))])
    assert deployed.status_code == 201, deployed.json
    sales = ApiUser(client, "salesperson", PASSWORD)
    task = _fill_task(sales.post(f"/api/v1/processes/{key}/instances", {"data": {}}).json["id"])

    stricter = copy.deepcopy(SCHEMA)
    stricter["components"][1]["validate"]["required"] = True
    assert owner.put("/api/v1/forms/purchase_request", {"definition": stricter, "version": 1}).status_code == 200
    refused = sales.post(f"/api/v1/tasks/{task.id}/complete", {"data": GOOD})
    assert refused.status_code == 422 and "budget_code" in refused.json["errors"]
    assert (
        sales.post(f"/api/v1/tasks/{task.id}/complete", {"data": {**GOOD, "budget_code": "XZ-2026"}}).status_code == 200
    )


def test_the_task_page_renders_a_designed_form_and_takes_rows_and_files(app: Flask) -> None:
    client = app.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    assert owner.post("/api/v1/forms", {"key": "purchase_request", "definition": SCHEMA}).status_code == 201
    key = "purchase_page"
    assert post_files(owner, [(f"{key}.bpmn", diagram(key, 'camunda:formKey="purchase_request"'))]).status_code == 201
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    task = _fill_task(sales.post(f"/api/v1/processes/{key}/instances", {"data": {}}).json["id"])

    browser = app.test_client()
    login(browser, "salesperson")
    page = browser.get(f"/tasks/{task.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html and 'name="items-0-item"' in html and 'name="items-2-item"' in html
    assert 'data-hide-if="=category != &#34;it&#34;"' in html and 'type="file"' in html

    form = {
        "csrf_token": csrf_token(page.data),
        "subject": "显示器",
        "amount": "2400",
        "category": "it",
        "items-0-item": "显示器",
        "items-0-price": "1200",
        "items-1-item": "",
        "items-1-price": "",
        "quote": (io.BytesIO(b"%PDF-1.4 quote"), "quote.pdf"),
    }
    refused = browser.post(f"/tasks/{task.id}", data=dict(form), content_type="multipart/form-data")
    assert refused.status_code == 422  # category "it" shows the reason, and it is required
    assert "此项必填" in refused.get_data(as_text=True)

    form["it_reason"] = "旧显示器损坏"
    form["quote"] = (io.BytesIO(b"%PDF-1.4 quote"), "quote.pdf")
    done = browser.post(f"/tasks/{task.id}", data=form, content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    db.session.expire_all()
    data = db.session.get(type(task.instance), task.instance_id).data
    assert data["items"] == [{"item": "显示器", "price": 1200.0}]
    assert data["it_reason"] == "旧显示器损坏" and len(data["quote"]) == 1
    record = browser.get(f"/instances/{task.instance_id}").get_data(as_text=True)
    assert "物品：显示器，单价：" in record and "已附 1 个文件" in record  # rows read as labelled cells

    stray = {**GOOD, "quote": [999999]}  # a file of no instance, or of another one
    other = sales.post(f"/api/v1/processes/{key}/instances", {"data": {}}).json["id"]
    refused_api = sales.post(f"/api/v1/tasks/{_fill_task(other).id}/complete", {"data": stray})
    assert refused_api.status_code == 422 and "999999" in refused_api.json["errors"]["quote"][0]
