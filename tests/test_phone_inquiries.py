"""Phone inquiries (第三篇 电话接听): a call not answered at once is answered within 30 minutes or
escalates, and each day's calls reach the general manager's office the next working day."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.extensions import db
from app.models import PhoneInquiry, ProcessInstance

from .conftest import PASSWORD, login
from .support import ApiUser, audit_lines
from .test_escalation import tick

CALL = {
    "customer_code": "K001",
    "customer_name": "华南五金",
    "contact": "王经理 13800000000",
    "question": "上月发票何时寄出？",
    "answered_at_once": False,
    "responsible_role": "sales_manager",
}


def record(cs: ApiUser, **overrides: Any) -> Any:
    return cs.post("/api/v1/processes/phone_inquiry/instances", {"data": {**CALL, **overrides}})


def test_an_unanswered_call_is_due_in_30_minutes_escalates_at_31_and_closes_with_the_reply(app: Flask) -> None:
    client = app.test_client()
    cs, manager = ApiUser(client, "cs_director", PASSWORD), ApiUser(client, "sales_manager", PASSWORD)
    vp = ApiUser(client, "sales_vp", PASSWORD)
    started = record(cs)
    assert started.status_code == 201, started.json
    [reply] = manager.tasks()
    assert reply["due_at"] == "2026-11-23T09:30:00+08:00" and "上月发票何时寄出" in reply["title"]
    tick(app, "2026-11-23T09:29:00+08:00")
    assert [t for t in vp.tasks() if t["name"] == "督办"] == []
    tick(app, "2026-11-23T09:31:00+08:00")
    [urge] = [t for t in vp.tasks() if t["name"] == "督办"]  # the sales manager's supervisor
    assert "答复客户来电" in urge["title"]
    done = manager.post(f"/api/v1/tasks/{reply['id']}/complete", {"data": {"reply": "发票已于今日寄出"}})
    assert done.status_code == 200, done.json
    db.session.expire_all()
    call = db.session.scalars(db.select(PhoneInquiry)).one()
    assert call.reply == "发票已于今日寄出" and call.replied_at is not None
    assert db.session.get(ProcessInstance, started.json["id"]).status == "completed"
    assert [t for t in vp.tasks() if t["name"] == "督办"] == []  # the reply ended the escalation


def test_the_reply_time_is_a_setting_and_a_call_answered_at_once_ends_there(app: Flask) -> None:
    app.config["INQUIRY_REPLY_MINUTES"] = 45
    client = app.test_client()
    cs, manager = ApiUser(client, "cs_director", PASSWORD), ApiUser(client, "sales_manager", PASSWORD)
    assert record(cs).status_code == 201
    assert manager.only_task()["due_at"] == "2026-11-23T09:45:00+08:00"
    at_once = record(cs, answered_at_once=True, answer="已告知发货时间", responsible_role=None)
    assert at_once.status_code == 201, at_once.json
    assert db.session.get(ProcessInstance, at_once.json["id"]).status == "completed"


def test_a_call_needs_whom_it_goes_to_and_only_customer_service_records_calls(app: Flask) -> None:
    client = app.test_client()
    cs = ApiUser(client, "cs_director", PASSWORD)
    missing = record(cs, responsible_role=None)
    assert missing.status_code == 422 and "responsible_role" in missing.json["errors"], missing.json
    unanswered = record(cs, answered_at_once=True, answer="")
    assert unanswered.status_code == 422 and "answer" in unanswered.json["errors"], unanswered.json
    assert record(ApiUser(client, "salesperson", PASSWORD)).status_code == 403
    assert db.session.scalar(db.select(db.func.count(PhoneInquiry.id))) == 0


def test_the_days_calls_reach_the_general_managers_office_the_next_working_day(app: Flask, client: FlaskClient) -> None:
    api = app.test_client()
    cs, gm = ApiUser(api, "cs_director", PASSWORD), ApiUser(api, "general_manager", PASSWORD)
    assert record(cs).status_code == 201
    assert record(cs, customer_name="北方机电", answered_at_once=True, answer="已答复", responsible_role=None)
    tick(app, "2026-11-23T20:00:00+08:00")
    assert [t for t in gm.tasks() if t["process_key"] == "phone_call_log"] == []  # not before the next day
    tick(app, "2026-11-24T08:30:00+08:00")
    tick(app, "2026-11-24T08:35:00+08:00")
    [log] = [t for t in gm.tasks() if t["process_key"] == "phone_call_log"]  # once
    assert log["due_at"] == "2026-11-24T18:00:00+08:00" and "2026-11-23" in log["title"]
    login(client, "general_manager")
    page = client.get("/complaints/calls?day=2026-11-23").data.decode()
    assert "华南五金" in page and "北方机电" in page and "营销部经理" in page
    sheet = client.get("/complaints/calls.xlsx?day=2026-11-23")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][0] == "来电时间" and {r[1] for r in rows[1:]} == {"华南五金", "北方机电"}
    reads = audit_lines("read_call_log")
    assert len(reads) == 2 and reads[0].subject == "2026-11-23"
    assert client.get("/complaints/calls?day=23.11.2026").status_code == 400
    other = app.test_client()
    login(other, "salesperson")
    assert other.get("/complaints/calls?day=2026-11-23").status_code == 403
