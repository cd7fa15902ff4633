"""Transfer (转办) by the holder and urge (催办) by the filer or a supervisor."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.extensions import db
from app.models import AuditEvent, HumanTask, InstanceWatcher, OutboxMail, ProcessInstance, Role, User
from app.services.people.accounts import hash_password

from .conftest import PASSWORD
from .support import ApiUser


def second_manager(app: Flask) -> None:
    user = User(
        username="sales_manager2",
        display_name="营销部副经理",
        email="sm2@example.com",
        password_hash=hash_password(PASSWORD),
        created_at=app.extensions["clock"].now(),
    )
    user.roles.append(db.session.scalars(db.select(Role).where(Role.key == "sales_manager")).one())
    db.session.add(user)
    db.session.commit()


def test_the_holder_transfers_to_someone_of_the_same_role_with_an_opinion(app: Flask) -> None:
    second_manager(app)
    client = app.test_client()
    ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="TR1")
    manager = ApiUser(client, "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    url = f"/api/v1/tasks/{task_id}/transfer"
    assert manager.post(url, {"assignee": "sales_manager2", "comment": "出差"}).status_code == 403  # claim first
    manager.post(f"/api/v1/tasks/{task_id}/claim")
    assert manager.post(url, {"assignee": "sales_manager2", "comment": ""}).json["errors"].keys() == {"comment"}
    wrong = manager.post(url, {"assignee": "finance_director", "comment": "出差"})
    assert wrong.status_code == 422 and "assignee" in wrong.json["errors"]
    done = manager.post(url, {"assignee": "sales_manager2", "comment": "本周出差，请代为审批"})
    assert done.status_code == 200 and done.json["assignee"] == "sales_manager2"
    assert manager.tasks() == []
    assert ApiUser(client, "sales_manager2", PASSWORD).only_task()["id"] == task_id
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "transfer")).one()
    assert (event.actor.username, event.comment, event.details) == (
        "sales_manager",
        "本周出差，请代为审批",
        {"to": "sales_manager2"},
    )
    assert db.session.scalars(db.select(OutboxMail).where(OutboxMail.to_address == "sm2@example.com")).all()


def test_the_filer_or_a_supervisor_urges_and_the_holder_is_told(app: Flask) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    sales.start_credit(customer_code="UR1")
    task_id = ApiUser(client, "sales_manager", PASSWORD).only_task()["id"]
    url = f"/api/v1/tasks/{task_id}/urge"
    assert ApiUser(client, "salesperson2", PASSWORD).post(url, {"comment": "快点"}).status_code == 403
    assert ApiUser(client, "finance_director", PASSWORD).post(url, {"comment": "快点"}).status_code == 403
    assert sales.post(url, {"comment": ""}).status_code == 422
    assert sales.post(url, {"comment": "客户急需发货，请尽快审批"}).status_code == 200
    assert ApiUser(client, "sales_vp", PASSWORD).post(url, {"comment": "请今天处理"}).status_code == 200
    urges = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "urge")).all()
    assert [(e.actor.username, e.comment) for e in urges] == [
        ("salesperson", "客户急需发货，请尽快审批"),
        ("sales_vp", "请今天处理"),
    ]
    mails = db.session.scalars(db.select(OutboxMail).where(OutboxMail.kind == "urge")).all()
    assert [m.to_address for m in mails] == ["sales_manager@example.com"] * 2
    assert "催办" in mails[0].subject and "客户急需发货" in mails[0].body


def test_transfer_and_urge_from_the_web_pages(app: Flask) -> None:
    from .conftest import csrf_token, login

    second_manager(app)
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="TW1")
    manager = app.test_client()
    login(manager, "sales_manager")
    task_id = ApiUser(app.test_client(), "sales_manager", PASSWORD).only_task()["id"]
    token = csrf_token(manager.get(f"/tasks/{task_id}").data)
    manager.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    page = manager.get(f"/tasks/{task_id}").data.decode()
    assert 'id="transfer"' in page and 'data-picker="transfer"' in page
    # The picker on that form offers the one colleague holding the role.
    offered = manager.get(f"/people?for=transfer&task={task_id}&q=").json["users"]
    assert [u["username"] for u in offered] == ["sales_manager2"]
    response = manager.post(
        f"/tasks/{task_id}/transfer", data={"assignee": "sales_manager2", "comment": "请代批", "csrf_token": token}
    )
    assert response.status_code == 302
    filer = app.test_client()
    login(filer, "salesperson")
    instance_page = filer.get(
        f"/instances/{ApiUser(app.test_client(), 'sales_manager2', PASSWORD).only_task()['instance_id']}"
    )
    assert 'class="inline urge"' in instance_page.data.decode()
    urge = filer.post(
        f"/tasks/{task_id}/urge", data={"comment": "请尽快", "csrf_token": csrf_token(instance_page.data)}
    )
    assert urge.status_code == 302
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.task_id == task_id)).all()
    assert {"transfer", "urge"} <= set(actions)


def test_the_filer_withdraws_before_anyone_acts_and_no_task_is_left(app: Flask) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    first = sales.start_credit(customer_code="WD1").json["id"]
    second = sales.start_credit(customer_code="WD2").json["id"]
    url = f"/api/v1/instances/{first}/withdraw"
    assert ApiUser(client, "salesperson2", PASSWORD).post(url, {"comment": "x"}).status_code == 403
    assert sales.post(url, {"comment": ""}).status_code == 422
    done = sales.post(url, {"comment": "客户资料有误，撤回重填"})
    assert done.status_code == 200 and done.json["status"] == "withdrawn"
    assert sales.post(url, {"comment": "again"}).status_code == 409
    manager = ApiUser(client, "sales_manager", PASSWORD)
    assert [t["instance_id"] for t in manager.tasks()] == [second]
    # once the sales manager has claimed the second one, it can no longer be withdrawn
    manager.post(f"/api/v1/tasks/{manager.only_task()['id']}/claim")
    refused = sales.post(f"/api/v1/instances/{second}/withdraw", {"comment": "too late"})
    # the API answers in the caller's language: Chinese, the default
    assert refused.status_code == 409 and "下一步已有人处理" in refused.json["error"]


def test_a_copied_colleague_reads_but_cannot_act(app: Flask) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="CC1").json["id"]
    colleague = ApiUser(client, "credit_controller", PASSWORD)
    assert colleague.get(f"/api/v1/instances/{instance_id}").status_code == 403
    url = f"/api/v1/instances/{instance_id}/copy-to"
    assert colleague.post(url, {"user": "credit_controller", "comment": "me too"}).status_code == 403
    assert sales.post(url, {"user": "nobody", "comment": "FYI"}).status_code == 422
    assert sales.post(url, {"user": "credit_controller", "comment": "供信用控制参考"}).status_code == 200
    assert colleague.get(f"/api/v1/instances/{instance_id}").status_code == 200
    task_id = ApiUser(client, "sales_manager", PASSWORD).only_task()["id"]
    assert colleague.decide(task_id, "approve", "not mine to decide").status_code == 403
    mail = db.session.scalars(db.select(OutboxMail).where(OutboxMail.kind == "copy")).one()
    assert mail.to_address == "credit_controller@example.com" and f"/instances/{instance_id}" in mail.body


def test_withdraw_and_copy_to_from_the_instance_page(app: Flask) -> None:
    from .conftest import csrf_token, login

    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="WP1").json["id"]
    filer = app.test_client()
    login(filer, "salesperson")
    page = filer.get(f"/instances/{instance_id}").data
    assert b'id="withdraw"' in page and b'id="copy-to"' in page
    token = csrf_token(page)
    filer.post(
        f"/instances/{instance_id}/copy-to", data={"user": "credit_controller", "comment": "参考", "csrf_token": token}
    )
    assert (
        ApiUser(app.test_client(), "credit_controller", PASSWORD).get(f"/api/v1/instances/{instance_id}").status_code
        == 200
    )
    response = filer.post(f"/instances/{instance_id}/withdraw", data={"comment": "填错了", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "withdrawn"
    assert b'id="withdraw"' not in filer.get(f"/instances/{instance_id}").data


def _browser(app: Flask, username: str) -> tuple[Any, str]:
    from .conftest import csrf_token, login

    client = app.test_client()
    login(client, username)
    return client, csrf_token(client.get("/tasks").data)


def _count(model: Any, *where: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_copy_to_needs_an_opinion_and_the_audit_keeps_it(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="CO1").json["id"]
    url = f"/api/v1/instances/{instance_id}/copy-to"
    for body in (
        {"user": "credit_controller", "comment": ""},
        {"user": "credit_controller", "comment": "  "},
        {"user": "credit_controller"},
    ):
        refused = sales.post(url, body)
        assert refused.status_code == 422 and list(refused.json["errors"]) == ["comment"], body
    filer, token = _browser(app, "salesperson")
    page = filer.post(
        f"/instances/{instance_id}/copy-to", data={"user": "credit_controller", "comment": "", "csrf_token": token}
    )
    assert page.status_code == 422 and "comment: 必须填写意见" in page.get_data(as_text=True)
    assert _count(InstanceWatcher) == 0 and _count(AuditEvent, AuditEvent.action == "copy_to") == 0

    assert sales.post(url, {"user": "credit_controller", "comment": " 供信用控制参考 "}).status_code == 200
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "copy_to")).one()
    assert (event.actor.username, event.comment, event.details, event.instance_id) == (
        "salesperson",
        "供信用控制参考",
        {"user": "credit_controller"},
        instance_id,
    )


def test_the_pages_refuse_whoever_may_not_transfer_urge_withdraw_or_copy(app: Flask) -> None:
    second_manager(app)
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="RF1").json["id"]
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    manager.post(f"/api/v1/tasks/{task_id}/claim")
    mails_before = _count(OutboxMail)

    def refused(username: str, url: str, data: dict[str, str]) -> None:
        client, token = _browser(app, username)
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, (username, url)

    transfer = {"assignee": "sales_manager2", "comment": "请代批"}
    for outsider in ("sales_manager2", "finance_director", "salesperson"):  # only the holder transfers
        refused(outsider, f"/tasks/{task_id}/transfer", transfer)
    for outsider in ("salesperson2", "finance_director", "credit_controller"):  # not the filer, no supervisor
        refused(outsider, f"/tasks/{task_id}/urge", {"comment": "快点"})
    for outsider in ("salesperson2", "sales_manager", "sales_vp"):  # only the filer withdraws
        refused(outsider, f"/instances/{instance_id}/withdraw", {"comment": "撤回"})
    for outsider in ("finance_director", "credit_controller", "salesperson2"):  # not involved
        refused(outsider, f"/instances/{instance_id}/copy-to", {"user": "admin", "comment": "看看"})

    db.session.expire_all()
    task = db.session.get(HumanTask, task_id)
    assert (task.status, task.assignee.username) == ("open", "sales_manager")
    assert db.session.get(ProcessInstance, instance_id).status == "running"
    acted = AuditEvent.action.in_(("transfer", "urge", "withdraw", "copy_to"))
    assert _count(AuditEvent, acted) == 0 and _count(InstanceWatcher) == 0
    assert _count(OutboxMail) == mails_before


def test_a_single_task_is_rejected_through_its_form(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="RJ1").json["id"]
    task_id = ApiUser(app.test_client(), "sales_manager", PASSWORD).only_task()["id"]
    browser, token = _browser(app, "sales_manager")
    browser.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    response = browser.post(
        f"/tasks/{task_id}", data={"decision": "reject", "comment": "回款记录不足", "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/tasks")
    db.session.expire_all()
    task = db.session.get(HumanTask, task_id)
    assert (task.status, task.completed_by.username) == ("completed", "sales_manager")
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "reject")).one()
    assert (event.actor.username, event.comment, event.task_id) == ("sales_manager", "回款记录不足", task_id)
    assert _count(HumanTask, HumanTask.instance_id == instance_id, HumanTask.status == "open") == 0
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
