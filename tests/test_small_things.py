"""Small things that add up: Chinese deadlines, the bulk opinion's placeholder, a confirmation before
撤回 and none on a closed case, the favicon, the modeler's title, the login page's language choice,
and the statistics' responsibility labels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ProcessInstance
from app.services.deadlines.durations import Deadline, DeadlineError, check_deadline, parse_deadline
from app.services.demo.working_day import seed_working_day

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2个工作日", Deadline(working_days=2)),
        ("两个工作日", Deadline(working_days=2)),
        ("十五天", Deadline(length=timedelta(days=15))),
        ("15天", Deadline(length=timedelta(days=15))),
        ("30分钟", Deadline(length=timedelta(minutes=30))),
        ("二十个工作日", Deadline(working_days=20)),
    ],
)
def test_deadlines_written_in_chinese(text: str, expected: Deadline) -> None:
    assert parse_deadline(text) == expected
    assert check_deadline(text) is None


def test_a_chinese_deadline_the_system_cannot_read_fails_the_check_not_the_task() -> None:
    with pytest.raises(DeadlineError):
        parse_deadline("三周左右")
    assert check_deadline("三周左右") is not None
    assert check_deadline("due_in_days") is None  # a variable: read when the task arrives


def test_the_bulk_opinion_says_it_is_needed(client: FlaskClient) -> None:
    ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="BULK1")
    login(client, "sales_manager")
    page = client.get("/tasks").get_data(as_text=True)
    box = re.search(r'<input type="text" name="comment"[^>]*>', page).group(0)
    assert "审批意见（必填" in box and "驳回时必填" not in box and " required" in box


def test_withdrawing_asks_first_and_a_closed_case_offers_no_withdrawal(app: Flask, client: FlaskClient) -> None:
    assert seed_working_day()
    login(client, "salesperson")
    mine = db.session.scalars(
        db.select(ProcessInstance).where(
            ProcessInstance.business_key == "DEMO-C101", ProcessInstance.process_key == "credit_application"
        )
    ).one()
    page = client.get(f"/instances/{mine.id}").get_data(as_text=True)
    assert re.search(r'id="withdraw"\s+data-confirm="确定撤回', page)
    assert "confirm.js" in page
    closed = db.session.scalars(db.select(ProcessInstance).where(ProcessInstance.case_closed_at.is_not(None))).one()
    director = app.test_client()
    login(director, "cs_director")
    case_page = director.get(f"/instances/{closed.id}").get_data(as_text=True)
    status = re.search(r'id="instance-status">([^<]+)<', case_page).group(1)
    assert status == "已结案" and "进行中" not in re.sub(
        r'(?s)<section class="card" id="chain">.*?</section>', "", case_page
    )
    assert 'id="withdraw"' not in case_page
    # Nor may the filer withdraw it by posting anyway.
    refused = director.post(
        f"/instances/{closed.id}/withdraw", data={"csrf_token": csrf_token(case_page.encode()), "comment": "误报"}
    )
    assert db.session.get(ProcessInstance, closed.id).status == "running" and refused.status_code in (302, 409)


def test_a_complaint_case_shows_its_whole_story_on_later_steps(app: Flask) -> None:
    assert seed_working_day()
    client = app.test_client()
    login(client, "production_manager")
    task_id = re.search(r'href="/tasks/(\d+)"', client.get("/tasks").get_data(as_text=True)).group(1)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    chain = re.search(r'(?s)<section class="card" id="chain">.*?</section>', page).group(0)
    # The committee decides seeing the on-site memo, who wrote it and when.
    assert "包装标签贴错，实物为上一规格。" in chain and "仓库出库核对漏项" in chain and "营销部经理" in chain


def test_the_favicon_and_the_modelers_title(app: Flask, owner: FlaskClient) -> None:
    assert owner.get("/favicon.ico").mimetype == "image/svg+xml"
    page = owner.get("/modeler/processes/credit_application").get_data(as_text=True)
    assert re.search(r"<title>Customer credit application — ", page)
    assert 'rel="icon"' in page


def test_the_login_pages_language_holds_after_logging_in(client: FlaskClient) -> None:
    page = client.get("/login").data
    client.post("/language", data={"csrf_token": csrf_token(page), "locale": "en"})
    login(client, "sales_manager")  # whose profile says Chinese
    html = client.get("/tasks").get_data(as_text=True)
    assert "Inbox" in html and "待办" not in html
