"""Delegation (委托): tasks follow the delegate while the period lasts and come back after it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from app.extensions import db
from app.models import AuditEvent, Delegation, HumanTask, OutboxMail, User
from app.services.deadlines import scheduling

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser


def user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def delegate(delegator: ApiUser, to: str, starts_at: Any, length: timedelta, reason: str) -> Any:
    """Ask for a delegation through the API, as the delegator would."""
    return delegator.post(
        "/api/v1/delegations",
        {
            "delegate": to,
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + length).isoformat(),
            "reason": reason,
        },
    )


def claimed_task(app: Flask, code: str) -> tuple[ApiUser, int]:
    client = app.test_client()
    ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code=code)
    manager = ApiUser(client, "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    assert manager.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    return manager, task_id


def holder(task_id: int) -> str:
    db.session.expire_all()
    return db.session.get(HumanTask, task_id).assignee.username


def test_an_active_delegation_moves_open_tasks_and_the_delegate_acts_on_behalf(app: Flask, clock: Any) -> None:
    manager, task_id = claimed_task(app, "DG1")
    now = clock.now()
    made = delegate(manager, "sales_vp", now, timedelta(days=3), "出差")
    assert made.status_code == 201, made.json
    assert holder(task_id) == "sales_vp"
    assert manager.tasks() == []
    vp = ApiUser(manager.client, "sales_vp", PASSWORD)
    assert [t["id"] for t in vp.tasks()] == [task_id]
    assert vp.decide(task_id, "approve", "代为同意").status_code == 200
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "approve")).one()
    assert (event.actor.username, event.details["on_behalf_of"]) == ("sales_vp", "sales_manager")


def test_the_tick_hands_out_when_the_period_begins_and_brings_back_when_it_ends(app: Flask, clock: Any) -> None:
    manager, task_id = claimed_task(app, "DG2")
    start = clock.now() + timedelta(hours=1)
    delegate(manager, "sales_vp", start, timedelta(days=1), "休假")
    assert holder(task_id) == "sales_manager"  # not yet
    clock.set(start + timedelta(minutes=1))
    assert scheduling.tick().delegated_tasks_moved == 1
    assert holder(task_id) == "sales_vp"
    assert scheduling.tick().delegated_tasks_moved == 0  # once
    clock.set(start + timedelta(days=1, minutes=1))
    assert scheduling.tick().delegated_tasks_moved == 1
    assert holder(task_id) == "sales_manager"
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.task_id == task_id)).all()
    assert actions[-2:] == ["delegate_task", "delegation_ended"]


def test_a_new_task_for_someone_away_goes_to_the_delegate(app: Flask, clock: Any) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="DG3").json["id"]
    now = clock.now()
    away = {
        "delegate": "salesperson2",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=5)).isoformat(),
        "reason": "年假",
    }
    assert sales.post("/api/v1/delegations", away).status_code == 201
    manager = ApiUser(client, "sales_manager", PASSWORD)
    # The diagram sends the correction to the filer by name; the filer is away.
    assert manager.decide(manager.only_task()["id"], "return", "请补充资料").status_code == 200
    correction = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).one()
    assert (correction.bpmn_id, correction.assignee.username) == ("correct_application", "salesperson2")
    assert sales.tasks() == []
    mail = db.session.scalars(db.select(OutboxMail.to_address).where(OutboxMail.subject.contains("修改"))).all()
    assert mail == ["salesperson2@example.com"]  # told once, and only the delegate


def test_the_delegate_sees_the_delegators_role_queue_only_while_it_lasts(app: Flask, clock: Any) -> None:
    client = app.test_client()
    ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="DG4")
    manager = ApiUser(client, "sales_manager", PASSWORD)
    finance = ApiUser(client, "finance_director", PASSWORD)
    assert finance.tasks() == []
    now = clock.now()
    delegate(manager, "finance_director", now, timedelta(hours=4), "下午开会")
    assert [t["role"] for t in finance.tasks("queue")] == ["sales_manager"]
    clock.set(now + timedelta(hours=5))
    assert finance.tasks() == []


def test_cancel_brings_tasks_back_and_only_the_delegator_may_cancel(app: Flask, clock: Any) -> None:
    manager, task_id = claimed_task(app, "DG5")
    now = clock.now()
    made = delegate(manager, "sales_vp", now, timedelta(days=3), "出差").json
    url = f"/api/v1/delegations/{made['id']}"
    vp = ApiUser(manager.client, "sales_vp", PASSWORD)
    assert vp.client.delete(url, json={"reason": "我来取消"}, headers=vp.headers).status_code == 403
    for body in (None, {}, {"reason": "  "}, {"reason": 7}):
        refused = manager.client.delete(url, json=body, headers=manager.headers)
        assert refused.status_code == 422 and list(refused.json["errors"]) == ["reason"], body
    assert holder(task_id) == "sales_vp"  # a refused cancel changes nothing
    done = manager.client.delete(url, json={"reason": "提前回来了"}, headers=manager.headers)
    assert done.status_code == 200 and done.json["cancelled_at"]
    assert holder(task_id) == "sales_manager"
    again = manager.client.delete(url, json={"reason": "再取消"}, headers=manager.headers)
    assert again.status_code == 409


def test_creating_and_cancelling_are_audited_with_the_actor_and_the_reason(app: Flask, clock: Any) -> None:
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    now = clock.now()
    made = delegate(manager, "sales_vp", now, timedelta(days=2), " 出差北京 ")
    assert made.status_code == 201 and made.json["reason"] == "出差北京"
    assert db.session.get(Delegation, made.json["id"]).reason == "出差北京"
    manager.client.delete(
        f"/api/v1/delegations/{made.json['id']}", json={"reason": "行程取消"}, headers=manager.headers
    )
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.subject == f"delegation:{made.json['id']}").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor.username, e.comment) for e in events] == [
        ("delegation_created", "sales_manager", "出差北京"),
        ("delegation_cancelled", "sales_manager", "行程取消"),
    ]
    assert events[0].details["delegate"] == "sales_vp"
    listed = manager.get("/api/v1/delegations").json["delegations"]
    assert [d["reason"] for d in listed] == ["出差北京"]


def test_bad_delegations_are_refused_naming_the_field(app: Flask, clock: Any) -> None:
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    now = clock.now()
    later = (now + timedelta(days=1)).isoformat()

    def errors(**body: Any) -> list[str]:
        answer = manager.post(
            "/api/v1/delegations", {"starts_at": now.isoformat(), "ends_at": later, "reason": "出差", **body}
        )
        assert answer.status_code == 422
        return list(answer.json["errors"])

    assert errors(delegate="sales_manager") == ["delegate"]
    to_self = {"delegate": "sales_manager", "starts_at": now.isoformat(), "ends_at": later, "reason": "出差"}
    assert manager.post("/api/v1/delegations", to_self).json["errors"] == {"delegate": ["不能委托给自己"]}
    english = manager.client.post(
        "/api/v1/delegations", json=to_self, headers={**manager.headers, "Accept-Language": "en"}
    )
    assert english.json["errors"] == {"delegate": ["you cannot delegate to yourself"]}
    assert errors(delegate="nobody") == ["delegate"]
    assert errors(delegate="sales_vp", ends_at=now.isoformat()) == ["ends_at"]
    assert errors(delegate="sales_vp", starts_at="yesterday") == ["starts_at"]
    assert errors(delegate="sales_vp", reason="") == ["reason"]
    assert errors(delegate="sales_vp", reason="   ") == ["reason"]
    assert errors(delegate="sales_vp", reason=["出差"]) == ["reason"]
    assert errors(delegate="sales_vp", reason="长" * 2001) == ["reason"]
    # PostgreSQL cannot hold a NUL: refused by name on both databases instead of failing there.
    assert errors(delegate="sales\x00vp") == ["delegate"]
    assert errors(delegate="sales_vp", reason="出\x00差") == ["reason"]
    no_reason = {"delegate": "sales_vp", "starts_at": now.isoformat(), "ends_at": later}
    assert manager.post("/api/v1/delegations", no_reason).json["errors"] == {"reason": ["必须说明原因"]}
    assert db.session.scalar(db.select(db.func.count(Delegation.id))) == 0
    audited = db.select(db.func.count(AuditEvent.id)).where(AuditEvent.subject.like("delegation:%"))
    assert db.session.scalar(audited) == 0
    assert manager.post("/api/v1/delegations", {**no_reason, "reason": "出差"}).status_code == 201
    assert errors(delegate="general_manager") == ["starts_at"]  # overlaps
    assert db.session.scalar(db.select(db.func.count(Delegation.id))) == 1


def test_the_delegations_page_creates_and_cancels_with_a_reason(app: Flask, client: Any) -> None:
    login(client, "sales_manager")
    page = client.get("/delegations")
    assert page.status_code == 200
    token = csrf_token(page.data)
    form = {"delegate": "sales_vp", "starts_at": "2026-11-24T09:00", "ends_at": "2026-11-25T18:00", "csrf_token": token}
    refused = client.post("/delegations", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="reason"' in html and "必须说明原因" in html
    assert 'value="sales_vp"' in html  # what was typed stays
    assert db.session.scalar(db.select(db.func.count(Delegation.id))) == 0
    assert client.post("/delegations", data={**form, "reason": "去上海出差"}).status_code == 302
    made = db.session.scalars(db.select(Delegation)).one()
    assert (made.delegate.username, made.reason) == ("sales_vp", "去上海出差")
    assert "去上海出差" in client.get("/delegations").get_data(as_text=True)
    login(other := app.test_client(), "sales_vp")
    other_token = csrf_token(other.get("/delegations").data)
    cancel = f"/delegations/{made.id}/cancel"
    assert other.post(cancel, data={"csrf_token": other_token, "reason": "x"}).status_code == 403
    no_reason = client.post(cancel, data={"csrf_token": token})
    assert no_reason.status_code == 422 and 'data-field="reason"' in no_reason.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Delegation, made.id).cancelled_at is None
    assert client.post(cancel, data={"csrf_token": token, "reason": "行程推迟"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Delegation, made.id).cancelled_at is not None
    cancelled = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "delegation_cancelled")).one()
    assert (cancelled.actor.username, cancelled.comment) == ("sales_manager", "行程推迟")


def test_the_delegations_page_speaks_english(app: Flask, client: Any) -> None:
    user("sales_manager").locale = "en"
    db.session.commit()
    login(client, "sales_manager")
    token = csrf_token(client.get("/delegations").data)
    form = {"delegate": "sales_vp", "starts_at": "2026-11-24T09:00", "ends_at": "2026-11-25T18:00", "csrf_token": token}
    html = client.post("/delegations", data=form).get_data(as_text=True)
    assert "Reason" in html and "a reason is required" in html


def test_the_delegation_model_and_its_migration_agree(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert [d for d in differences if "delegations" in str(d)] == []


def test_the_openapi_document_describes_the_collaboration_endpoints(app: Flask) -> None:
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/delegations"]) == {"get", "post"}
    assert set(paths["/delegations/{delegation_id}"]) == {"delete"}
    assert set(paths["/tasks/{task_id}/draft"]) == {"get", "put"}
    assert set(paths["/instances/{instance_id}/attachments"]) == {"get", "post"}
    assert set(paths["/instances/{instance_id}/comments"]) == {"get", "post"}
    assert {"/tasks/{task_id}/return", "/attachments/{attachment_id}"} <= set(paths)


def test_a_delegate_works_the_queue_but_does_not_gain_the_delegators_other_rights(app: Flask, clock: Any) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    finance = ApiUser(client, "finance_director", PASSWORD)
    now = clock.now()
    made = delegate(sales, "finance_director", now, timedelta(days=1), "外出培训")
    assert made.status_code == 201
    # Filing a credit application is the salesperson's own right, not part of the work handed over.
    assert finance.start_credit(customer_code="DG9").status_code == 403
    assert db.session.scalar(db.select(db.func.count(HumanTask.id))) == 0
