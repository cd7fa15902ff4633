"""The administrator sets up the company through the API: people, roles, departments, and what it audits."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import insert

from app.extensions import db
from app.models import Department, HumanTask, User

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser, audit_lines

NEW_PERSON = {
    "username": "li.si",
    "display_name": "李四",
    "display_name_en": "Li Si",
    "email": "li.si@example.com",
    "department": "sales",
    "supervisor": "sales_manager",
    "roles": ["salesperson"],
    "password": "li-si-own-pass-99",
}


@pytest.fixture
def admin(app: Flask) -> ApiUser:
    return ApiUser(app.test_client(), "admin", PASSWORD)


def _user(name: str) -> User | None:
    db.session.expire_all()
    return db.session.scalars(db.select(User).where(User.username == name)).first()


def test_the_administrator_creates_a_person_who_can_then_work(app: Flask, admin: ApiUser) -> None:
    created = admin.post("/api/v1/admin/users", NEW_PERSON)
    assert created.status_code == 201, created.json
    assert created.json["supervisor"] == "sales_manager" and created.json["roles"] == ["salesperson"]
    assert "password" not in created.json  # the administrator chose it: nothing to show
    person = ApiUser(app.test_client(), "li.si", "li-si-own-pass-99")
    assert person.start_credit(customer_code="LS1").status_code == 201  # a salesperson's right, from the role
    found = admin.get("/api/v1/admin/users?q=李").json["users"]
    assert [u["username"] for u in found] == ["li.si"]
    event = audit_lines("user_created")[0]
    assert event.actor.username == "admin" and event.subject == "user:li.si"
    assert event.details["supervisor"] == "sales_manager"


def test_bad_fields_are_each_named_and_nobody_is_created(admin: ApiUser) -> None:
    bad = {**NEW_PERSON, "email": "not-mail", "department": "nowhere", "supervisor": "ghost", "roles": ["wizard"]}
    answer = admin.post("/api/v1/admin/users", bad)
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"email", "department", "supervisor", "roles"}
    assert _user("li.si") is None


def test_only_the_administrator_manages_people(app: Flask) -> None:
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    assert manager.post("/api/v1/admin/users", NEW_PERSON).status_code == 403
    assert manager.get("/api/v1/admin/users").status_code == 403
    assert _user("li.si") is None


def test_a_supervisor_chain_never_forms_a_loop(admin: ApiUser) -> None:
    # salesperson -> sales_manager -> sales_vp -> general_manager: the top cannot report to the bottom.
    answer = admin.client.patch(
        "/api/v1/admin/users/general_manager", json={"supervisor": "salesperson"}, headers=admin.headers
    )
    assert answer.status_code == 422 and "supervisor" in answer.json["errors"]
    assert _user("general_manager").supervisor_id is None
    itself = admin.client.patch("/api/v1/admin/users/sales_vp", json={"supervisor": "sales_vp"}, headers=admin.headers)
    assert itself.status_code == 422


def test_who_has_no_supervisor_and_who_holds_no_role(admin: ApiUser) -> None:
    admin.post("/api/v1/admin/users", {**NEW_PERSON, "supervisor": None, "roles": []})
    no_boss = {u["username"] for u in admin.get("/api/v1/admin/users?no_supervisor=1").json["users"]}
    assert {"li.si", "general_manager", "admin"} <= no_boss and "salesperson" not in no_boss
    no_role = [u["username"] for u in admin.get("/api/v1/admin/users?no_role=1").json["users"]]
    assert no_role == ["li.si", "service_owner"]  # the demo head of service needs no role to get its work


def test_a_large_company_is_listed_a_hundred_people_a_page_and_nobody_is_left_out(app: Flask, admin: ApiUser) -> None:
    now = app.config["CLOCK"].now()
    staff = [
        {"username": f"staff{i:03d}", "name_zh": f"员工{i}", "password_hash": "-", "created_at": now}
        for i in range(230)
    ]
    db.session.execute(insert(User), staff)
    db.session.commit()
    everyone = db.session.scalar(db.select(db.func.count(User.id)))
    pages = [admin.get(f"/api/v1/admin/users?page={n}").json for n in (1, 2, 3)]
    assert [len(p["users"]) for p in pages[:2]] == [100, 100] and pages[0]["pages"] == 3
    listed = [u["username"] for p in pages for u in p["users"]]
    assert len(listed) == len(set(listed)) == everyone == pages[0]["total"]
    filtered = admin.get("/api/v1/admin/users?q=staff2&page=2").json  # past the last page: the last one
    assert (filtered["total"], filtered["page"], len(filtered["users"])) == (30, 1, 30)
    refused = admin.get("/api/v1/admin/users?page=0")
    assert refused.status_code == 422 and "page" in refused.json["errors"]
    assert ApiUser(app.test_client(), "sales_manager", PASSWORD).get("/api/v1/admin/users?page=0").status_code == 403
    documented = app.test_client().get("/api/v1/openapi.json").json["paths"]["/admin/users"]["get"]["parameters"]
    assert "page" in {p["name"] for p in documented}
    browser = app.test_client()
    login(browser, "admin")
    first = browser.get("/admin/people?q=staff").data.decode()
    assert first.count('href="/admin/people/staff') == 100 and "共 230 人 · 第 1 / 3 页" in first
    assert 'href="/admin/people?page=2&amp;q=staff" rel="next"' in first
    last = browser.get("/admin/people?q=staff&page=3").data.decode()
    assert last.count('href="/admin/people/staff') == 30 and 'rel="next"' not in last and 'rel="prev"' in last
    bad = browser.get("/admin/people?page=x")
    assert bad.status_code == 422 and "页码：须为不小于 1 的整数" in bad.data.decode()


def test_disabling_a_person_hands_their_open_tasks_back_and_ends_their_sessions(app: Flask, admin: ApiUser) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    first = sales.start_credit(customer_code="DQ1").json["id"]
    second = sales.start_credit(customer_code="DQ2").json["id"]
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    tasks = {t["instance_id"]: t["id"] for t in manager.tasks()}
    for task_id in tasks.values():
        assert manager.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    # A task given to the person by name, with no role queue to fall back to, goes to their supervisor.
    db.session.get(HumanTask, tasks[second]).role = None
    db.session.commit()

    answer = admin.client.patch("/api/v1/admin/users/sales_manager", json={"active": False}, headers=admin.headers)
    assert answer.status_code == 200 and answer.json["active"] is False
    db.session.expire_all()
    queued, handed = db.session.get(HumanTask, tasks[first]), db.session.get(HumanTask, tasks[second])
    assert queued.assignee_id is None and queued.role == "sales_manager" and queued.status == "open"
    assert handed.assignee.username == "sales_vp"
    assert manager.get("/api/v1/tasks").status_code == 401
    assert [e.task_id for e in audit_lines("returned_to_queue")] == [tasks[first]]
    assert [e.task_id for e in audit_lines("handed_to_supervisor")] == [tasks[second]]
    assert audit_lines("user_changed")[0].details["active"] == [True, False]


def test_a_reset_password_must_be_changed_at_the_next_log_in(app: Flask, admin: ApiUser) -> None:
    reset = admin.post("/api/v1/admin/users/salesperson2/password")
    assert reset.status_code == 200
    secret = reset.json["password"]
    browser = app.test_client()
    login(browser, "salesperson2", secret)
    assert browser.get("/tasks").headers["Location"].endswith("/account/password")
    assert (
        app.test_client().post("/api/v1/auth/token", json={"username": "salesperson2", "password": secret}).status_code
        == 403
    )
    page = browser.get("/account/password").data
    done = browser.post(
        "/account/password",
        data={"current_password": secret, "new_password": "my-own-choice-77", "csrf_token": csrf_token(page)},
    )
    assert done.status_code == 302
    login(browser, "salesperson2", "my-own-choice-77")
    assert browser.get("/tasks").status_code == 200


def test_roles_are_data_added_and_retired_only_when_unused(admin: ApiUser) -> None:
    added = admin.post(
        "/api/v1/admin/roles",
        {"key": "quality_inspector", "name": "质检员", "name_en": "Quality inspector", "description": "来料检验"},
    )
    assert added.status_code == 201
    again = admin.post("/api/v1/admin/roles", {"key": "quality_inspector", "name": "x", "name_en": "x"})
    assert again.status_code == 422
    given = admin.post("/api/v1/admin/users", {**NEW_PERSON, "roles": ["quality_inspector"]})
    assert given.status_code == 201
    in_use = admin.client.delete("/api/v1/admin/roles/sales_manager", headers=admin.headers)
    assert in_use.status_code == 409 and "credit_application" in in_use.json["error"]
    assert admin.client.delete("/api/v1/admin/roles/quality_inspector", headers=admin.headers).status_code == 204
    assert "quality_inspector" not in {r["key"] for r in admin.get("/api/v1/admin/roles").json["roles"]}
    assert _user("li.si").role_keys == set()
    assert audit_lines("role_retired")[0].details["holders"] == ["li.si"]


def test_a_role_with_an_open_task_cannot_be_retired(app: Flask, admin: ApiUser) -> None:
    admin.post("/api/v1/admin/roles", {"key": "temp_desk", "name": "临时", "name_en": "Temporary"})
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="RT1").json["id"]
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    task.role = "temp_desk"
    db.session.commit()
    refused = admin.client.delete("/api/v1/admin/roles/temp_desk", headers=admin.headers)
    assert refused.status_code == 409 and str(task.id) in refused.json["error"]


def test_departments_have_a_head(admin: ApiUser) -> None:
    made = admin.post(
        "/api/v1/admin/departments",
        {
            "key": "quality",
            "name": "质量部",
            "name_en": "Quality",
            "head": "production_manager",
            "parent": "production",
        },
    )
    assert made.status_code == 201 and made.json["head"] == "production_manager"
    department = db.session.scalars(db.select(Department).where(Department.key == "quality")).one()
    assert department.parent.key == "production"
    again = admin.post(
        "/api/v1/admin/departments", {"key": "quality", "name": "质量部", "name_en": "Q", "head": "nobody"}
    )
    assert again.status_code == 422 and set(again.json["errors"]) == {"key", "head"}
    assert admin.post("/api/v1/admin/users", {**NEW_PERSON, "department": "quality"}).status_code == 201


def test_two_administrators_creating_the_same_person_at_once_make_one(app: Flask, admin: ApiUser) -> None:
    barrier = threading.Barrier(6)
    answers: list[int] = []
    lock = threading.Lock()

    def create() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/admin/users", json=NEW_PERSON, headers=admin.headers)
        with lock:
            answers.append(response.status_code)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [201] + [422] * 5
    assert len(audit_lines("user_created")) == 1


def test_a_new_role_can_be_a_lane_in_the_process_owners_next_diagram(app: Flask, admin: ApiUser) -> None:
    from .test_process_models import CREDIT

    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    xml = CREDIT.replace(
        '<bpmn:lane id="lane_finance_director" name="finance_director">',
        '<bpmn:lane id="lane_finance_director" name="treasurer">',
    )

    def problems() -> list[str]:
        answer = owner.client.post(
            "/api/v1/process-models?filename=credit_application.bpmn",
            data=xml.encode(),
            headers={**owner.headers, "Content-Type": "application/xml"},
        )
        return [] if answer.status_code == 201 else [e["message"] for e in answer.json["errors"]]

    assert any("treasurer" in p for p in problems())  # not a role yet
    added = admin.post("/api/v1/admin/roles", {"key": "treasurer", "name": "出纳", "name_en": "Treasurer"})
    assert added.status_code == 201
    admin.client.patch(
        "/api/v1/admin/users/finance_director", json={"roles": ["finance_director", "treasurer"]}, headers=admin.headers
    )
    assert problems() == []  # deployed: the new role is the lane's queue
    retire = admin.client.delete("/api/v1/admin/roles/treasurer", headers=admin.headers)
    assert retire.status_code == 409 and "credit_application" in retire.json["error"]
