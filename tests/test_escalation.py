"""Deadlines on tasks, the boundary timer firing through `scheduler tick --at`, escalation up the
org chart, its closing when the task is done, and the supervisor desk with reassignment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, ComplaintReport, HumanTask, OutboxMail, ProcessInstance, TaskEscalation, Timer, User

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser, statements_during


def tick(app: Flask, at: str) -> str:
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", at])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


@pytest.fixture(autouse=True)
def october_report_done(app: Flask) -> None:
    """These tests tick in late November: October's complaint report exists already, so its task stays out."""
    db.session.add(ComplaintReport(year=2026, month=10, created_at=app.extensions["clock"].now()))
    db.session.commit()


@pytest.fixture
def people(client: FlaskClient) -> dict[str, ApiUser]:
    names = ("salesperson", "sales_manager", "sales_vp", "general_manager", "finance_director", "salesperson2")
    return {name: ApiUser(client, name, PASSWORD) for name in names}


def open_escalation_tasks() -> list[HumanTask]:
    return list(
        db.session.scalars(
            db.select(HumanTask).where(HumanTask.process_key == "overdue_escalation", HumanTask.status == "open")
        )
    )


def test_each_approval_step_is_due_in_two_working_days(people: dict[str, ApiUser]) -> None:
    people["salesperson"].start_credit(customer_code="D1")  # Monday 2026-11-23 09:00
    task = people["sales_manager"].only_task()
    assert task["due_at"] == "2026-11-25T18:00:00+08:00"
    assert task["overdue"] is False


def test_inbox_is_soonest_due_first_and_marks_overdue(
    app: Flask, people: dict[str, ApiUser], client: FlaskClient
) -> None:
    people["salesperson"].start_credit(customer_code="LATER")
    app.extensions["clock"].set(app.extensions["clock"].now().replace(day=20))  # Friday before
    people["salesperson"].start_credit(customer_code="SOONER")
    app.extensions["clock"].set(app.extensions["clock"].now().replace(day=25, hour=11))  # Wed 19:00 Shanghai
    tasks = people["sales_manager"].tasks()
    assert [t["business_key"] for t in tasks] == ["SOONER", "LATER"]
    assert [t["overdue"] for t in tasks] == [True, True]
    login(client, "sales_manager")
    page = client.get("/tasks").data.decode()
    assert page.index("SOONER") < page.index("LATER") and 'class="overdue"' in page


def test_overdue_task_escalates_two_levels_then_closes_when_done(app: Flask, people: dict[str, ApiUser]) -> None:
    people["salesperson"].start_credit(customer_code="E1")
    original = people["sales_manager"].only_task()

    assert "escalations: 0" in tick(app, "2026-11-25T17:59:00+08:00")  # not late yet
    assert "escalations: 1" in tick(app, "2026-11-25T18:30:00+08:00")
    [urge] = open_escalation_tasks()
    assert urge.assignee.username == "sales_vp"  # supervisor of the role's holder
    assert urge.title.startswith("督办（第1级）")
    assert urge.due_at.isoformat() == "2026-11-26T10:00:00+00:00"  # end of the next working day, 18:00 Shanghai
    assert people["sales_vp"].only_task()["name"] == "督办"
    mail = db.session.scalars(db.select(OutboxMail).where(OutboxMail.kind == "escalation")).one()
    assert mail.to_address == "sales_vp@example.com" and f"/tasks/{urge.id}" in mail.body
    assert "督办" in mail.subject and "Escalation" in mail.subject

    # Nobody acts: the boundary timer on the escalation task fires and it climbs one level.
    assert "timers fired: 0" in tick(app, "2026-11-26T17:00:00+08:00")
    assert "timers fired: 1" in tick(app, "2026-11-26T18:01:00+08:00")
    [urge2] = open_escalation_tasks()
    assert urge2.assignee.username == "general_manager" and urge2.title.startswith("督办（第2级）")
    assert people["sales_vp"].tasks() == []
    task = people["sales_manager"].only_task()
    assert (task["escalation_level"], task["escalated_to"]) == (2, "general_manager")
    levels = db.session.scalars(db.select(TaskEscalation).order_by(TaskEscalation.level)).all()
    assert [(e.level, e.escalated_to.username, e.status) for e in levels] == [
        (1, "sales_vp", "closed"),
        (2, "general_manager", "open"),
    ]

    # The sales manager finally acts: the open escalation closes itself.
    assert people["sales_manager"].decide(original["id"], "approve", "迟到的同意").status_code == 200
    db.session.expire_all()
    assert open_escalation_tasks() == []
    assert [t["name"] for t in people["general_manager"].tasks()] == []
    escalation = db.session.get(ProcessInstance, urge2.instance_id)
    assert escalation.status == "cancelled"
    assert (
        db.session.scalars(db.select(Timer).where(Timer.instance_id == escalation.id, Timer.status == "pending")).all()
        == []
    )
    assert db.session.scalars(db.select(TaskEscalation).where(TaskEscalation.status == "open")).all() == []
    history = people["salesperson"].get(f"/api/v1/instances/{original['instance_id']}").json["history"]
    assert [h["action"] for h in history if h["action"] == "escalate"] == ["escalate", "escalate"]


