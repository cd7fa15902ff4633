"""In a real browser: on a 390×844 phone the decision buttons sit in a bar at the bottom of the task
page, in reach without scrolling, and one tap decides; on a desktop the approval chain reads in
Chinese and in English, and the diagram below it opens full screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from app.extensions import db
from app.models import HumanTask, User

from ..conftest import PASSWORD
from ..support import ApiUser
from .conftest import WAIT_SECONDS, log_in, wait_for

PHONE = (390, 844)


@pytest.fixture
def phone(browser: WebDriver) -> Iterator[WebDriver]:
    size = browser.get_window_size()
    browser.set_window_size(*PHONE)
    try:
        yield browser
    finally:
        browser.set_window_size(size["width"], size["height"])


def _at_finance_director(app: Flask) -> HumanTask:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    assert sales.start_credit(customer_code="PH1", customer_name="华东精密机械有限公司").status_code == 201
    manager = ApiUser(client, "sales_manager", PASSWORD)
    [task] = manager.tasks()
    assert manager.decide(task["id"], "approve", "回款稳定，同意授信").status_code == 200
    vp = ApiUser(client, "sales_vp", PASSWORD)
    [vp_task] = vp.tasks()
    assert vp.decide(vp_task["id"], "approve", "回款稳定，同意授信").status_code == 200
    return db.session.scalars(db.select(HumanTask).where(HumanTask.status == "open")).one()


def _in_view(driver: WebDriver, css: str) -> bool:
    return driver.execute_script(
        "var r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;",
        css,
    )


def test_on_a_phone_the_decision_is_in_reach_without_scrolling(app: Flask, phone: WebDriver, live_server: str) -> None:
    task = _at_finance_director(app)
    log_in(phone, live_server, "finance_director")
    phone.get(f"{live_server}/tasks/{task.id}")
    wait_for(phone, "#decision-bar")
    assert phone.execute_script("return window.scrollY;") == 0
    for value in ("approve", "reject", "return"):
        assert _in_view(phone, f"#decision-bar button[value={value}]"), value
    assert phone.execute_script("return getComputedStyle(document.querySelector('#decision-bar')).position;") == "fixed"
    # The page is long (application, chain, timeline): the bar stays put while it scrolls.
    phone.execute_script("window.scrollTo(0, document.body.scrollHeight / 2);")
    assert phone.execute_script("return window.scrollY;") > 0 and _in_view(phone, "#decision-bar button[value=approve]")
    phone.execute_script("window.scrollTo(0, 0);")
    phone.find_element(By.NAME, "comment").send_keys("同意")
    phone.find_element(By.CSS_SELECTOR, "#decision-bar button[value=approve]").click()
    WebDriverWait(phone, WAIT_SECONDS).until(lambda d: "/tasks/" not in d.current_url)
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "completed"


def test_on_a_phone_checkboxes_sit_beside_their_labels_and_the_form_is_in_sections(
    app: Flask, phone: WebDriver, live_server: str
) -> None:
    log_in(phone, live_server, "salesperson")
    phone.get(f"{live_server}/processes/credit_application/start")
    box = wait_for(phone, "label.check input[type=checkbox]")
    label = box.find_element(By.XPATH, "following-sibling::span")
    assert abs(box.location["y"] - label.location["y"]) < 12 and box.location["x"] < label.location["x"]
    assert len(phone.find_elements(By.CSS_SELECTOR, "fieldset.form-section legend")) >= 3
    assert phone.find_elements(By.CSS_SELECTOR, ".checklist input[type=checkbox][name=c_conditions]")
    assert phone.find_elements(By.CSS_SELECTOR, ".required .required-mark")


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "zh_CN",
            (
                "审批流程",
                "营销部经理审批",
                "已同意",
                "回款稳定，同意授信",
                "财务总监审批",
                "处理中",
                "总经理审批",
                "待处理",
            ),
        ),
        (
            "en",
            (
                "Approval chain",
                "Sales manager approval",
                "Approved",
                "Finance director approval",
                "In progress",
                "General manager approval",
                "To come",
            ),
        ),
    ],
)
def test_on_a_desktop_the_chain_reads_in_the_readers_language(
    app: Flask, browser: WebDriver, live_server: str, locale: str, words: tuple[str, ...]
) -> None:
    task = _at_finance_director(app)
    db.session.scalars(db.select(User).where(User.username == "salesperson")).one().locale = locale
    db.session.commit()
    log_in(browser, live_server, "salesperson")
    browser.get(f"{live_server}/instances/{task.instance_id}")
    chain = wait_for(browser, "#chain").text
    positions = [chain.find(w) for w in words]
    assert all(p >= 0 for p in positions), (chain, words)
    steps = browser.find_elements(By.CSS_SELECTOR, "#chain .step")
    assert [s.get_attribute("class").split()[1] for s in steps] == ["done", "done", "done", "current", "ahead"]
    # The diagram under the chain opens full screen, with zoom buttons.
    wait_for(browser, "#instance-diagram svg")
    browser.find_element(By.CSS_SELECTOR, "#diagram-full").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.execute_script("return document.querySelector('#diagram').classList.contains('full');")
    )
    size = browser.execute_script(
        "var r = document.querySelector('#diagram').getBoundingClientRect(); return [r.width, r.height];"
    )
    assert size[0] >= browser.execute_script("return document.documentElement.clientWidth;") - 2
    browser.find_element(By.CSS_SELECTOR, "#diagram-zoom-in").click()
