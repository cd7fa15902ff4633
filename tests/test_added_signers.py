"""加签: the holder of a task adds a signer before themselves (the task goes to them first and comes
back) or after themselves (they approve next), with a reason; through the API and the task page, shown
in the chain and the history in both languages; two people acting at once never lose or double an action."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AddedSigner, AuditEvent, HumanTask, ProcessInstance, User

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser
from .test_default_forms import KEY, deploy


def start(client: FlaskClient) -> tuple[int, int]:
    """A purchase request at the sales manager's standard approval: (instance id, the manager's task id)."""
    deploy(client)
    sales = ApiUser(client, "salesperson", PASSWORD)
    instance_id = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"subject": "采购打印机"}}).json["id"]
    return instance_id, only_open(instance_id).id


def open_rows(instance_id: int) -> list[HumanTask]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
            .order_by(HumanTask.id)
        )
    )


def only_open(instance_id: int) -> HumanTask:
    (row,) = open_rows(instance_id)
    return row


def status(instance_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id).status


def holder(client: FlaskClient, task_id: int) -> ApiUser:
    manager = ApiUser(client, "sales_manager", PASSWORD)
    assert manager.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    return manager


def add(person: ApiUser, task_id: int, user: str, position: str, reason: str = "需要财务意见") -> object:
    return person.post(f"/api/v1/tasks/{task_id}/add-signer", {"user": user, "position": position, "reason": reason})


def test_a_signer_added_before_gets_the_task_first_and_it_comes_back(app: Flask) -> None:
    client = app.test_client()
    instance_id, task_id = start(client)
    manager = holder(client, task_id)
    answer = add(manager, task_id, "finance_director", "before")
    assert answer.status_code == 201, answer.json
    assert answer.json["position"] == "before" and answer.json["status"] == "open"
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).status == "held"
    signer_row = only_open(instance_id)
    assert signer_row.id == answer.json["signer_task_id"]
    assert signer_row.assignee.username == "finance_director" and signer_row.sign_kind == "before"
    assert [t["id"] for t in manager.tasks("mine")] == []
    finance = ApiUser(client, "finance_director", PASSWORD)
    assert [t["id"] for t in finance.tasks("mine")] == [signer_row.id]
    assert finance.decide(signer_row.id, "reject", "预算已超").status_code == 200
    back = only_open(instance_id)
    assert back.id == task_id and back.assignee.username == "sales_manager"
    assert status(instance_id) == "running"
    assert manager.decide(task_id, "approve", "同意，已与财务沟通").status_code == 200
    assert status(instance_id) == "completed"
    record = db.session.scalars(db.select(AddedSigner)).one()
    assert (record.status, record.reason) == ("reject", "需要财务意见")


def test_a_signer_added_after_approves_next_before_the_process_goes_on(app: Flask) -> None:
    client = app.test_client()
    instance_id, task_id = start(client)
    manager = holder(client, task_id)
    assert add(manager, task_id, "finance_director", "after").status_code == 201
    assert only_open(instance_id).id == task_id  # the holder decides first
    assert manager.decide(task_id, "approve", "同意").status_code == 200
    assert status(instance_id) == "running"
    signer_row = only_open(instance_id)
    assert (signer_row.assignee.username, signer_row.sign_kind) == ("finance_director", "after")
    finance = ApiUser(client, "finance_director", PASSWORD)
    assert finance.decide(signer_row.id, "approve", "财务同意").status_code == 200
    assert status(instance_id) == "completed"


def test_a_rejection_by_the_signer_after_rejects_the_step(app: Flask) -> None:
    client = app.test_client()
    instance_id, task_id = start(client)
    manager = holder(client, task_id)
    add(manager, task_id, "finance_director", "after")
    manager.decide(task_id, "approve", "同意")
    finance = ApiUser(client, "finance_director", PASSWORD)
    assert finance.decide(only_open(instance_id).id, "reject", "预算不足").status_code == 200
    assert status(instance_id) == "rejected"
    assert open_rows(instance_id) == []


def test_a_holder_who_rejects_needs_no_signer_after_them(app: Flask) -> None:
    client = app.test_client()
    instance_id, task_id = start(client)
    manager = holder(client, task_id)
    add(manager, task_id, "finance_director", "after")
    assert manager.decide(task_id, "reject", "不必采购").status_code == 200
    assert status(instance_id) == "rejected"
    assert db.session.scalars(db.select(AddedSigner.status)).one() == "cancelled"


def test_two_signers_after_sign_in_the_order_they_were_added(app: Flask) -> None:
    client = app.test_client()
    instance_id, task_id = start(client)
    manager = holder(client, task_id)
    add(manager, task_id, "finance_director", "after")
    add(manager, task_id, "general_manager", "after")
    manager.decide(task_id, "approve", "同意")
    for name in ("finance_director", "general_manager"):
        row = only_open(instance_id)
        assert row.assignee.username == name
        assert ApiUser(client, name, PASSWORD).decide(row.id, "approve", "同意").status_code == 200
    assert status(instance_id) == "completed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "finance_director", "position": "before", "reason": ""}, "reason"),
        ({"user": "nobody_here", "position": "before", "reason": "x"}, "user"),
        ({"user": "finance_director", "position": "sideways", "reason": "x"}, "position"),
        ({"user": "sales_manager", "position": "after", "reason": "x"}, "user"),
        ({"user": "salesperson", "position": "after", "reason": "x"}, "user"),  # the filer
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(app: Flask, body: dict, field: str) -> None:
    client = app.test_client()
    instance_id, task_id = start(client)
    manager = holder(client, task_id)
    manager.headers["Accept-Language"] = "en"
    answer = manager.post(f"/api/v1/tasks/{task_id}/add-signer", body)
    assert answer.status_code == 422
    assert list(answer.json["errors"]) == [field]
    assert db.session.scalars(db.select(AddedSigner)).all() == []
    assert only_open(instance_id).id == task_id


def test_only_the_holder_adds_a_signer(app: Flask) -> None:
    client = app.test_client()
    _instance_id, task_id = start(client)
    vp = ApiUser(client, "sales_vp", PASSWORD)
    assert add(vp, task_id, "finance_director", "before").status_code == 403
    manager = ApiUser(client, "sales_manager", PASSWORD)
    assert add(manager, task_id, "finance_director", "before").status_code == 403  # not claimed yet


def test_the_picker_offers_who_may_sign(app: Flask) -> None:
    client = app.test_client()
    _instance_id, task_id = start(client)
    manager = holder(client, task_id)
    found = manager.get(f"/api/v1/users?q=&for=add_signer&task={task_id}")
    assert found.status_code == 200, found.json
    names = {u["username"] for u in found.json["users"]}
    assert "finance_director" in names and "sales_manager" not in names and "salesperson" not in names
    add(manager, task_id, "finance_director", "after")
    again = manager.get(f"/api/v1/users?q=cai&for=add_signer&task={task_id}")
    assert "finance_director" not in {u["username"] for u in again.json["users"]}


def reads(locale: str, name: str) -> None:
    user = db.session.scalars(db.select(User).where(User.username == name)).one()
    user.locale = locale
    db.session.commit()


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("zh_CN", ["加签 财务总监", "前加签", "加签（前）", "需要财务意见", "加签了一位审批人"]),
        ("en", ["added Finance director to sign", "Added signer, before the holder", "需要财务意见", "added a signer"]),
    ],
)
def test_the_page_adds_a_signer_and_the_chain_and_history_show_it(
    app: Flask, client: FlaskClient, locale: str, words: list[str]
) -> None:
    instance_id, task_id = start(app.test_client())
    holder(app.test_client(), task_id)
    reads(locale, "sales_manager")
    login(client, "sales_manager")
    page = client.get(f"/tasks/{task_id}")
    assert 'id="add-signer"' in page.get_data(as_text=True)
    done = client.post(
        f"/tasks/{task_id}/add-signer",
        data={
            "csrf_token": csrf_token(page.data),
            "user": "finance_director",
            "position": "before",
            "reason": "需要财务意见",
        },
    )
    assert done.status_code == 302
    finance = ApiUser(app.test_client(), "finance_director", PASSWORD)
    assert finance.decide(only_open(instance_id).id, "approve", "财务无异议").status_code == 200
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    for word in words:
        assert word in html, word
    assert "财务无异议" in html
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "add_signer")).one()
    assert event.details == {"user": "finance_director", "position": "before"}


def race(app: Flask, actions: list[Callable[[FlaskClient], int]]) -> list[int]:
    barrier = threading.Barrier(len(actions))
    codes: list[int] = []
    lock = threading.Lock()

    def run(action: Callable[[FlaskClient], int]) -> None:
        client = app.test_client()
        barrier.wait()
        code = action(client)
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(codes)


@pytest.mark.parametrize("position", ["before", "after"])
def test_adding_a_signer_and_deciding_at_once_never_loses_or_doubles_either(app: Flask, position: str) -> None:
    client = app.test_client()
    deploy(client)
    sales = ApiUser(client, "salesperson", PASSWORD)
    for _round in range(3):
        instance_id = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"subject": "x"}}).json["id"]
        task_id = only_open(instance_id).id
        headers = holder(client, task_id).headers
        signer = {"user": "finance_director", "position": position, "reason": "并发"}
        decision = {"data": {"decision": "approve", "comment": "同意"}}
        codes = race(
            app,
            [
                lambda c: c.post(f"/api/v1/tasks/{task_id}/add-signer", json=signer, headers=headers).status_code,  # noqa: B023
                lambda c: c.post(f"/api/v1/tasks/{task_id}/complete", json=decision, headers=headers).status_code,  # noqa: B023
            ],
        )
        db.session.expire_all()
        added = db.session.scalars(db.select(AddedSigner).where(AddedSigner.for_task_id == task_id)).all()
        approvals = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.task_id == task_id, AuditEvent.action == "approve")
        ).all()
        assert len(approvals) <= 1 and len(added) <= 1
        if codes == [200, 201]:
            # One after the other: a signer added after, then the holder's approval, which waits for them.
            assert position == "after" and len(added) == 1 and len(approvals) == 1
            assert only_open(instance_id).assignee.username == "finance_director"
        else:
            assert codes in ([200, 409], [201, 409]), codes
            assert len(approvals) + len(added) == 1
            if approvals:
                assert status(instance_id) == "completed"
            else:
                expected = "finance_director" if position == "before" else "sales_manager"
                assert only_open(instance_id).assignee.username == expected


@pytest.mark.parametrize("position", ["before", "after"])
def test_a_signer_added_to_a_credit_review_leaves_the_credit_policy_to_the_holder(app: Flask, position: str) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code=f"ADD{position}").json["id"]
    task_id = only_open(instance_id).id
    manager = holder(client, task_id)
    assert add(manager, task_id, "finance_director", position, "请财务先看应收").status_code == 201
    finance = ApiUser(client, "finance_director", PASSWORD)
    if position == "before":
        assert finance.decide(only_open(instance_id).id, "approve", "应收正常").status_code == 200
        assert manager.decide(task_id, "approve", "同意").status_code == 200
    else:
        assert manager.decide(task_id, "approve", "同意").status_code == 200
        assert finance.decide(only_open(instance_id).id, "approve", "应收正常").status_code == 200
    assert [t.role for t in open_rows(instance_id)] == ["sales_vp"]


def test_the_printed_record_lists_the_added_signer_and_their_opinion(app: Flask, tmp_path: Path) -> None:
    client = app.test_client()
    instance_id, task_id = start(client)
    manager = holder(client, task_id)
    add(manager, task_id, "finance_director", "before", "请财务把关")
    finance = ApiUser(client, "finance_director", PASSWORD)
    finance.decide(only_open(instance_id).id, "approve", "财务无异议")
    manager.decide(task_id, "approve", "同意采购")
    browser = app.test_client()
    login(browser, "salesperson")
    response = browser.get(f"/instances/{instance_id}/record.pdf")
    assert response.status_code == 200
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(response.data)
    text = "".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout.split()
    )
    for words in ("加签了一位审批人", "在办理人之前", "请财务把关", "财务无异议", "同意采购"):
        assert words in text, text
