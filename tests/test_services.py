"""The service layer called directly, as the scheduler and scripts do: one use case, one transaction."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, CreditDecision, HumanTask, ProcessInstance, User
from app.services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.credit import credit_file as customers
from app.services.desk import tasks
from app.services.instances import events
from app.services.instances import lifecycle as instances

from .support import application


def user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def filed(**overrides: Any) -> dict[str, Any]:
    data = application(**overrides)
    data.pop("filed_by")
    return data


def test_start_and_complete_the_chain_through_the_services(app: Flask) -> None:
    instance = instances.start("credit_application", user("salesperson"), filed(customer_code="SV1"))
    assert (instance.business_key, instance.status, instance.data["grade"]) == ("SV1", "running", "A")
    for approver in ("sales_manager", "sales_vp", "finance_director", "general_manager"):
        [task] = tasks.list_tasks(user(approver))
        tasks.complete(task.id, user(approver), {"decision": "approve", "comment": f"{approver} ok"})
    db.session.expire_all()
    done = db.session.get(ProcessInstance, instance.id)
    assert done.status == "completed" and done.ended_at is not None
    file = customers.read_credit_file("SV1", user("finance_director"))
    assert [a["comment"] for a in file.decisions[0].approvals] == [
        "sales_manager ok",
        "sales_vp ok",
        "finance_director ok",
        "general_manager ok",
    ]


def test_a_failed_use_case_leaves_nothing_behind(app: Flask) -> None:
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    with pytest.raises(ValidationFailed) as err:
        instances.start("credit_application", user("salesperson"), filed(requested_term_days=0))
    assert set(err.value.errors) == {"requested_term_days"}
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before
    assert db.session.scalar(db.select(db.func.count(ProcessInstance.id))) == 0


def test_service_errors_for_the_wrong_person_or_a_stale_task(app: Flask) -> None:
    instances.start("credit_application", user("salesperson"), filed(customer_code="SV2"))
    [task] = tasks.list_tasks(user("sales_manager"))
    with pytest.raises(Forbidden):
        tasks.complete(task.id, user("finance_director"), {"decision": "approve", "comment": "同意"})
    with pytest.raises(NotFound):
        tasks.complete(10_000, user("sales_manager"), {"decision": "approve", "comment": "同意"})
    tasks.complete(task.id, user("sales_manager"), {"decision": "approve", "comment": "同意"})
    with pytest.raises(Conflict):
        tasks.complete(task.id, user("sales_manager"), {"decision": "approve", "comment": "同意"})
    instances.start("credit_application", user("salesperson"), filed(customer_code="SV2C", bad_record_24m=True))
    with pytest.raises(Forbidden):
        customers.read_credit_file("SV2C", user("cs_director"))
    # Filing opens the file (its salesperson is the filer); it holds no decision while under approval.
    assert customers.read_credit_file("SV2", user("finance_director")).decisions == []
    with pytest.raises(NotFound):
        customers.read_credit_file("SV9", user("finance_director"))


def test_scopes_separate_my_tasks_from_my_roles_queue(app: Flask) -> None:
    instances.start("credit_application", user("salesperson"), filed(customer_code="SV3"))
    instances.start("credit_application", user("salesperson"), filed(customer_code="SV4"))
    manager = user("sales_manager")
    first, second = tasks.list_tasks(manager, "queue")
    tasks.claim(first.id, manager)
    assert [t.id for t in tasks.list_tasks(manager, "mine")] == [first.id]
    assert [t.id for t in tasks.list_tasks(manager, "queue")] == [second.id]
    assert tasks.count_open(manager) == 2
    with pytest.raises(ValidationFailed):
        tasks.list_tasks(manager, "everything")
    assert db.session.get(HumanTask, first.id).assignee_id == manager.id
    assert db.session.scalar(db.select(db.func.count(CreditDecision.id))) == 0


def test_an_approval_ends_only_its_own_task_and_cancels_none(app: Flask) -> None:
    """The step's rows are worked out before the claim: the row being completed must not be taken for an
    open row the step left behind (which it would cancel and announce as ended)."""
    instances.start("credit_application", user("salesperson"), filed(customer_code="SV5"))
    [task] = tasks.list_tasks(user("sales_manager"))
    ended: list[int] = []

    def seen(_step: Any, task_ids: list[int]) -> None:
        ended.extend(task_ids)

    events.tasks_ended.connect(seen)
    try:
        tasks.complete(task.id, user("sales_manager"), {"decision": "approve", "comment": "同意"})
    finally:
        events.tasks_ended.disconnect(seen)
    assert ended == []
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "completed"
    assert [t.role for t in tasks.list_tasks(user("sales_vp"))] == ["sales_vp"]


def test_a_final_approval_that_loses_the_race_during_the_engine_step_is_told_so_and_writes_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim comes after the engine has stepped; on the last step it is made by the grant's own first
    write. Someone else completing the task in between must still give a plain conflict: no grant, no
    incident, nothing in the history."""
    instance = instances.start("credit_application", user("salesperson"), filed(customer_code="SV4"))
    for approver in ("sales_manager", "sales_vp", "finance_director"):
        [task] = tasks.list_tasks(user(approver))
        tasks.complete(task.id, user(approver), {"decision": "approve", "comment": "同意"})
    [last] = tasks.list_tasks(user("general_manager"))
    audit_before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    loaded = tasks.load_runtime

    def load_then_lose_the_race(*args: Any) -> Any:
        # Another request completes the same task on its own connection and commits.
        with db.engine.begin() as other:
            other.execute(db.update(HumanTask).where(HumanTask.id == last.id).values(status="completed"))
        return loaded(*args)

    monkeypatch.setattr(tasks, "load_runtime", load_then_lose_the_race)
    with pytest.raises(Conflict):
        tasks.complete(last.id, user("general_manager"), {"decision": "approve", "comment": "同意"})
    db.session.expire_all()
    after = db.session.get(ProcessInstance, instance.id)
    assert (after.status, after.error) == ("running", None)
    assert db.session.scalars(db.select(CreditDecision).where(CreditDecision.instance_id == instance.id)).all() == []
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == audit_before
