"""The demo has work in it: every role's inbox and the desks have something, in realistic states."""

from __future__ import annotations

from collections import Counter

from flask import Flask

from app.extensions import db
from app.models import Delegation, HumanTask, ProcessInstance, TaskEscalation, User


def test_demo_seed_creates_a_working_day_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--password", "another-pass-9"])
    assert result.exit_code == 0, result.output
    assert "working day" in result.output
    open_tasks = list(db.session.scalars(db.select(HumanTask).where(HumanTask.status == "open")))
    holders = {t.assignee.username for t in open_tasks if t.assignee} | {t.role for t in open_tasks if t.role}
    for who in (
        "salesperson2",
        "sales_manager",
        "finance_director",
        "general_manager",
        "sales_vp",
        "cs_director",
        "production_manager",
        "logistics_director",
    ):
        assert who in holders, who
    statuses = Counter(i.status for i in db.session.scalars(db.select(ProcessInstance)))
    assert statuses["running"] >= 10 and statuses["completed"] >= 2
    categories = {i.data.get("category") for i in db.session.scalars(db.select(ProcessInstance))} - {None}
    assert len(categories) >= 4
    assert db.session.scalars(db.select(TaskEscalation)).first() is not None
    assert any(t.due_at and t.due_at < app.extensions["clock"].now() for t in open_tasks)
    assert db.session.scalars(db.select(Delegation)).one().delegate.username == "credit_controller"
    closed = [i for i in db.session.scalars(db.select(ProcessInstance)) if i.case_closed_at is not None]
    assert closed, "a complaint answered and waiting for its follow-up visit"
    again = runner.invoke(args=["demo", "seed", "--password", "another-pass-9"])
    assert again.exit_code == 0 and "exists already" in again.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 15
