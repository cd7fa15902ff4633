"""Deciding several tasks of one kind with one opinion: each on its own, each audited, failures reported."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, HumanTask, Role, User
from app.services.common.errors import ValidationFailed
from app.services.desk import bulk, tasks
from app.services.instances import lifecycle as instances

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser, application


def user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def review_task(code: str, filer: str = "salesperson") -> int:
    """File a credit application; the id of the sales manager's review task it opens."""
    data = application(customer_code=code)
    data.pop("filed_by")
    instance = instances.start("credit_application", user(filer), data)
    return db.session.scalars(
        db.select(HumanTask.id).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
    ).one()


def status_of(task_id: int) -> str:
    db.session.expire_all()
    return db.session.get(HumanTask, task_id).status


def test_one_failure_leaves_the_others_decided_and_each_is_audited(app: Flask) -> None:
    manager = user("sales_manager")
    first, handled, second = review_task("BK1"), review_task("BK2"), review_task("BK3")
    tasks.complete(handled, manager, {"decision": "approve", "comment": "ok"})  # decided meanwhile on its own page
    results = bulk.decide(manager, [first, handled, 999_999, second], "approve", "Within policy")
    outcome = {r.task_id: (r.ok, r.status) for r in results}
    assert outcome == {first: (True, 200), handled: (False, 409), 999_999: (False, 404), second: (True, 200)}
    assert [r.error for r in results if not r.ok] == [
        "this task has already been handled",
        "task 999999 does not exist",
    ]
    assert (status_of(first), status_of(second)) == ("completed", "completed")
    for task_id in (first, second):
        [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.task_id == task_id)).all()
        assert (audit.action, audit.comment, audit.actor_id) == ("approve", "Within policy", manager.id)
    # each moved on to the next approver on its own
    assert (
        db.session.scalar(
            db.select(db.func.count(HumanTask.id)).where(HumanTask.status == "open", HumanTask.role == "sales_vp")
        )
        == 3
    )


def test_forms_not_marked_for_bulk_are_refused(app: Flask) -> None:
    manager = user("sales_manager")
    bulk_task = review_task("BK4")
    row = db.session.get(HumanTask, review_task("BK5"))
    row.form_key = "credit_correction"  # a form without "bulk": true
    db.session.commit()
    results = bulk.decide(manager, [row.id, bulk_task], "approve", "ok")
    assert [(r.task_id, r.ok, r.status) for r in results] == [(row.id, False, 403), (bulk_task, True, 200)]
    assert results[0].error == "this kind of task must be decided on its own page"
    assert status_of(row.id) == "open"
    assert app.extensions["forms"].get("credit_approval").bulk is True
    assert app.extensions["forms"].get("credit_correction").bulk is False


def test_the_filer_cannot_decide_their_own_application(app: Flask) -> None:
    manager = user("sales_manager")
    manager.roles.append(db.session.scalars(db.select(Role).where(Role.key == "salesperson")).one())
    db.session.commit()
    g.pop("_roles_of", None)
    g.pop("_queue_roles_of", None)
    own, colleagues = review_task("BK6", filer="sales_manager"), review_task("BK7")
    results = bulk.decide(manager, [own, colleagues], "approve", "ok")
    assert [(r.ok, r.status) for r in results] == [(False, 403), (True, 200)]
    assert results[0].error == "you filed this application and may not decide it"
    assert status_of(own) == "open"


def test_tasks_the_user_may_not_act_on_are_refused_one_by_one(app: Flask) -> None:
    task_id = review_task("BK8")
    [result] = bulk.decide(user("sales_vp"), [task_id], "approve", "ok")
    assert (result.ok, result.status) == (False, 403)
    assert status_of(task_id) == "open"


@pytest.mark.parametrize(
    ("ids", "decision", "comment", "field"),
    [
        ([], "approve", "ok", "task_ids"),
        (["1"], "approve", "ok", "task_ids"),
        (list(range(1, 102)), "approve", "ok", "task_ids"),
        ([1], "return", "ok", "decision"),
        ([1], "reject", "  ", "comment"),
        ([1], "approve", "", "comment"),
        ([1], "approve", "x" * 2001, "comment"),
    ],
)
def test_bad_input_names_the_field_and_decides_nothing(
    app: Flask, ids: Any, decision: str, comment: str, field: str
) -> None:
    task_id = review_task("BK9")
    with pytest.raises(ValidationFailed) as err:
        bulk.decide(user("sales_manager"), ids, decision, comment)
    assert list(err.value.errors) == [field]
    assert status_of(task_id) == "open"


def test_bulk_over_the_api_answers_per_task(app: Flask) -> None:
    first, second = review_task("BKA"), review_task("BKB")
    api = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    answer = api.post("/api/v1/tasks/bulk", {"task_ids": [first, second, first], "decision": "reject", "comment": "No"})
    assert answer.status_code == 200
    assert answer.json == {
        "results": [
            {"task_id": first, "ok": True, "status": 200, "error": None},
            {"task_id": second, "ok": True, "status": 200, "error": None},
        ],
        "succeeded": 2,
    }
    again = api.post("/api/v1/tasks/bulk", {"task_ids": [first], "decision": "reject"})
    assert again.status_code == 422 and list(again.json["errors"]) == ["comment"]
    assert app.test_client().post("/api/v1/tasks/bulk", json={}).status_code == 401


def test_bulk_on_the_page_shows_which_failed_and_why(app: Flask, client: FlaskClient) -> None:
    first, handled = review_task("BKC"), review_task("BKD")
    tasks.complete(handled, user("sales_manager"), {"decision": "approve", "comment": "ok"})
    login(client, "sales_manager")
    page = client.get("/tasks").get_data(as_text=True)
    assert f'name="task_ids" value="{first}"' in page and 'id="bulk-form"' in page
    response = client.post(
        "/tasks/bulk",
        data={
            "csrf_token": csrf_token(page.encode()),
            "task_ids": [first, handled],
            "decision": "approve",
            "comment": "ok",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-task-id="{first}" class="bulk-ok"' in html
    assert f'data-task-id="{handled}" class="bulk-failed"' in html
    assert "该任务已处理" in html  # the service's reason, in the reader's language
    assert client.post("/tasks/bulk", data={"task_ids": [first], "decision": "approve"}).status_code == 400  # no CSRF
