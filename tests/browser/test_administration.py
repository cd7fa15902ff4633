"""The administrator sets up a person in a real browser, finds them in the org chart by pinyin,
and reads the audit trail of what they did."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from .conftest import log_in, wait_for


def test_the_administrator_adds_a_person_and_finds_them_in_the_org_chart(browser: WebDriver, live_server: str) -> None:
    log_in(browser, live_server, "admin")
    browser.find_element(By.LINK_TEXT, "系统管理").click()
    form = wait_for(browser, "#new-person")
    for name, value in (
        ("username", "zhang.san"),
        ("display_name", "张三"),
        ("email", "zhang.san@example.com"),
        ("supervisor", "sales_manager"),
    ):
        form.find_element(By.NAME, name).send_keys(value)
    Select(form.find_element(By.NAME, "department")).select_by_value("sales")
    form.find_element(By.CSS_SELECTOR, "input[name=roles][value=salesperson]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    flash = wait_for(browser, ".flash")
    assert "zhang.san" in flash.text and "初始密码" in flash.text  # generated, shown once
    assert "/admin/people/zhang.san" in browser.current_url

    browser.get(f"{live_server}/admin/departments")
    search = wait_for(browser, "input[name=q]")
    search.send_keys("zhangsan")
    search.submit()
    found = wait_for(browser, ".person.found")
    assert found.get_attribute("data-user") == "zhang.san"
    # Drawn under their supervisor's line.
    manager = browser.find_element(By.CSS_SELECTOR, '[data-user="sales_manager"]').find_element(By.XPATH, "..")
    assert manager.find_element(By.CSS_SELECTOR, '[data-user="zhang.san"]')

    browser.get(f"{live_server}/admin/audit?action=user_created")
    rows = wait_for(browser, "#audit tbody").text
    assert "已创建人员" in rows and "zhang.san" in rows
