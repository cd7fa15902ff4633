"""Where an instance stands, as the instance page's diagram shows it: done, current and waiting."""

from __future__ import annotations

from flask import Flask

from app.extensions import db
from app.services.instances import diagram_state as instance_diagram

from .conftest import PASSWORD, login
from .support import ApiUser


def test_the_instance_diagram_marks_done_and_current_steps(app: Flask) -> None:
    from app.models import User

    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="PM5").json["id"]
    viewer = db.session.scalars(db.select(User).where(User.username == "sales_vp")).one()  # the supervisor desk
    state = instance_diagram.for_instance(viewer, instance_id)
    assert state.current == ["review_sales_manager"]
    assert "review_sales_manager" not in state.completed
    assert {"start_filed", "fetch_credit_file", "assess_grade", "assess_policy", "propose_limit"} <= set(
        state.completed
    )
    assert "Start" not in state.completed  # the engine's own bookkeeping steps are not diagram elements
    client = app.test_client()
    login(client, "sales_vp")
    assert client.get(f"/instances/{instance_id}/diagram").json["current"] == ["review_sales_manager"]
    assert 'id="instance-diagram"' in client.get(f"/instances/{instance_id}").data.decode()
    outsider = app.test_client()
    login(outsider, "cs_director")
    assert outsider.get(f"/instances/{instance_id}/diagram").status_code == 403


def test_a_finished_step_is_marked_done_and_the_next_one_current(app: Flask) -> None:
    from app.models import User

    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="PM6").json["id"]
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task = next(t for t in manager.tasks() if t["instance_id"] == instance_id)
    manager.post(f"/api/v1/tasks/{task['id']}/claim")
    answer = manager.decide(task["id"], "approve", "ok", approved_limit=50000.0)
    assert answer.status_code == 200, answer.json
    starter = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    state = instance_diagram.for_instance(starter, instance_id)
    assert state.current == ["review_sales_vp"]
    assert "review_sales_manager" in state.completed


def test_a_waiting_timer_is_marked_and_a_fired_one_is_done(app: Flask, clock: object) -> None:
    from app.models import Timer, User

    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="PM7").json["id"]
    now = clock.now()
    db.session.add_all(
        [
            Timer(instance_id=instance_id, engine_task_id="t-1", bpmn_id="remind_timer", fire_at=now, status="pending"),
            Timer(instance_id=instance_id, engine_task_id="t-2", bpmn_id="first_timer", fire_at=now, status="fired"),
        ]
    )
    db.session.commit()
    starter = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    state = instance_diagram.for_instance(starter, instance_id)
    assert state.timers == ["remind_timer"]
    assert "first_timer" in state.completed
    assert "remind_timer" not in state.completed