def test_escalation_stops_at_the_top_of_the_org_chart(app: Flask, people: dict[str, ApiUser]) -> None:
    people["salesperson"].start_credit(customer_code="TOP")
    tick(app, "2026-11-25T18:30:00+08:00")  # -> sales_vp
    tick(app, "2026-11-26T18:30:00+08:00")  # -> general_manager
    output = tick(app, "2026-11-27T18:30:00+08:00")  # general_manager has nobody above
    assert "timers fired: 1" in output
    assert open_escalation_tasks() == []
    assert db.session.scalar(db.select(db.func.count(TaskEscalation.id))) == 2
    # and the overdue task is not escalated a second time
    assert "escalations: 0" in tick(app, "2026-11-30T18:30:00+08:00")


def test_an_assigned_task_escalates_to_its_holders_supervisor(app: Flask, people: dict[str, ApiUser]) -> None:
    people["salesperson"].start_credit(customer_code="RET")
    manager = people["sales_manager"]
    manager.decide(manager.only_task()["id"], "return", "补充资料")  # back to the filer, due in 2 working days
    tick(app, "2026-11-25T18:30:00+08:00")
    [urge] = open_escalation_tasks()
    assert urge.assignee.username == "sales_manager"  # the salesperson's supervisor


def test_scheduler_tick_rejects_an_instant_without_offset(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", "2026-11-25T18:30:00"])
    assert result.exit_code != 0 and "offset" in result.output


def test_supervisor_desk_and_reassign_with_reason(app: Flask, people: dict[str, ApiUser]) -> None:
    people["salesperson"].start_credit(customer_code="S1")
    people["salesperson"].start_credit(customer_code="S2")
    manager = people["sales_manager"]
    first = manager.tasks()[0]
    manager.post(f"/api/v1/tasks/{first['id']}/claim")
    app.extensions["clock"].set(app.extensions["clock"].now().replace(day=26, hour=2))  # Thu 10:00 Shanghai

    desk = people["sales_vp"].get("/api/v1/supervision/overdue").json
    assert {t["business_key"] for t in desk["tasks"]} == {"S1", "S2"}
    row = next(t for t in desk["tasks"] if t["id"] == first["id"])
    # 16 hours after Wednesday's 18:00 deadline: Thursday is the first working day it is late into.
    assert (row["overdue"], row["late_working_days"], row["late_hours"]) == (True, 1, 16.0)
    assert desk["counts_by_department"] == {"sales": 2}
    assert people["general_manager"].get("/api/v1/supervision/overdue").json["counts_by_department"] == {"sales": 2}
    assert people["finance_director"].get("/api/v1/supervision/overdue").json["tasks"] == []
    filtered = people["sales_vp"].get("/api/v1/supervision/overdue?person=sales_manager").json["tasks"]
    assert [t["id"] for t in filtered] == [first["id"]]
    nul = people["sales_vp"].get("/api/v1/supervision/overdue?person=%00&process=credit_application")
    assert nul.status_code == 200 and nul.json["tasks"] == []  # PostgreSQL would refuse to compare a NUL
    nul_process = people["sales_vp"].get("/api/v1/supervision/overdue?process=%00")
    assert nul_process.status_code == 200 and (nul_process.json["tasks"], nul_process.json["cases_at_risk"]) == ([], [])

    url = f"/api/v1/tasks/{first['id']}/reassign"
    assert people["finance_director"].post(url, {"assignee": "sales_manager", "reason": "x"}).status_code == 403
    no_reason = people["sales_vp"].post(url, {"assignee": "finance_director", "reason": ""})
    assert no_reason.status_code == 422 and set(no_reason.json["errors"]) == {"reason"}
    wrong_role = people["sales_vp"].post(url, {"assignee": "finance_director", "reason": "休假"})
    assert wrong_role.status_code == 422 and "assignee" in wrong_role.json["errors"]
    assert people["sales_vp"].post(url, {"assignee": "nobody", "reason": "休假"}).status_code == 422


def test_reassign_moves_the_task_and_records_why(app: Flask, people: dict[str, ApiUser]) -> None:
    from app.models import Role, User
    from app.services.people.accounts import hash_password

    deputy = User(
        username="sales_manager2",
        display_name="营销部副经理",
        email="sm2@example.com",
        password_hash=hash_password(PASSWORD),
        created_at=app.extensions["clock"].now(),
        supervisor_id=db.session.scalars(db.select(User.id).where(User.username == "sales_vp")).one(),
    )
    deputy.roles.append(db.session.scalars(db.select(Role).where(Role.key == "sales_manager")).one())
    db.session.add(deputy)
    db.session.commit()
    people["salesperson"].start_credit(customer_code="R1")
    task = people["sales_manager"].only_task()
    response = people["sales_vp"].post(
        f"/api/v1/tasks/{task['id']}/reassign", {"assignee": "sales_manager2", "reason": "经理出差"}
    )
    assert response.status_code == 200 and response.json["assignee"] == "sales_manager2"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "reassign")).one()
    assert (event.actor.username, event.comment, event.details) == (
        "sales_vp",
        "经理出差",
        {"from": None, "to": "sales_manager2"},
    )
    assert people["sales_manager"].tasks("mine") == []
    deputy_api = ApiUser(people["sales_vp"].client, "sales_manager2", PASSWORD)
    assert deputy_api.tasks("mine")[0]["id"] == task["id"]
    assert db.session.scalars(
        db.select(OutboxMail).where(OutboxMail.to_address == "sm2@example.com", OutboxMail.kind == "assignment")
    ).all()


