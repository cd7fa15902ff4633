"""The inbox list in a real browser: filtering, bulk approval in Chinese and English, and a phone screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from app.extensions import db
from app.models import HumanTask, User
from app.services.desk import tasks
from app.services.instances import lifecycle as instances

from ..support import application
from .conftest import WAIT_SECONDS, log_in, wait_for


def _user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def _file(code: str, customer: str) -> int:
    data = application(customer_code=code, customer_name=customer)
    data.pop("filed_by")
    instance = instances.start("credit_application", _user("salesperson"), data)
    return db.session.scalars(db.select(HumanTask.id).where(HumanTask.instance_id == instance.id)).one()


def _rows(browser: WebDriver) -> list[str]:
    return [
        r.get_attribute("data-task-id")
        for r in browser.find_elements(By.CSS_SELECTOR, "table.inbox-list tr[data-task-id]")
    ]


def _filter(browser: WebDriver, field: str, text: str) -> None:
    box = browser.find_element(By.CSS_SELECTOR, f"#filter-form [name={field}]")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "apply-filter").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: f"{field}=" in d.current_url)


def _tick(browser: WebDriver, *task_ids: int) -> None:
    for task_id in task_ids:
        browser.find_element(By.CSS_SELECTOR, f'input[name=task_ids][value="{task_id}"]').click()


# (locale, customer to filter on, a word only that language's list shows, summary, outcome of a row,
#  the task's title in that language, the other language's)
BULK_APPROVAL = [
    ("zh_CN", "华东贸易", "岗位待认领", "已处理 2 项", "已同意", "营销部经理审批", "Sales manager approval"),
    (
        "en",
        "Eastern Trading",
        "My roles",
        "2 of 2 tasks decided.",
        "Approved",
        "Sales manager approval",
        "营销部经理审批",
    ),
]


@pytest.mark.parametrize(
    ("locale", "customer", "marker", "summary_text", "outcome", "title", "other_title"), BULK_APPROVAL
)
def test_filter_then_bulk_approve(
    browser: WebDriver,
    live_server: str,
    app: Flask,
    locale: str,
    customer: str,
    marker: str,
    summary_text: str,
    outcome: str,
    title: str,
    other_title: str,
) -> None:
    _user("sales_manager").locale = locale
    db.session.commit()
    first, second = _file("BRA1", customer), _file("BRA2", customer)
    other = _file("BRB1", "南方机械")
    log_in(browser, live_server, "sales_manager")
    browser.get(f"{live_server}/tasks")
    wait_for(browser, "table.inbox-list")
    assert marker in browser.page_source
    _filter(browser, "customer", customer.split()[0][:2])
    assert sorted(_rows(browser)) == sorted([str(first), str(second)])
    _tick(browser, first, second)
    browser.find_element(By.CSS_SELECTOR, "#bulk-form input[name=comment]").send_keys("符合政策 / within policy")
    browser.find_element(By.ID, "bulk-approve").click()
    summary = wait_for(browser, "#bulk-summary")
    assert summary_text in summary.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.bulk-ok")) == 2
    results = browser.find_element(By.CSS_SELECTOR, "table.bulk-results").text
    assert outcome in results and title in results and other_title not in results
    db.session.expire_all()
    assert [db.session.get(HumanTask, i).status for i in (first, second, other)] == ["completed", "completed", "open"]


def test_bulk_reject_in_english_reports_the_task_that_failed(browser: WebDriver, live_server: str, app: Flask) -> None:
    manager = _user("sales_manager")
    manager.locale = "en"
    db.session.commit()
    kept, taken = _file("BRC1", "Acme Trading"), _file("BRC2", "Acme Trading")
    log_in(browser, live_server, "sales_manager")
    browser.get(f"{live_server}/tasks")
    _filter(browser, "q", "brc")
    assert "My roles" in browser.page_source
    _tick(browser, kept, taken)
    tasks.complete(
        taken, manager, {"decision": "approve", "comment": "ok"}
    )  # decided elsewhere while the page was open
    browser.find_element(By.CSS_SELECTOR, "#bulk-form input[name=comment]").send_keys("Over the limit")
    browser.find_element(By.ID, "bulk-reject").click()
    summary = wait_for(browser, "#bulk-summary")
    assert summary.text == "1 of 2 tasks decided."
    failed = browser.find_element(By.CSS_SELECTOR, f'tr.bulk-failed[data-task-id="{taken}"]')
    assert "this task has already been handled" in failed.text
    assert "Rejected" in browser.find_element(By.CSS_SELECTOR, f'tr.bulk-ok[data-task-id="{kept}"]').text


@pytest.fixture
def phone(browser: WebDriver) -> Iterator[WebDriver]:
    browser.set_window_size(390, 844)
    try:
        yield browser
    finally:
        browser.set_window_size(1280, 900)


def test_the_list_stacks_into_cards_on_a_phone(phone: WebDriver, live_server: str, app: Flask) -> None:
    _file("BRD1", "华东贸易")
    log_in(phone, live_server, "sales_manager")
    phone.get(f"{live_server}/tasks")
    row = wait_for(phone, "table.inbox-list tr[data-task-id]")
    assert row.value_of_css_property("display") == "grid"
    assert phone.find_element(By.CSS_SELECTOR, "table.inbox-list thead").value_of_css_property("display") == "none"
    # nothing wider than the screen: no sideways scrolling to reach the claim button or the due date
    assert phone.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    checkbox = row.find_element(By.CSS_SELECTOR, "input[name=task_ids]")
    assert checkbox.is_displayed()
