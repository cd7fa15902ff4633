"""Returning a task (退回) to the previous step or to the filer, and landing straight back on the returner."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance, User
from app.services.common.errors import Forbidden, ValidationFailed
from app.services.desk import returns
from app.services.desk import tasks as task_service

from .conftest import PASSWORD, SHANGHAI, csrf_token, login
from .support import ApiUser


def user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def open_task(instance_id: int) -> HumanTask:
    return db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).one()


def to_finance(app: Flask, code: str) -> tuple[ApiUser, int]:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code=code).json["id"]
    for approver in ("sales_manager", "sales_vp"):
        person = ApiUser(client, approver, PASSWORD)
        assert person.decide(person.only_task()["id"], "approve", "同意").status_code == 200
    return sales, instance_id


def test_return_to_the_filer_and_the_resubmission_lands_on_the_returner(app: Flask) -> None:
    sales, instance_id = to_finance(app, "RT1")
    finance = ApiUser(sales.client, "finance_director", PASSWORD)
    task_id = finance.only_task()["id"]
    refused = finance.post(f"/api/v1/tasks/{task_id}/return", {"target": "filer", "comment": ""})
    assert refused.status_code == 422 and refused.json["errors"] == {"comment": ["退回任务必须填写审批意见"]}
    in_english = finance.client.post(
        f"/api/v1/tasks/{task_id}/return",
        json={"target": "filer", "comment": ""},
        headers={**finance.headers, "Accept-Language": "en"},
    )
    assert in_english.json["errors"] == {"comment": ["an opinion is required to return a task"]}
    assert (
        ApiUser(sales.client, "sales_manager", PASSWORD)
        .post(f"/api/v1/tasks/{task_id}/return", {"target": "filer", "comment": "x"})
        .status_code
        == 403
    )
    back = finance.post(f"/api/v1/tasks/{task_id}/return", {"target": "filer", "comment": "请补充应收账龄"})
    assert back.status_code == 200, back.json
    assert finance.tasks() == []
    resubmit = sales.only_task()
    assert resubmit["id"] == back.json["id"]
    row = db.session.get(HumanTask, resubmit["id"])
    assert (row.name, row.name_en) == ("重新提交申请", "Resubmit the application")
    from .support import application

    # Filed again as it was (the salesperson only added what finance asked for outside the figures).
    data = application(customer_code="RT1", credit_type="temporary")
    data.pop("filed_by", None)
    done = sales.post(f"/api/v1/tasks/{resubmit['id']}/complete", {"data": data})
    assert done.status_code == 200, done.json
    # Straight back to finance: the approvals of the unchanged application are not asked for again.
    assert ApiUser(sales.client, "sales_manager", PASSWORD).tasks() == []
    assert ApiUser(sales.client, "sales_vp", PASSWORD).tasks() == []
    landed = finance.only_task()
    row = db.session.get(HumanTask, landed["id"])
    assert (row.bpmn_id, row.assignee.username) == ("review_finance_director", "finance_director")
    actions = [
        e.action
        for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
        )
    ]
    assert actions[-4:] == ["return", "complete", "skip", "skip"]
    skipped = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "skip")).all()
    assert [(e.actor_id, e.task_name) for e in skipped] == [(None, "营销部经理审批"), (None, "营销副总审批")]
    assert db.session.get(ProcessInstance, instance_id).data["requested_limit"] == 90000
    assert finance.decide(landed["id"], "approve", "同意").status_code == 200
    assert ApiUser(sales.client, "general_manager", PASSWORD).only_task()


def test_return_to_the_previous_step_reopens_it_for_the_person_who_did_it(app: Flask) -> None:
    _, instance_id = to_finance(app, "RT2")
    finance_task = open_task(instance_id)
    returned = returns.return_task(finance_task.id, user("finance_director"), "previous", "额度依据不足")
    assert (returned.bpmn_id, returned.assignee.username) == ("review_sales_vp", "sales_vp")
    assert open_task(instance_id).id == returned.id
    task_service.complete(returned.id, user("sales_vp"), {"decision": "approve", "comment": "已补充"})
    again = open_task(instance_id)
    assert (again.bpmn_id, again.assignee_id) == ("review_finance_director", user("finance_director").id)


def test_a_reopened_step_gets_a_fresh_deadline_in_working_days(app: Flask) -> None:
    _, instance_id = to_finance(app, "RT3")
    finance_task = open_task(instance_id)
    app.extensions["clock"].set(datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))  # a Friday
    returned = returns.return_task(finance_task.id, user("finance_director"), "previous", "额度依据不足")
    db.session.expire_all()
    reopened = db.session.get(HumanTask, returned.id)
    # "2 working days" from Friday morning skips the weekend: the end of Tuesday's working day.
    assert reopened.due_at is not None
    assert reopened.due_at.astimezone(SHANGHAI).date() == date(2026, 12, 1)
    assert reopened.escalation_level == 0


def test_who_may_return_and_where(app: Flask) -> None:
    client = app.test_client()
    instance_id = ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="RT3").json["id"]
    first = open_task(instance_id)
    try:
        returns.return_task(first.id, user("finance_director"), "filer", "不是我的")
        raise AssertionError("a non-holder returned a task")
    except Forbidden:
        pass
    try:
        returns.return_task(first.id, user("sales_manager"), "previous", "没有上一步")
        raise AssertionError("returned to a step that does not exist")
    except ValidationFailed as err:
        assert "target" in err.errors
    assert open_task(instance_id).id == first.id  # left as it was


def test_the_return_form_on_the_task_page(app: Flask, client: Any) -> None:
    _, instance_id = to_finance(app, "RT4")
    task = open_task(instance_id)
    login(outsider := app.test_client(), "general_manager")
    token = csrf_token(outsider.get("/tasks").data)
    assert (
        outsider.post(
            f"/tasks/{task.id}/return", data={"target": "filer", "comment": "x", "csrf_token": token}
        ).status_code
        == 403
    )
    login(client, "finance_director")
    page = client.get(f"/tasks/{task.id}")
    assert b'id="return"' in page.data
    token = csrf_token(page.data)
    refused = client.post(
        f"/tasks/{task.id}/return", data={"target": "filer", "comment": "", "csrf_token": token}, follow_redirects=True
    )
    assert "comment: 退回任务必须填写审批意见" in refused.data.decode()
    assert open_task(instance_id).id == task.id  # no opinion, no return
    form = {"target": "filer", "comment": "补资料", "csrf_token": token}
    answer = client.post(f"/tasks/{task.id}/return", data=form)
    assert answer.status_code == 302
    resubmit = open_task(instance_id)
    assert (resubmit.bpmn_id, resubmit.assignee.username) == (returns.RESUBMIT_STEP, "salesperson")
    skip_free = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "return")).one()
    assert (skip_free.actor.username, skip_free.comment) == ("finance_director", "补资料")
