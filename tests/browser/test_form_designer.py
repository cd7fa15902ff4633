"""The form designer in a real browser: a process owner adds a field to a form, saves it, and the
next submission of a waiting task is checked against the new version."""

from __future__ import annotations

from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from app.extensions import db
from app.models import FormVersion, HumanTask

from ..conftest import PASSWORD
from ..support import ApiUser
from ..test_designed_forms import diagram, post_files
from .conftest import WAIT_SECONDS, log_in, wait_for

FIRST = {
    "type": "default",
    "id": "purchase_request",
    "title": {"zh_CN": "采购申请", "en": "Purchase request"},
    "components": [
        {"type": "textfield", "key": "subject", "label": "采购事项", "validate": {"required": True}},
        {"type": "number", "key": "amount", "label": "金额", "appearance": {"prefixAdorner": "¥"}},
    ],
}

ADD_FIELD = """
const editor = window.approvalsFormEditor;
const root = editor._getState().schema;
editor.get('modeling').addFormField(
  {type: 'textfield', key: 'cost_center', label: '成本中心', validate: {required: true}}, root, 2);
return root.components.length;
"""


def test_a_field_added_in_the_designer_is_asked_for_by_the_waiting_task(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    assert owner.post("/api/v1/forms", {"key": "purchase_request", "definition": FIRST}).status_code == 201
    key = "purchase_designed"
    assert post_files(owner, [(f"{key}.bpmn", diagram(key, 'camunda:formKey="purchase_request"'))]).status_code == 201
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.post(f"/api/v1/processes/{key}/instances", {"data": {}}).json["id"]
    db.session.expire_all()
    task_id = db.session.scalars(
        db.select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "fill")
    ).one()

    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler")
    browser.find_element(By.ID, "new-form-link")  # where a new form starts
    browser.get(f"{live_server}/modeler/forms/purchase_request/design")
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "form-canvas").get_attribute("data-import-state") == "ok"
    )
    palette = wait_for(browser, ".fjs-palette-container")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: "单行文本" in palette.text)  # the palette speaks Chinese
    assert browser.execute_script(ADD_FIELD) == 3
    browser.find_element(By.ID, "save-form-button").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "modeler-status").get_attribute("data-state") in ("ok", "error")
    )
    assert browser.find_element(By.ID, "modeler-status").get_attribute("data-state") == "ok", browser.find_element(
        By.ID, "problems"
    ).text
    assert browser.find_element(By.ID, "form-canvas").get_attribute("data-version") == "2"
    db.session.expire_all()
    newest = db.session.scalars(
        db.select(FormVersion).where(FormVersion.form_key == "purchase_request", FormVersion.version == 2)
    ).one()
    assert [c["key"] for c in newest.definition["components"]][:3] == ["subject", "amount", "cost_center"]

    # The waiting task asks for the new field at once, on its page and when completed over the API.
    browser.delete_all_cookies()
    log_in(browser, live_server, "salesperson")
    browser.get(f"{live_server}/tasks/{task_id}")
    assert "成本中心" in wait_for(browser, "#task-form").text
    refused = sales.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"subject": "打印纸", "amount": 300}})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["cost_center"]
    done = sales.post(
        f"/api/v1/tasks/{task_id}/complete", {"data": {"subject": "打印纸", "amount": 300, "cost_center": "行政部"}}
    )
    assert done.status_code == 200, done.json
