"""In Chromium, at desktop and phone size, in Chinese and in English: the bell and the message centre,
the people picker on 抄送, and the lists beside the inbox."""

from __future__ import annotations

import pytest
from flask import Flask
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from app.extensions import db
from app.models import User

from ..conftest import PASSWORD
from ..support import ApiUser
from .conftest import WAIT_SECONDS, log_in, wait_for

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
WORDS = {
    "zh_CN": {"approved": "同意", "stands": "营销副总", "none": "没有符合条件的人员"},
    "en": {"approved": "approved", "stands": "Sales VP", "none": "Nobody matches"},
}


def _set_up(app: Flask, locale: str) -> int:
    for username, name in (("credit_controller", "张伟"), ("finance_director", "王芳")):
        person = db.session.scalars(db.select(User).where(User.username == username)).one()
        person.name_zh, person.name_en = name, None  # the same name in both languages
    for username in ("salesperson", "credit_controller"):
        db.session.scalars(db.select(User).where(User.username == username)).one().locale = locale
    db.session.commit()
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="BR1").json["id"]
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    manager.post(f"/api/v1/tasks/{task_id}/claim")
    assert manager.decide(task_id, "approve", "同意").status_code == 200
    return instance_id


def _wait_for_text(driver: WebDriver, css: str, text: str) -> None:
    # The picker redraws its list as each answer arrives, so an element found a moment ago may be gone.
    WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any(e.is_displayed() and text in e.text for e in d.find_elements(By.CSS_SELECTOR, css))
    )


def _pick(driver: WebDriver, field: WebElement, username: str) -> None:
    """Click the person in the list that answers what the field holds now: a list answering earlier
    typing is redrawn a moment later, and a click aimed at it can land beside the new one."""

    def clicked(d: WebDriver) -> bool:
        typed = field.get_attribute("value")
        answered = f".picker-results[data-answered='{typed}']"
        for option in d.find_elements(By.CSS_SELECTOR, f"{answered} .picker-option[data-username={username}]"):
            option.click()
            return True
        return False

    WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,)).until(clicked)


def _no_sideways_scroll(driver: WebDriver) -> None:
    overflow = driver.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth;"
    )
    assert overflow <= 0


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_bell_picker_and_lists(app: Flask, browser: WebDriver, live_server: str, size: str, locale: str) -> None:
    instance_id = _set_up(app, locale)
    words = WORDS[locale]
    before = browser.get_window_size()
    browser.set_window_size(*SIZES[size])
    try:
        log_in(browser, live_server, "salesperson")
        # The bell shows one unread message: the manager's decision on the application.
        assert wait_for(browser, "#unread-count").text == "1"
        browser.find_element(By.ID, "bell").click()
        line = wait_for(browser, "#message-list li.unread a")
        assert words["approved"] in line.text and "BR1" in line.text
        _no_sideways_scroll(browser)
        line.click()
        WebDriverWait(browser, WAIT_SECONDS).until(lambda d: f"/instances/{instance_id}" in d.current_url)
        assert not browser.find_elements(By.ID, "unread-count")

        # The picker: initials find the colleague by their Chinese name; picking fills in the log-in name.
        field = wait_for(browser, "#copy-to input[data-picker=copy]")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", field)
        field.send_keys("zw")
        _wait_for_text(browser, ".picker-option[data-username=credit_controller]", "张伟")
        _no_sideways_scroll(browser)
        _pick(browser, field, "credit_controller")
        assert field.get_attribute("value") == "credit_controller"
        field.clear()
        field.send_keys("qqqqqq")  # nobody: the picker says so
        _wait_for_text(browser, ".picker-none", words["none"])
        field.clear()
        field.send_keys("zhangwei")
        _pick(browser, field, "credit_controller")
        assert field.get_attribute("value") == "credit_controller"
        browser.find_element(By.CSS_SELECTOR, "#copy-to input[name=comment]").send_keys("请留意")
        browser.find_element(By.CSS_SELECTOR, "#copy-to button[type=submit]").click()
        WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".flash.info"))

        # 我发起的: where it stands, with the next approver's role.
        browser.get(f"{live_server}/my/started")
        row = wait_for(browser, f"#my-list tr[data-instance='{instance_id}']")
        assert words["stands"] in row.text
        _no_sideways_scroll(browser)

        # 抄送我的: the colleague sees it unread until opened.
        browser.delete_all_cookies()
        log_in(browser, live_server, "credit_controller")
        browser.get(f"{live_server}/my/copied")
        assert wait_for(browser, "#unread-copies").text == "1"
        browser.find_element(By.CSS_SELECTOR, f"#my-list tr[data-instance='{instance_id}'] a").click()
        WebDriverWait(browser, WAIT_SECONDS).until(lambda d: f"/instances/{instance_id}" in d.current_url)
        browser.get(f"{live_server}/my/copied")
        wait_for(browser, "#my-list")
        assert not browser.find_elements(By.ID, "unread-copies")
    finally:
        browser.set_window_size(before["width"], before["height"])
