"""The JSON API: the whole credit chain as four different people, and every kind of refusal."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, CreditDecision, HumanTask, ProcessInstance

from .conftest import PASSWORD
from .support import ApiUser


@pytest.fixture
def as_user(client: FlaskClient):
    def make(username: str) -> ApiUser:
        return ApiUser(client, username, PASSWORD)

    return make


def row_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (ProcessInstance, HumanTask, AuditEvent, CreditDecision)
    }


def test_token_needs_the_right_password(client: FlaskClient) -> None:
    assert client.post("/api/v1/auth/token", json={"username": "salesperson", "password": "nope"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "ghost", "password": PASSWORD}).status_code == 401
    # No name holds a NUL; PostgreSQL cannot even compare one, so it must not reach the database.
    assert client.post("/api/v1/auth/token", json={"username": "sales\x00", "password": PASSWORD}).status_code == 401
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_whole_chain_through_the_api_as_five_people(as_user: Any) -> None:
    sales, manager, vp, finance, gm = (
        as_user(u) for u in ("salesperson", "sales_manager", "sales_vp", "finance_director", "general_manager")
    )
    started = sales.start_credit(customer_code="C100", requested_limit=70000.0)
    assert started.status_code == 201
    assert started.json["business_key"] == "C100" and started.json["status"] == "running"
    instance_id = started.json["id"]

    assert sales.tasks() == []
    task = manager.only_task()
    assert (task["role"], task["assignee"], task["business_key"]) == ("sales_manager", None, "C100")
    assert task["created_at"].endswith("+08:00")
    assert manager.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    assert manager.tasks("mine")[0]["id"] == task["id"]
    assert manager.decide(task["id"], "approve", "资料齐全，同意", approved_limit=60000.0).status_code == 200

    task = vp.only_task()
    assert task["name"] == "营销副总审批"
    assert vp.decide(task["id"], "approve", "同意").status_code == 200
    task = finance.only_task()
    assert finance.decide(task["id"], "approve", "应收正常").status_code == 200
    task = gm.only_task()
    assert gm.decide(task["id"], "approve", "同意").status_code == 200

    instance = sales.get(f"/api/v1/instances/{instance_id}").json
    assert instance["status"] == "completed" and instance["version"] == 1
    assert (instance["data"]["grade"], instance["data"]["approved_limit"]) == ("A", 60000.0)
    assert instance["data"]["approved_term_days"] == 30
    assert [h["action"] for h in instance["history"]] == ["start", "claim", "approve", "approve", "approve", "approve"]
    assert instance["history"][2]["comment"] == "资料齐全，同意"

    credit_file = finance.get("/api/v1/customers/C100").json
    assert (credit_file["grade"], credit_file["limit"], credit_file["term_days"]) == ("A", 60000.0, 30)
    [decision] = credit_file["history"]
    assert [a["actor"] for a in decision["approvals"]] == [
        "sales_manager",
        "sales_vp",
        "finance_director",
        "general_manager",
    ]
    assert decision["filed_by"] == "salesperson"
    assert (decision["valid_from"], decision["valid_until"]) == ("2026-11-23", "2027-11-22")
    assert (credit_file["responsible"], credit_file["valid_until"]) == ("salesperson", "2027-11-22")


def test_a_second_decision_keeps_the_first_as_history(as_user: Any) -> None:
    sales, credit_controller = as_user("salesperson"), as_user("credit_controller")
    approvers = [as_user(u) for u in ("sales_manager", "sales_vp", "finance_director", "general_manager")]
    for limit in (70000.0, 50000.0):
        assert sales.start_credit(customer_code="C200", requested_limit=limit).status_code == 201
        for approver in approvers:
            assert approver.decide(approver.only_task()["id"], "approve", "ok").status_code == 200
        # Finance records the balance cleared, so the next application is not stopped by 第三十五条.
        body = {"balance": 0, "overdue": 0, "as_of": "2026-11-20"}
        assert (
            credit_controller.client.put(
                "/api/v1/customers/C200/receivables", json=body, headers=credit_controller.headers
            ).status_code
            == 200
        )
    gm = approvers[-1]
    credit_file = gm.get("/api/v1/customers/C200").json
    assert credit_file["limit"] == 50000.0
    assert [d["limit"] for d in credit_file["history"]] == [50000.0, 70000.0]


def test_the_answer_to_a_completion_shows_the_task_as_stored(as_user: Any) -> None:
    as_user("salesperson").start_credit(customer_code="C350")
    manager = as_user("sales_manager")
    queued = manager.only_task()
    assert (queued["status"], queued["assignee"]) == ("open", None)  # waiting in the role's queue
    answer = manager.decide(queued["id"], "approve", "同意")
    assert answer.status_code == 200
    db.session.expire_all()
    stored = db.session.get(HumanTask, queued["id"])
    assert (stored.status, stored.assignee.username) == ("completed", "sales_manager")
    assert (answer.json["status"], answer.json["assignee"], answer.json["overdue"]) == (
        "completed",
        "sales_manager",
        False,
    )
    unchanged = ("id", "instance_id", "process_key", "business_key", "name", "title", "role", "created_at", "due_at")
    assert {k: answer.json[k] for k in unchanged} == {k: queued[k] for k in unchanged}
    # The next step's task is a new row; the answer is about the one completed.
    assert as_user("sales_vp").only_task()["id"] != queued["id"]


def test_c_grade_is_rejected_at_once_without_a_task(as_user: Any) -> None:
    sales, manager = as_user("salesperson"), as_user("sales_manager")
    started = sales.start_credit(customer_code="C300", bad_record_24m=True)
    assert started.status_code == 201 and started.json["status"] == "completed"
    assert manager.tasks() == []
    instance = sales.get(f"/api/v1/instances/{started.json['id']}").json
    assert instance["data"]["decision"] == "reject" and "第二十八条" in instance["data"]["rejection_reason"]
    assert manager.get("/api/v1/customers/C300").json["history"][0]["decision"] == "reject"


def test_return_to_the_filer_and_resubmit_to_the_sales_manager(as_user: Any) -> None:
    sales, manager = as_user("salesperson"), as_user("sales_manager")
    sales.start_credit(customer_code="C400")
    assert manager.decide(manager.only_task()["id"], "return", "请补充财务报表").status_code == 200
    correction = sales.only_task()
    assert (correction["assignee"], correction["name"]) == ("salesperson", "修改授信申请")
    assert as_user("salesperson2").tasks() == []
    data = {k: v for k, v in sales.get(f"/api/v1/instances/{correction['instance_id']}").json["data"].items()}
    fields = {
        k: data[k]
        for k in (
            "customer_code",
            "customer_name",
            "months_of_cooperation",
            "avg_monthly_shipment",
            "avg_monthly_collection",
            "bad_record_24m",
            "lawful",
            "good_operation_2y",
            "strong_capital",
            "meets_annual_target",
            "key_data_complete",
            "c_conditions",
            "credit_type",
            "requested_limit",
            "requested_term_days",
            "collateral_value",
        )
    }
    fields["requested_limit"] = 40000.0
    assert sales.post(f"/api/v1/tasks/{correction['id']}/complete", {"data": fields}).status_code == 200
    again = manager.only_task()
    assert again["name"] == "营销部经理审批"


def test_reject_needs_a_reason_and_changes_nothing(as_user: Any) -> None:
    sales, manager = as_user("salesperson"), as_user("sales_manager")
    sales.start_credit(customer_code="C500")
    task = manager.only_task()
    before = row_counts()
    response = manager.decide(task["id"], "reject", "")
    assert response.status_code == 422
    assert "comment" in response.json["errors"]
    assert row_counts() == before
    assert manager.only_task()["status"] == "open"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "maybe", "comment": "x"}, "decision"),
        ({"decision": "approve", "comment": "x", "approved_limit": -5}, "approved_limit"),
        ({"decision": "approve", "comment": "x", "approved_limit": 999999999}, "approved_limit"),
        ({"decision": "approve", "comment": "x", "surprise": 1}, "surprise"),
    ],
)
def test_bad_approval_values_are_422_naming_the_field(as_user: Any, data: dict[str, Any], field: str) -> None:
    as_user("salesperson").start_credit(customer_code="C600")
    manager = as_user("sales_manager")
    task = manager.only_task()
    before = row_counts()
    response = manager.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data})
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert row_counts() == before


def test_an_approver_may_not_raise_the_limit_above_the_cap_but_may_meet_it(as_user: Any) -> None:
    as_user("salesperson").start_credit(customer_code="C650", requested_limit=80000.0)
    manager = as_user("sales_manager")
    task = manager.only_task()
    assert manager.decide(task["id"], "approve", "x", approved_limit=80000.01).status_code == 422
    assert manager.decide(task["id"], "approve", "x", approved_limit=80000.0).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"requested_limit": -1}, "requested_limit"),
        ({"credit_type": "forever"}, "credit_type"),
        ({"c_conditions": ["not_a_condition"]}, "c_conditions"),
        ({"customer_code": ""}, "customer_code"),
    ],
)
def test_bad_application_values_create_nothing(as_user: Any, overrides: dict[str, Any], field: str) -> None:
    sales = as_user("salesperson")
    before = row_counts()
    response = sales.start_credit(**overrides)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert row_counts() == before


def test_only_a_salesperson_may_file(as_user: Any) -> None:
    assert as_user("finance_director").start_credit().status_code == 403
    assert as_user("salesperson").post("/api/v1/processes/no_such_process/instances", {"data": {}}).status_code == 404


def test_acting_on_someone_elses_task(as_user: Any) -> None:
    as_user("salesperson").start_credit(customer_code="C700")
    task = as_user("sales_manager").only_task()
    finance = as_user("finance_director")
    assert finance.decide(task["id"], "approve", "x").status_code == 403
    assert finance.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 403
    assert finance.decide(999999, "approve", "x").status_code == 404


def test_completing_twice_is_a_409(as_user: Any) -> None:
    as_user("salesperson").start_credit(customer_code="C800")
    manager = as_user("sales_manager")
    task = manager.only_task()
    assert manager.decide(task["id"], "approve", "x").status_code == 200
    second = manager.decide(task["id"], "approve", "x")
    assert second.status_code == 409 and second.json["error"] == "该任务已处理"


def test_claimed_by_someone_else_is_a_409(as_user: Any, app: Any) -> None:
    from app.models import Role, User

    other = User(username="sales_manager2", display_name="经理2", password_hash="", created_at=db.func.now())
    other.roles.append(db.session.scalars(db.select(Role).where(Role.key == "sales_manager")).one())
    from app.services.people.accounts import hash_password

    other.password_hash = hash_password(PASSWORD)
    db.session.add(other)
    db.session.commit()
    as_user("salesperson").start_credit(customer_code="C850")
    first, second = as_user("sales_manager"), as_user("sales_manager2")
    task_id = first.only_task()["id"]
    assert first.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    assert second.post(f"/api/v1/tasks/{task_id}/claim").status_code == 409
    assert second.decide(task_id, "approve", "x").status_code == 403
    assert second.tasks() == []


def test_instance_visible_only_to_people_involved_and_their_supervisors(as_user: Any) -> None:
    started = as_user("salesperson").start_credit(customer_code="C900")
    url = f"/api/v1/instances/{started.json['id']}"
    assert as_user("salesperson").get(url).status_code == 200
    assert as_user("sales_manager").get(url).status_code == 200  # holds the open task's role
    assert as_user("general_manager").get(url).status_code == 200  # supervisor up the chain
    assert as_user("salesperson2").get(url).status_code == 403
    assert as_user("cs_director").get(url).status_code == 403
    assert as_user("salesperson").get("/api/v1/instances/424242").status_code == 404


def test_credit_files_are_confidential_and_reads_are_recorded(as_user: Any) -> None:
    sales = as_user("salesperson")
    sales.start_credit(customer_code="C950", bad_record_24m=True)
    assert as_user("cs_director").get("/api/v1/customers/C950").status_code == 403
    assert as_user("salesperson2").get("/api/v1/customers/C950").status_code == 403
    assert sales.get("/api/v1/customers/C950").status_code == 200  # the filer
    assert as_user("credit_controller").get("/api/v1/customers/C950").status_code == 200
    assert as_user("credit_controller").get("/api/v1/customers/NOPE").status_code == 404
    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "read_credit_file")).all()
    assert {r.actor.username for r in reads} == {"salesperson", "credit_controller"}


def test_malformed_bodies_are_clear_errors(as_user: Any, client: FlaskClient) -> None:
    sales = as_user("salesperson")
    response = client.post(
        "/api/v1/processes/credit_application/instances",
        data="not json",
        headers={**sales.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422 and "body" in response.json["errors"]
    assert sales.post("/api/v1/processes/credit_application/instances", {"data": [1, 2]}).status_code == 422
    assert sales.get("/api/v1/tasks?scope=everything").status_code == 422


def test_a_nul_in_a_colleagues_name_is_refused_by_field_name(as_user: Any) -> None:
    sales = as_user("salesperson")
    instance_id = sales.start_credit(customer_code="NUL1").json["id"]
    copied = sales.post(f"/api/v1/instances/{instance_id}/copy-to", {"user": "credit\x00", "comment": "供参考"})
    assert (copied.status_code, list(copied.json["errors"])) == (422, ["user"])
    manager = as_user("sales_manager")
    task_id = manager.only_task()["id"]
    assert manager.post(f"/api/v1/tasks/{task_id}/claim", {}).status_code == 200
    moved = manager.post(f"/api/v1/tasks/{task_id}/transfer", {"assignee": "sales_manager2\x00", "comment": "出差"})
    assert (moved.status_code, list(moved.json["errors"])) == (422, ["assignee"])
