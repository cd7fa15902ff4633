"""会签 and 或签 through the desk and the API: every signer gets a task, the rule decides the step, the
chain shows each co-signer's decision and the outcome, in both languages; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance, User

from .conftest import PASSWORD, login
from .signing_diagrams import signing_diagram
from .support import ApiUser

KEY = "purchase_signing"
BOARD = "sales_manager,finance_director,general_manager"


def deploy(client: FlaskClient, xml: str) -> dict:
    owner = ApiUser(client, "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = "en"
    response = client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=xml.encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.json
    return response.json


def file_request(client: FlaskClient) -> int:
    sales = ApiUser(client, "salesperson", PASSWORD)
    started = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"comment": "采购打印机"}})
    assert started.status_code == 201, started.json
    return started.json["id"]


def open_rows(instance_id: int) -> list[HumanTask]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
            .order_by(HumanTask.id)
        )
    )


def signer_task(instance_id: int, username: str) -> HumanTask:
    return next(t for t in open_rows(instance_id) if t.assignee and t.assignee.username == username)


def decide(client: FlaskClient, instance_id: int, username: str, decision: str) -> None:
    person = ApiUser(client, username, PASSWORD)
    answer = person.decide(signer_task(instance_id, username).id, decision, f"{username}: {decision}")
    assert answer.status_code == 200, answer.json


def reads(locale: str, *names: str) -> None:
    for user in db.session.scalars(db.select(User).where(User.username.in_(names))):
        user.locale = "en" if locale == "en" else "zh_CN"
    db.session.commit()


def status(instance_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id).status


def test_all_sign_asks_everyone_and_goes_on_when_all_approved(app: Flask) -> None:
    client = app.test_client()
    deploy(client, signing_diagram("all", users=BOARD))
    instance_id = file_request(client)
    rows = open_rows(instance_id)
    assert sorted(t.assignee.username for t in rows) == sorted(BOARD.split(","))
    assert {t.sign_kind for t in rows} == {"all"}
    for left, name in enumerate(("sales_manager", "finance_director")):
        decide(client, instance_id, name, "approve")
        assert [t.bpmn_id for t in open_rows(instance_id)] == ["sign"] * (2 - left)
    decide(client, instance_id, "general_manager", "approve")
    assert [t.bpmn_id for t in open_rows(instance_id)] == ["pay"]
    result = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "signing_result")).one()
    assert result.details["decision"] == "approve" and result.details["approved"] == 3


def test_one_rejection_of_all_sign_ends_the_request_when_so_set(app: Flask) -> None:
    client = app.test_client()
    deploy(client, signing_diagram("all", users=BOARD, reject_ends=True))
    instance_id = file_request(client)
    decide(client, instance_id, "finance_director", "reject")
    assert status(instance_id) == "rejected"
    assert open_rows(instance_id) == []


def test_all_sign_without_it_lets_everyone_sign_then_rejects(app: Flask) -> None:
    client = app.test_client()
    deploy(client, signing_diagram("all", users=BOARD))
    instance_id = file_request(client)
    decide(client, instance_id, "finance_director", "reject")
    assert status(instance_id) == "running" and len(open_rows(instance_id)) == 2
    decide(client, instance_id, "sales_manager", "approve")
    decide(client, instance_id, "general_manager", "approve")
    assert status(instance_id) == "rejected"


def test_two_of_three_goes_on_at_the_second_approval_and_the_third_is_not_asked(app: Flask) -> None:
    client = app.test_client()
    deploy(client, signing_diagram("share", share=2, users=BOARD))
    instance_id = file_request(client)
    decide(client, instance_id, "general_manager", "approve")
    decide(client, instance_id, "sales_manager", "approve")
    assert [t.bpmn_id for t in open_rows(instance_id)] == ["pay"]
    cancelled = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "cancelled")
    ).all()
    assert [t.assignee.username for t in cancelled] == ["finance_director"]


def test_any_one_signs_for_the_role(app: Flask) -> None:
    client = app.test_client()
    xml = signing_diagram("any", role="salesperson").replace('name="salesperson"', 'name="sales_manager"')
    deploy(client, xml.replace("lane_sales", "lane_sales"))
    sales = ApiUser(client, "sales_manager", PASSWORD)
    started = sales.post(f"/api/v1/processes/{KEY}/instances", {"data": {"comment": "采购"}})
    assert started.status_code == 201, started.json
    instance_id = started.json["id"]
    assert sorted(t.assignee.username for t in open_rows(instance_id)) == ["salesperson", "salesperson2"]
    decide(client, instance_id, "salesperson2", "approve")
    assert [t.bpmn_id for t in open_rows(instance_id)] == ["pay"]


def test_a_co_signer_cannot_return_the_step(app: Flask) -> None:
    client = app.test_client()
    deploy(client, signing_diagram("all", users=BOARD))
    instance_id = file_request(client)
    manager = ApiUser(client, "sales_manager", PASSWORD)
    task = signer_task(instance_id, "sales_manager")
    answer = manager.post(f"/api/v1/tasks/{task.id}/return", {"target": "filer", "comment": "补材料"})
    assert answer.status_code == 409


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("zh", ["会签：须达到规定人数同意", "3 人中 0 人同意、2 人驳回（须 2 人同意）", "驳回", "会签审批"]),
        ("en", ["Co-signing: enough of them must approve", "0 of 3 approved, 2 rejected (2 needed)", "Sign together"]),
    ],
)
def test_the_chain_shows_each_co_signers_decision(app: Flask, client: FlaskClient, locale: str, words: list) -> None:
    deploy(app.test_client(), signing_diagram("share", share=2, users=BOARD))
    instance_id = file_request(app.test_client())
    decide(app.test_client(), instance_id, "finance_director", "reject")
    decide(app.test_client(), instance_id, "sales_manager", "reject")
    assert status(instance_id) == "rejected"
    reads(locale, "salesperson")
    login(client, "salesperson")
    page = client.get(f"/instances/{instance_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "finance_director: reject" in html and "sales_manager: reject" in html
    for word in words:
        assert word in html


def check(client: FlaskClient, xml: str, locale: str = "en") -> dict:
    owner = ApiUser(client, "process_owner", PASSWORD)
    owner.headers["Accept-Language"] = locale
    return client.post(
        f"/api/v1/process-models?filename={KEY}.bpmn",
        data=xml.encode(),
        headers={**owner.headers, "Content-Type": "application/xml"},
    )


@pytest.mark.parametrize(
    ("xml", "locale", "said"),
    [
        (
            signing_diagram("all", users=BOARD, reject_ends=True),
            "en",
            "co-signing (会签): every one of sales_manager, finance_director, general_manager must approve; "
            "one rejection ends it at once",
        ),
        (
            signing_diagram("share", share=2, users=BOARD),
            "zh",
            "会签：sales_manager, finance_director, general_manager 中至少 2 人同意",
        ),
        (
            signing_diagram("any", role="salesperson"),
            "zh",
            "或签：角色“业务员”（目前 2 人） 中第一位审批的人（同意或驳回）即决定此步骤",
        ),
        (
            signing_diagram("any", role="salesperson"),
            "en",
            "any one signs (或签): the first of the role Salesperson (2 people today) to decide, approve or reject, "
            "decides the step",
        ),
    ],
)
def test_the_deploy_says_each_signing_rule_in_plain_words(app: Flask, xml: str, locale: str, said: str) -> None:
    answer = check(app.test_client(), xml, locale)
    assert answer.status_code == 201, answer.json
    assert {"element_id": "sign", "message": said} in [
        {"element_id": n["element_id"], "message": n["message"]} for n in answer.json["notes"]
    ]


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        (signing_diagram("share", share=2, users=BOARD, condition="nrOfApproved &gt;= 3"), "completion condition"),
        (signing_diagram("all", users="sales_manager,nobody_here"), "nobody_here"),
        (signing_diagram("share", share=4, users=BOARD), "only 3 people"),
        (signing_diagram("all", role="no_such_role"), "no_such_role"),
        (signing_diagram("share", users=BOARD), "how many signers"),
    ],
)
def test_the_check_refuses_a_signing_rule_that_cannot_run_as_drawn(app: Flask, xml: str, words: str) -> None:
    answer = check(app.test_client(), xml)
    assert answer.status_code == 422
    assert any(e["element_id"] == "sign" and words in e["message"] for e in answer.json["errors"]), answer.json


def test_a_co_signer_may_add_a_signer_after_themselves(app: Flask) -> None:
    client = app.test_client()
    deploy(client, signing_diagram("share", share=2, users=BOARD))
    instance_id = file_request(client)
    manager = ApiUser(client, "sales_manager", PASSWORD)
    mine = signer_task(instance_id, "sales_manager")
    body = {"user": "sales_vp", "position": "after", "reason": "请销售副总确认"}
    assert manager.post(f"/api/v1/tasks/{mine.id}/add-signer", body).status_code == 201
    decide(client, instance_id, "sales_manager", "approve")
    assert sorted(t.assignee.username for t in open_rows(instance_id)) == [
        "finance_director",
        "general_manager",
        "sales_vp",
    ]
    decide(client, instance_id, "sales_vp", "approve")
    decide(client, instance_id, "general_manager", "approve")
    assert [t.bpmn_id for t in open_rows(instance_id)] == ["pay"]
    result = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "signing_result")).one()
    assert (result.details["approved"], result.details["decision"]) == (2, "approve")
