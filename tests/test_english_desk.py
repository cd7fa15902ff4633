"""An English reader sees no Chinese the app could give in English: task names in the timeline and
history, titles on the bulk result page, and a label for every action of the timeline."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import HumanTask, User
from app.services.deadlines import escalation, supervision
from app.services.desk import tasks
from app.services.instances import lifecycle as instances

from .conftest import csrf_token, login
from .support import application
from .test_actions import second_manager


def user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def reads_english(*names: str) -> None:
    for name in names:
        user(name).locale = "en"
    db.session.commit()


def review_task(code: str) -> HumanTask:
    data = application(customer_code=code)
    data.pop("filed_by")
    instance = instances.start("credit_application", user("salesperson"), data)
    return db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
    ).one()


def section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_timeline_names_tasks_and_actions_in_english(app: Flask, client: FlaskClient) -> None:
    second_manager(app)
    task = review_task("EN1")
    task_id, instance_id = task.id, task.instance_id
    escalation.escalate(task_id)  # overdue: it climbs to the holder's supervisor
    supervision.reassign(task_id, user("sales_vp"), "sales_manager2", "Away this week")
    tasks.complete(task_id, user("sales_manager2"), {"decision": "approve", "comment": "Within policy"})
    reads_english("salesperson")
    login(client, "salesperson")
    html = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    timeline = section(html, 'id="collaboration-timeline"', "</ol>")
    assert "Sales manager approval" in timeline and "营销部经理审批" not in timeline
    actions = re.findall(r'<span class="action">([^<]*)</span>', timeline)
    assert {"escalated", "reassigned", "approved", "filed"} <= set(actions), actions
    assert not {"escalate", "reassign", "approve", "start"} & set(actions)


def test_the_task_pages_history_names_earlier_tasks_in_english(app: Flask, client: FlaskClient) -> None:
    task = review_task("EN2")
    tasks.complete(task.id, user("sales_manager"), {"decision": "approve", "comment": "Within policy"})
    finance_task = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == task.instance_id, HumanTask.status == "open")
    ).one()
    reads_english("sales_vp")
    login(client, "sales_vp")
    html = client.get(f"/tasks/{finance_task.id}").get_data(as_text=True)
    history = section(html, "<h2>History</h2>", "</ol>")
    assert "Sales manager approval" in history and "营销部经理审批" not in history


def test_the_bulk_result_page_shows_english_titles(app: Flask, client: FlaskClient) -> None:
    first, second = review_task("EN3"), review_task("EN4")
    english_titles = [first.title_en, second.title_en]
    chinese_titles = [first.title, second.title]
    reads_english("sales_manager")
    login(client, "sales_manager")
    page = client.get("/tasks").get_data(as_text=True)
    response = client.post(
        "/tasks/bulk",
        data={
            "csrf_token": csrf_token(page.encode()),
            "task_ids": [first.id, second.id],
            "decision": "approve",
            "comment": "Within policy",
        },
    )
    results = section(response.get_data(as_text=True), 'class="tasks bulk-results"', "</table>")
    cells = re.findall(r'<td class="title">([^<]*)</td>', results)
    assert cells == english_titles and all(title not in results for title in chinese_titles)
