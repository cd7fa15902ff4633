"""Returning an application to its filer and attaching a file, in a real browser, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from app.extensions import db
from app.models import HumanTask, User

from ..conftest import PASSWORD
from ..support import ApiUser
from .conftest import WAIT_SECONDS, log_in, wait_for

WORDS = {
    "zh_CN": {"return": "退回", "timeline": "审批记录与讨论", "attach": "上传附件"},
    "en": {"return": "Return", "timeline": "Timeline", "attach": "Attach file"},
}


def speak(locale: str) -> None:
    for person in db.session.scalars(db.select(User)):
        person.locale = locale
    db.session.commit()


def open_task(instance_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).one()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_return_to_the_filer_and_resubmit(browser: WebDriver, live_server: str, app: Flask, locale: str) -> None:
    speak(locale)
    client = app.test_client()
    instance_id = ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="BR1").json["id"]
    for approver in ("sales_manager", "sales_vp"):
        person = ApiUser(client, approver, PASSWORD)
        assert person.decide(person.only_task()["id"], "approve", "同意").status_code == 200
    finance_task = open_task(instance_id)

    log_in(browser, live_server, "finance_director")
    browser.get(f"{live_server}/tasks/{finance_task.id}")
    button = wait_for(browser, "#return button")
    assert button.text == WORDS[locale]["return"]
    Select(browser.find_element(By.CSS_SELECTOR, "#return select[name=target]")).select_by_value("filer")
    browser.find_element(By.CSS_SELECTOR, "#return input[name=comment]").send_keys("请补充应收账龄")
    button.click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.current_url.endswith("/tasks"))
    resubmit = open_task(instance_id)
    assert resubmit.assignee.username == "salesperson"

    browser.delete_all_cookies()
    log_in(browser, live_server, "salesperson")
    browser.get(f"{live_server}/tasks/{resubmit.id}")
    limit = wait_for(browser, "input[name=requested_limit]")
    assert limit.get_attribute("value").startswith("90000")  # the filed values come back to correct
    limit.clear()
    limit.send_keys("70000")
    browser.find_element(By.CSS_SELECTOR, "form button.primary").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.current_url.endswith("/tasks"))

    # A lower amount is a changed application: it goes through every approval again.
    landed = open_task(instance_id)
    assert (landed.bpmn_id, landed.role) == ("review_sales_manager", "sales_manager")
    browser.get(f"{live_server}/instances/{instance_id}")
    timeline = wait_for(browser, "#collaboration-timeline")
    assert "请补充应收账龄" in timeline.text
    assert WORDS[locale]["timeline"] in browser.page_source


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_an_uploaded_file_shows_in_the_timeline(
    browser: WebDriver, live_server: str, app: Flask, tmp_path: Path, locale: str
) -> None:
    speak(locale)
    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="BR2").json["id"]
    picture = tmp_path / "营业执照.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    log_in(browser, live_server, "salesperson")
    browser.get(f"{live_server}/instances/{instance_id}")
    button = wait_for(browser, "#upload button")
    assert button.text == WORDS[locale]["attach"]
    browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys(str(picture))
    button.click()
    link = wait_for(browser, "#collaboration-timeline .attachment-link")
    assert link.text == "营业执照.png"
