"""The shell of the product in a real browser: logging in and reaching the inbox."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from .conftest import log_in, wait_for


def test_a_salesperson_logs_in_and_sees_the_inbox_with_its_count(browser: WebDriver, live_server: str) -> None:
    log_in(browser, live_server, "salesperson")
    badge = wait_for(browser, "#open-count")
    assert badge.text.strip().isdigit()
    assert browser.find_element(By.CSS_SELECTOR, "nav").text.count("待办") == 1


def test_a_wrong_password_keeps_the_browser_on_the_login_page(browser: WebDriver, live_server: str) -> None:
    browser.get(f"{live_server}/login")
    browser.find_element(By.NAME, "username").send_keys("salesperson")
    browser.find_element(By.NAME, "password").send_keys("not-the-password")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(browser, "input[name=password]")
    assert "/login" in browser.current_url
    assert "用户名或密码错误" in browser.page_source  # Chinese until the reader picks English
