"""The lists beside the inbox (已办 / 我发起的 / 抄送我的), the message centre and the people picker,
through the API and the pages, as the demo users."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import insert

from app.extensions import db
from app.models import ComplaintReport, HumanTask, Role, User

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser, statements_during


def _rename(username: str, display_name: str) -> None:
    user = db.session.scalars(db.select(User).where(User.username == username)).one()
    user.name_zh, user.name_en = display_name, None  # the same name in both languages
    db.session.commit()


def _approve_first_step(app: Flask, code: str) -> tuple[ApiUser, ApiUser, int]:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code=code).json["id"]
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    assert manager.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    assert manager.decide(task_id, "approve", "同意，客户回款稳定").status_code == 200
    return sales, manager, instance_id


def test_started_done_and_copied_lists_say_where_each_one_stands(app: Flask) -> None:
    sales, manager, instance_id = _approve_first_step(app, "LS1")
    started = sales.get("/api/v1/instances?scope=started").json["instances"]
    assert [i["id"] for i in started] == [instance_id]
    # It now waits for the sales VP: the list says so.
    assert [step["role"] for step in started[0]["current"]] == ["sales_vp"]
    done = manager.get("/api/v1/instances?scope=done").json["instances"]
    assert [i["id"] for i in done] == [instance_id] and done[0]["handled_task"]["completed_at"]
    assert sales.get("/api/v1/instances?scope=done").json["instances"] == []
    assert manager.get("/api/v1/instances?scope=started").json["instances"] == []

    copied = sales.post(f"/api/v1/instances/{instance_id}/copy-to", {"user": "credit_controller", "comment": "供参考"})
    assert copied.status_code == 200
    colleague = ApiUser(app.test_client(), "credit_controller", PASSWORD)
    rows = colleague.get("/api/v1/instances?scope=copied").json["instances"]
    assert [(r["id"], r["unread"]) for r in rows] == [(instance_id, True)]
    assert colleague.get(f"/api/v1/instances/{instance_id}").status_code == 200
    rows = colleague.get("/api/v1/instances?scope=copied").json["instances"]
    assert [(r["id"], r["unread"]) for r in rows] == [(instance_id, False)]


def test_the_lists_filter_and_refuse_a_bad_scope_by_name(app: Flask) -> None:
    sales, _, _ = _approve_first_step(app, "LS2")
    sales.start_credit(customer_code="LS3", bad_record_24m=True)  # rejected at once by the policy
    assert len(sales.get("/api/v1/instances?scope=started").json["instances"]) == 2
    running = sales.get("/api/v1/instances?scope=started&status=running").json["instances"]
    assert [r["status"] for r in running] == ["running"]
    bad = sales.get("/api/v1/instances?scope=everything")
    assert bad.status_code == 422 and "scope" in bad.json["errors"]
    bad = sales.client.get("/api/v1/instances?scope=done&status=x", headers={**sales.headers, "Accept-Language": "zh"})
    assert bad.status_code == 422 and "须为以下之一" in bad.json["errors"]["status"][0]


def test_the_copied_list_page_marks_unread_until_opened(app: Flask) -> None:
    sales, _, instance_id = _approve_first_step(app, "LS4")
    sales.post(f"/api/v1/instances/{instance_id}/copy-to", {"user": "credit_controller", "comment": "供参考"})
    browser = app.test_client()
    login(browser, "credit_controller")
    page = browser.get("/my/copied").data.decode()
    assert 'id="unread-copies">1<' in page and f'data-instance="{instance_id}"' in page and "未读" in page
    browser.get(f"/instances/{instance_id}")
    page = browser.get("/my/copied").data.decode()
    assert 'id="unread-copies"' not in page and f'data-instance="{instance_id}"' in page
    started = app.test_client()
    login(started, "salesperson")
    page = started.get("/my/started").data.decode()
    assert "营销副总" in page  # where it stands: with the sales VP's role


def test_the_bell_counts_assignments_decisions_urges_and_copies(app: Flask) -> None:
    sales, manager, instance_id = _approve_first_step(app, "MC1")
    # The filer heard of the decision, with who made it.
    lines = sales.client.get("/api/v1/notifications", headers={**sales.headers, "Accept-Language": "zh"}).json
    assert lines["unread"] == 1
    assert lines["notifications"][0]["kind"] == "decision" and lines["notifications"][0]["decision"] == "approve"
    assert "同意" in lines["notifications"][0]["text"] and "您的申请" in lines["notifications"][0]["text"]
    # The sales VP got the next step.
    finance = ApiUser(app.test_client(), "sales_vp", PASSWORD)
    kinds = [n["kind"] for n in finance.get("/api/v1/notifications").json["notifications"]]
    assert kinds == ["assignment"]
    task_id = finance.only_task()["id"]
    assert sales.post(f"/api/v1/tasks/{task_id}/urge", {"comment": "客户在等"}).status_code == 200
    sales.post(f"/api/v1/instances/{instance_id}/copy-to", {"user": "sales_vp", "comment": "请留意"})
    mine = finance.get("/api/v1/notifications").json
    assert [n["kind"] for n in mine["notifications"]] == ["copy", "urge", "assignment"] and mine["unread"] == 3
    browser = app.test_client()
    login(browser, "sales_vp")
    page = browser.get("/tasks").data.decode()
    assert 'id="unread-count">3<' in page
    # Following one line reads it; marking all reads the rest, and only the reader's own.
    first = mine["notifications"][-1]["id"]
    assert browser.get(f"/notifications/{first}").headers["Location"].endswith(f"/tasks/{task_id}")
    assert finance.get("/api/v1/notifications").json["unread"] == 2
    assert sales.post("/api/v1/notifications/read", {"ids": [first]}).json["marked"] == 0
    assert finance.post("/api/v1/notifications/read", {}).json == {"marked": 2, "unread": 0}
    assert finance.post("/api/v1/notifications/read", {"ids": "all"}).status_code == 422
    assert 'id="unread-count"' not in browser.get("/tasks").data.decode()
    token = csrf_token(browser.get("/notifications").data)
    assert browser.post("/notifications/read", data={"csrf_token": token}).status_code == 302


def test_a_return_tells_the_filer_it_came_back(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales.start_credit(customer_code="MC2")
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    manager.post(f"/api/v1/tasks/{task_id}/claim")
    assert (
        manager.post(f"/api/v1/tasks/{task_id}/return", {"target": "filer", "comment": "补充资料"}).status_code == 200
    )
    kinds = [n["kind"] for n in sales.get("/api/v1/notifications").json["notifications"]]
    assert "returned" in kinds


def test_the_picker_finds_people_by_pinyin_initials_login_and_department(app: Flask) -> None:
    _rename("credit_controller", "张伟")
    _rename("finance_director", "王芳")
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)

    def found(q: str, purpose: str = "copy") -> list[str]:
        response = sales.get(f"/api/v1/users?q={q}&for={purpose}")
        assert response.status_code == 200, response.json
        return [u["username"] for u in response.json["users"]]

    assert found("张") == ["credit_controller"]
    assert found("zhangwei") == ["credit_controller"]
    assert found("zw") == ["credit_controller"]
    assert found("wangf") == ["finance_director"]
    assert found("credit_con") == ["credit_controller"]
    assert set(found("财务部")) == {"credit_controller", "finance_director"}
    assert "salesperson" not in found("")  # nobody copies or delegates to themselves
    assert sales.get("/api/v1/users?q=x&for=anything").status_code == 422


def test_transfer_and_reassign_offer_only_who_holds_the_role_and_say_when_nobody_does(app: Flask) -> None:
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="PK1")
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    manager.post(f"/api/v1/tasks/{task_id}/claim")
    # Nobody else is a sales manager: the picker offers nobody, and the task page says why.
    assert manager.get(f"/api/v1/users?q=&for=transfer&task={task_id}").json["users"] == []
    browser = app.test_client()
    login(browser, "sales_manager")
    page = browser.get(f"/tasks/{task_id}").data.decode()
    assert 'id="transfer-unavailable"' in page and "无法转办" in page
    # Someone else's task is not theirs to transfer; a supervisor of the holder may reassign it.
    other = ApiUser(app.test_client(), "finance_director", PASSWORD)
    assert other.get(f"/api/v1/users?q=&for=transfer&task={task_id}").status_code == 403
    assert other.get(f"/api/v1/users?q=&for=reassign&task={task_id}").status_code == 403
    vp = ApiUser(app.test_client(), "sales_vp", PASSWORD)
    assert vp.get(f"/api/v1/users?q=&for=reassign&task={task_id}").json["users"] == []
    assert vp.get("/api/v1/users?q=&for=reassign").status_code == 422


def test_the_picker_offers_each_active_holder_and_reads_as_much_for_six_hundred_more_people(app: Flask) -> None:
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="PK2")
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    manager.post(f"/api/v1/tasks/{task_id}/claim")
    role = db.session.scalars(db.select(Role).where(Role.key == "sales_manager")).one()
    now = app.config["CLOCK"].now()
    for username, active in (("sales_manager2", True), ("sales_manager3", False)):
        db.session.add(
            User(username=username, name_zh=username, password_hash="-", active=active, created_at=now, roles=[role])
        )
    db.session.commit()
    transfer = f"/api/v1/users?q=&for=transfer&task={task_id}"
    assert [u["username"] for u in manager.get(transfer).json["users"]] == ["sales_manager2"]
    few = statements_during(lambda: manager.get(transfer))
    crowd = [
        {"username": f"staff{i:03d}", "name_zh": f"员工{i}", "password_hash": "-", "created_at": now}
        for i in range(600)
    ]
    db.session.execute(insert(User), crowd)
    db.session.commit()
    assert statements_during(lambda: manager.get(transfer)) == few
    assert [u["username"] for u in manager.get(transfer).json["users"]] == ["sales_manager2"]
    assert len(manager.get("/api/v1/users?q=yuangong&for=copy").json["users"]) == 20  # the picker shows 20 at most


def test_an_escalation_reaches_the_supervisors_bell(app: Flask) -> None:
    db.session.add(ComplaintReport(year=2026, month=10, created_at=app.extensions["clock"].now()))
    db.session.commit()  # October's report exists: the tick below starts no report task
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="MC3")
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", "2026-11-25T18:30:00+08:00"])
    assert result.exit_code == 0 and "escalations: 1" in result.output
    vp = ApiUser(app.test_client(), "sales_vp", PASSWORD)
    lines = vp.client.get("/api/v1/notifications", headers={**vp.headers, "Accept-Language": "zh"}).json
    assert [n["kind"] for n in lines["notifications"]] == ["escalation"]
    assert "逾期待督办" in lines["notifications"][0]["text"] and lines["notifications"][0]["task_id"]


def test_an_english_reader_reads_the_task_in_english(app: Flask) -> None:
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="MC4")
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    english = manager.client.get("/api/v1/notifications", headers={**manager.headers, "Accept-Language": "en"}).json
    task = db.session.get(HumanTask, manager.only_task()["id"])
    assert task.title_en and english["notifications"][0]["text"] == f"New task for you: {task.title_en}"
    chinese = manager.client.get("/api/v1/notifications", headers={**manager.headers, "Accept-Language": "zh"}).json
    assert chinese["notifications"][0]["text"] == f"您有新的待办：{task.title}"
