"""On a phone-sized screen every page fits its width, and the language switches work in a browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from app.extensions import db
from app.models import HumanTask

from ..conftest import PASSWORD
from ..support import ApiUser
from .conftest import WAIT_SECONDS, log_in, wait_for

PHONE = (375, 812)


@pytest.fixture
def phone(browser: WebDriver) -> Iterator[WebDriver]:
    size = browser.get_window_size()
    browser.set_window_size(*PHONE)
    try:
        yield browser
    finally:
        browser.set_window_size(size["width"], size["height"])


def _overflow(driver: WebDriver) -> int:
    """How many pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    return driver.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth;"
    )


def _wait_for_heading(driver: WebDriver, text: str) -> None:
    # The page is being replaced while we look, so an element may vanish under our hands.
    WebDriverWait(
        driver, WAIT_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(lambda d: d.find_element(By.CSS_SELECTOR, "h1").text == text)


def _open_task(app: Flask) -> HumanTask:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    # A long name, as real customers have, must wrap rather than widen the page.
    response = sales.start_credit(customer_code="P375", customer_name="华东地区长期合作贸易有限责任公司" * 3)
    assert response.status_code == 201, response.json
    # decided at once by the policy (a bad record): a credit file with one row to list
    assert sales.start_credit(customer_code="P376", bad_record_24m=True).status_code == 201
    return db.session.scalars(db.select(HumanTask).where(HumanTask.status == "open")).one()


def test_inbox_task_and_instance_pages_fit_a_phone(app: Flask, phone: WebDriver, live_server: str) -> None:
    task = _open_task(app)
    log_in(phone, live_server, "sales_manager")
    assert phone.execute_script("return document.documentElement.clientWidth;") <= PHONE[0]
    pages = {
        "inbox": (f"{live_server}/tasks", "table"),
        "task": (f"{live_server}/tasks/{task.id}", "#decision-bar button.primary"),
        "instance": (f"{live_server}/instances/{task.instance_id}", "#copy-to"),
        "desk": (f"{live_server}/supervision", "table"),
        "account": (f"{live_server}/account", "#language-form"),
        "credit files": (f"{live_server}/customers", "table"),
    }
    wide = {}
    for name, (url, marker) in pages.items():
        phone.get(url)
        wait_for(phone, marker)
        if _overflow(phone) > 0:
            wide[name] = _overflow(phone)
    assert wide == {}
    # Table rows are stacked cards: the header row is hidden and each cell stands on its own line.
    phone.get(f"{live_server}/customers")
    assert not wait_for(phone, "table thead").is_displayed()
    cell = phone.find_element(By.CSS_SELECTOR, "table tbody td[data-label]")
    label = phone.execute_script("return getComputedStyle(arguments[0], '::before').content;", cell)
    assert label == '"编码"'  # the column's name, above the value
    row = phone.find_element(By.CSS_SELECTOR, "table tbody tr")
    assert phone.execute_script("return getComputedStyle(arguments[0]).display;", row) == "block"
    # Form fields take the whole width of the card.
    phone.get(f"{live_server}/tasks/{task.id}")
    field = wait_for(phone, "textarea[name=comment]")
    card = phone.find_element(By.CSS_SELECTOR, "form[novalidate]")
    assert field.size["width"] >= card.size["width"] - 2


def test_the_language_switches_in_the_browser(phone: WebDriver, live_server: str) -> None:
    phone.get(f"{live_server}/login")
    assert wait_for(phone, "h1").text == "登录"
    phone.find_element(By.CSS_SELECTOR, "#language-switch button[value=en]").click()
    _wait_for_heading(phone, "Log in")

    log_in(phone, live_server, "salesperson")
    phone.get(f"{live_server}/account")
    Select(wait_for(phone, "select[name=locale]")).select_by_value("en")
    phone.find_element(By.CSS_SELECTOR, "#language-form button[type=submit]").click()
    _wait_for_heading(phone, "My account")
    assert "Start" in phone.find_element(By.CSS_SELECTOR, "header nav").text

    Select(phone.find_element(By.CSS_SELECTOR, "select[name=locale]")).select_by_value("zh_CN")
    phone.find_element(By.CSS_SELECTOR, "#language-form button[type=submit]").click()
    _wait_for_heading(phone, "我的账户")
    assert "语言已保存" in phone.find_element(By.CSS_SELECTOR, ".flash").text
    assert _overflow(phone) == 0
