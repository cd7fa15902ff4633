"""The approval chain at a glance on task and instance pages, the decision as buttons, system tasks
that read like documents, a complaint's story on every later step, and lateness that agrees with the
calendar."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ComplaintReport, HumanTask, ProcessVersion, User
from app.services.deadlines.lateness import lateness
from app.services.deadlines.workdays import load_calendar
from app.services.modeling.deployment import deploy_diagram

from .conftest import PASSWORD, SHANGHAI, csrf_token, login
from .support import ApiUser


def _text(page: str) -> str:
    """What a reader sees: tags gone, whitespace squeezed."""
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def _chain(page: str) -> str:
    match = re.search(r'(?s)<section class="card" id="chain">.*?</section>', page)
    assert match, "the page has no approval chain"
    return _text(match.group(0))


def _english(username: str) -> None:
    db.session.scalars(db.select(User).where(User.username == username)).one().locale = "en"
    db.session.commit()


@pytest.fixture
def approved_once(client: FlaskClient) -> dict[str, object]:
    """Filed by the salesperson, approved by the sales manager with an opinion and by the sales VP:
    now at the finance director."""
    filer = ApiUser(client, "salesperson", PASSWORD)
    manager = ApiUser(client, "sales_manager", PASSWORD)
    instance_id = filer.start_credit(customer_code="CH1").json["id"]
    [task] = manager.tasks()
    assert manager.decide(task["id"], "approve", "回款稳定，同意授信").status_code == 200
    vp = ApiUser(client, "sales_vp", PASSWORD)
    [vp_task] = vp.tasks()
    assert vp.decide(vp_task["id"], "approve", "回款稳定，同意授信").status_code == 200
    director = ApiUser(client, "finance_director", PASSWORD)
    [next_task] = director.tasks()
    return {"instance_id": instance_id, "task_id": next_task["id"]}


def test_the_approver_sees_the_chain_done_now_and_to_come_in_chinese(
    client: FlaskClient, approved_once: dict[str, object]
) -> None:
    login(client, "finance_director")
    page = client.get(f"/tasks/{approved_once['task_id']}").data.decode()
    chain = _chain(page)
    # Done: who, decision and opinion; now: this step and its due time; to come: the general manager.
    assert chain.index("营销部经理审批") < chain.index("营销副总审批") < chain.index("财务总监审批")
    assert chain.index("财务总监审批") < chain.index("总经理审批")
    assert "营销部经理 " in chain and "已同意" in chain and "回款稳定，同意授信" in chain
    assert "处理中" in chain and "待处理" in chain
    assert "Sales" not in chain and "approve" not in chain
    # The correction step leads back into the chain: it is not listed as still to come.
    assert "修改授信申请" not in chain


def test_the_decision_is_three_buttons_beside_the_opinion(
    client: FlaskClient, approved_once: dict[str, object]
) -> None:
    login(client, "finance_director")
    page = client.get(f"/tasks/{approved_once['task_id']}").data.decode()
    bar = re.search(r'(?s)<div class="decision-bar" id="decision-bar"[^>]*>(.*?)</div>', page)
    assert bar, "no decision bar"
    buttons = re.findall(r'<button type="submit" name="decision" value="(\w+)"[^>]*>([^<]+)</button>', bar.group(1))
    shown = [(v, label.strip()) for v, label in buttons]
    assert shown == [("approve", "同意"), ("reject", "驳回"), ("return", "退回修改")]
    assert '<select id="decision"' not in page and 'name="comment"' in page
    # Pressing 驳回 without an opinion is refused, naming the opinion; with one it is done.
    token = csrf_token(page.encode())
    refused = client.post(f"/tasks/{approved_once['task_id']}", data={"csrf_token": token, "decision": "reject"})
    assert refused.status_code == 422 and 'data-field="comment"' in refused.data.decode()
    done = client.post(
        f"/tasks/{approved_once['task_id']}",
        data={"csrf_token": token, "decision": "reject", "comment": "应收账款逾期"},
    )
    assert done.status_code == 302
    assert db.session.get(HumanTask, approved_once["task_id"]).status == "completed"


def test_the_instance_page_reads_the_chain_in_english(client: FlaskClient, approved_once: dict[str, object]) -> None:
    _english("salesperson")
    login(client, "salesperson")
    page = client.get(f"/instances/{approved_once['instance_id']}").data.decode()
    chain = _chain(page)
    assert "Sales manager approval" in chain and "Approved" in chain and "Sales manager " in chain
    assert "Finance director approval" in chain and "General manager approval" in chain
    assert "To come" in chain and "In progress" in chain
    assert not re.search(r"[\u4e00-\u9fff]", chain.replace("回款稳定，同意授信", ""))


def test_the_task_page_shows_comments_and_files(
    app: Flask, client: FlaskClient, approved_once: dict[str, object]
) -> None:
    login(client, "salesperson")
    page = client.get(f"/instances/{approved_once['instance_id']}").data
    client.post(
        f"/instances/{approved_once['instance_id']}/comments",
        data={"csrf_token": csrf_token(page), "body": "补充了近两年的财务报表"},
    )
    approver = app.test_client()
    login(approver, "finance_director")
    task_page = approver.get(f"/tasks/{approved_once['task_id']}").data.decode()
    assert "补充了近两年的财务报表" in task_page and 'id="upload"' in task_page


def test_lateness_over_a_weekend_counts_monday_and_the_hours_together(app: Flask) -> None:
    due = datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI)  # Friday, end of the working day
    late = lateness(due, datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), load_calendar())
    assert late is not None and (late.working_days, late.days, late.hours) == (1, 2, 16)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert late.label() == "逾期第 1 个工作日（共 2 天 16 小时）"
    on_saturday = lateness(due, datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), load_calendar())
    assert on_saturday is not None and (on_saturday.working_days, on_saturday.days, on_saturday.hours) == (0, 0, 16)


def test_an_escalation_task_reads_like_a_document(app: Flask, client: FlaskClient) -> None:
    db.session.add(ComplaintReport(year=2026, month=10, created_at=app.extensions["clock"].now()))
    db.session.commit()
    ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="LATE1")
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", "2026-11-25T18:30:00+08:00"])
    assert "escalations: 1" in result.output
    db.session.expire_all()
    urge = db.session.scalars(db.select(HumanTask).where(HumanTask.process_key == "overdue_escalation")).one()
    late = db.session.scalars(
        db.select(HumanTask).where(HumanTask.business_key == "LATE1", HumanTask.process_key == "credit_application")
    ).one()
    login(client, "sales_vp")
    page = client.get(f"/tasks/{urge.id}").data.decode()
    text = _text(page)
    for key in ("original_task_id", "holder_role", "escalation_due", "original_due_at", "T10:00:00"):
        assert key not in page
    assert f'href="/instances/{late.instance_id}" id="late-task-link"' in page
    assert "2026年11月25日 18:00" in text and "1 个工作日" in text and "营销部经理" in text


def test_each_instance_shows_the_steps_to_come_of_its_own_diagram_version(client: FlaskClient) -> None:
    filer = ApiUser(client, "salesperson", PASSWORD)
    first = filer.start_credit(customer_code="CV1").json["id"]
    login(client, "salesperson")
    assert "总经理审批" in _chain(client.get(f"/instances/{first}").data.decode())
    # A process owner renames the last step in a new version; the running instance keeps its own.
    deployed = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.process_key == "credit_application")
    ).one()
    renamed = deployed.bpmn_xml.replace('name="总经理审批"', 'name="总经理终审"')
    deploy_diagram("credit_application.bpmn", renamed, dict(deployed.dmn_xml), None)
    db.session.commit()
    second = filer.start_credit(customer_code="CV2").json["id"]
    newer, older = (_chain(client.get(f"/instances/{i}").data.decode()) for i in (second, first))
    assert "总经理终审" in newer and "总经理审批" not in newer
    assert "总经理审批" in older and "总经理终审" not in older