def test_supervisor_desk_page_and_on_time_rate(app: Flask, people: dict[str, ApiUser], client: FlaskClient) -> None:
    clock = app.extensions["clock"]
    clock.set(clock.now().replace(month=10, day=12))  # October: one step done on time, one late
    people["salesperson"].start_credit(customer_code="OCT1")
    people["salesperson"].start_credit(customer_code="OCT2")
    tasks = people["sales_manager"].tasks()
    people["sales_manager"].decide(tasks[0]["id"], "approve", "ok")
    clock.set(clock.now().replace(day=20))
    people["sales_manager"].decide(tasks[1]["id"], "approve", "late")
    clock.set(clock.now().replace(month=11, day=23))
    desk = people["sales_vp"].get("/api/v1/supervision/overdue").json
    assert (desk["on_time_rate_last_month"], desk["completed_last_month"]) == (0.5, 2)
    login(client, "sales_vp")
    page = client.get("/supervision")
    assert page.status_code == 200 and 'id="on-time-rate">50.0%' in page.data.decode()


def test_reassign_through_the_desk_form_needs_csrf(app: Flask, people: dict[str, ApiUser], client: FlaskClient) -> None:
    people["salesperson"].start_credit(customer_code="F1")
    task_id = people["sales_manager"].only_task()["id"]
    login(client, "sales_vp")
    url = f"/supervision/tasks/{task_id}/reassign"
    assert client.post(url, data={"assignee": "sales_manager", "reason": "x"}).status_code == 400
    token = csrf_token(client.get("/supervision").data)
    response = client.post(url, data={"assignee": "sales_manager", "reason": "直接指派", "csrf_token": token})
    assert response.status_code == 302
    assert db.session.get(HumanTask, task_id).assignee.username == "sales_manager"


def test_the_original_task_page_shows_its_escalations(
    app: Flask, people: dict[str, ApiUser], client: FlaskClient
) -> None:
    people["salesperson"].start_credit(customer_code="VIS")
    task_id = people["sales_manager"].only_task()["id"]
    tick(app, "2026-11-25T18:30:00+08:00")
    tick(app, "2026-11-26T18:30:00+08:00")
    login(client, "sales_manager")
    page = client.get(f"/tasks/{task_id}").data.decode()
    assert 'id="escalations"' in page
    assert "escalated to sales_vp, level 1" in page and "escalated to general_manager, level 2" in page


def test_the_desk_page_reads_as_much_for_six_late_tasks_as_for_one(
    app: Flask, people: dict[str, ApiUser], client: FlaskClient
) -> None:
    clock = app.extensions["clock"]
    login(client, "sales_vp")
    statements = []
    for filed in (1, 5):
        for _ in range(filed):
            people["salesperson"].start_credit()
        clock.set(clock.now() + timedelta(days=10))
        statements.append(statements_during(lambda: client.get("/supervision")))
    assert statements[0] == statements[1]
    page = client.get("/supervision").data.decode()
    assert page.count('class="reassign"') == 6 and "reassign-unavailable" not in page
    # Claimed by the only holder of its role, a task has nobody to go to.
    manager = db.session.scalars(db.select(User).where(User.username == "sales_manager")).one()
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.status == "open").order_by(HumanTask.id)).first()
    assert task is not None and task.assignee_id is None
    task.assignee_id = manager.id
    db.session.commit()
    page = client.get("/supervision").data.decode()
    assert page.count('class="reassign"') == 5 and page.count("reassign-unavailable") == 1
    # Every row's form carries the page's one CSRF token.
    assert len(set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page))) == 1
