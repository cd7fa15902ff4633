"""Saving a task form as a draft and coming back to it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import HumanTask, TaskDraft, User
from app.services.desk import drafts

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser


def first_task(app: Flask, code: str) -> int:
    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code=code).json["id"]
    return db.session.scalars(db.select(HumanTask.id).where(HumanTask.instance_id == instance_id)).one()


def test_a_draft_saved_through_the_api_is_read_back_and_gone_after_completion(app: Flask) -> None:
    task_id = first_task(app, "DR1")
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    assert manager.get(f"/api/v1/tasks/{task_id}/draft").json == {"data": {}, "saved_at": None}
    saved = manager.client.put(
        f"/api/v1/tasks/{task_id}/draft", json={"data": {"comment": "写了一半"}}, headers=manager.headers
    )
    assert saved.status_code == 200 and saved.json["data"] == {"comment": "写了一半"}
    assert manager.get(f"/api/v1/tasks/{task_id}/draft").json["data"] == {"comment": "写了一半"}
    bad = manager.client.put(f"/api/v1/tasks/{task_id}/draft", json={"data": "x"}, headers=manager.headers)
    assert bad.status_code == 422 and bad.json["errors"] == {"data": ["必须是对象"]}
    finance = ApiUser(manager.client, "finance_director", PASSWORD)
    other = finance.client.put(f"/api/v1/tasks/{task_id}/draft", json={"data": {}}, headers=finance.headers)
    assert other.status_code == 403
    assert manager.decide(task_id, "approve", "同意").status_code == 200
    assert db.session.scalars(db.select(TaskDraft)).all() == []


def test_the_save_draft_button_keeps_the_form_and_reopening_prefills_it(app: Flask, client: Any) -> None:
    task_id = first_task(app, "DR2")
    login(client, "sales_manager")
    page = client.get(f"/tasks/{task_id}")
    assert b'id="save-draft"' in page.data
    saved = client.post(
        f"/tasks/{task_id}/draft",
        data={"decision": "return", "comment": "还要再看看应收", "csrf_token": csrf_token(page.data)},
    )
    assert saved.status_code == 302
    again = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "还要再看看应收" in again and 'id="draft-note"' in again
    assert re.search(r'<button[^>]*name="decision" value="return"[^>]*aria-pressed="true"', again)
    done = client.post(
        f"/tasks/{task_id}", data={"decision": "approve", "comment": "同意", "csrf_token": csrf_token(page.data)}
    )
    assert done.status_code == 302
    assert db.session.scalars(db.select(TaskDraft)).all() == []


def test_two_first_saves_at_once_make_one_draft(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    task_id = first_task(app, "DR3")
    manager = db.session.scalars(db.select(User).where(User.username == "sales_manager")).one()
    drafts.save(task_id, manager, {"comment": "第一次"})
    # The second save read "no draft yet" just before the first one committed.
    real = drafts._existing
    calls = {"n": 0}

    def stale_then_real(task: int, user: int) -> TaskDraft | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(task, user)

    monkeypatch.setattr(drafts, "_existing", stale_then_real)
    saved = drafts.save(task_id, manager, {"comment": "第二次"})
    assert saved.data == {"comment": "第二次"}
    rows = db.session.scalars(db.select(TaskDraft)).all()
    assert [(r.task_id, r.data) for r in rows] == [(task_id, {"comment": "第二次"})]
