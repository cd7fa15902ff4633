"""A process owner builds a purchase request (采购申请) in the browser from nothing, and it runs.

The administrator adds a role and puts two people in it; the process owner designs the start form and
the approval form, writes the amount rule as a new decision table, draws the process on a blank
diagram and deploys it; a second process owner approves the change; a salesperson starts it; the two
people of the new role co-sign (会签); the record shows who approved and what the rule decided.
"""

from __future__ import annotations

import json

from flask import Flask
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from app.extensions import db
from app.models import HumanTask, ProcessInstance
from app.services.modeling.specs import latest_version

from .conftest import WAIT_SECONDS, log_in, wait_for
from .test_modeler import _import_state, _status

ROLE = "purchase_approver"
SIGNERS = ("sales_manager", "finance_director")
START_FORM = "purchase_request_start"
APPROVAL_FORM = "purchase_request_approval"

# Fields are put on the form through form-js's own modeling service: the palette is dragged with
# dragula, which follows real mouse events that Selenium's synthetic drag does not always reproduce.
# Everything else on the designer page (key, titles, saving) is typed and clicked.
ADD_FIELDS = """
const editor = window.approvalsFormEditor;
const root = editor._getState().schema;
JSON.parse(arguments[0]).forEach(function (field, index) {
  editor.get('modeling').addFormField(field, root, index);
});
return root.components.length;
"""

START_FIELDS = [
    {"type": "textfield", "key": "item", "label": "采购物品", "validate": {"required": True}},
    {"type": "number", "key": "amount", "label": "金额", "validate": {"required": True, "min": 1}},
]
APPROVAL_FIELDS = [
    {
        "type": "radio",
        "key": "decision",
        "label": "审批结论",
        "validate": {"required": True},
        "values": [{"label": "同意", "value": "approve"}, {"label": "驳回", "value": "reject"}],
    },
    {"type": "textarea", "key": "comment", "label": "审批意见"},
]

# A sequence flow is a thin line: a click at the centre of an elbowed one lands beside it. The flow
# leaving the gateway for `target` is selected through the modeler's selection service instead.
SELECT_FLOW_TO = """
const modeler = window.approvalsModeler;
const target = arguments[0];
const flow = modeler.get('elementRegistry').filter(function (e) {
  return e.type === 'bpmn:SequenceFlow' && e.target && e.target.id === target;
})[0];
modeler.get('selection').select(flow);
return flow.id;
"""


def _wait_until(browser: WebDriver, condition) -> None:  # noqa: ANN001 - a predicate on the driver
    # A button that posts a form swaps the page: an element found on the old one is asked again.
    WebDriverWait(
        browser, WAIT_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(condition)


def _switch_user(browser: WebDriver, base: str, username: str) -> None:
    browser.delete_all_cookies()
    log_in(browser, base, username)


def add_role_with_two_people(browser: WebDriver, base: str) -> None:
    log_in(browser, base, "admin")
    browser.get(f"{base}/admin/roles")
    form = wait_for(browser, "#new-role")
    for name, value in (("key", ROLE), ("name", "采购审批人"), ("name_en", "Purchase approver")):
        form.find_element(By.NAME, name).send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_until(browser, lambda d: ROLE in d.find_element(By.ID, "roles").text)
    for username in SIGNERS:
        browser.get(f"{base}/admin/people/{username}")
        person = wait_for(browser, "#edit-person")
        person.find_element(By.CSS_SELECTOR, f"input[name=roles][value={ROLE}]").click()
        person.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(browser, ".flash")


def design_form(browser: WebDriver, base: str, key: str, title: str, fields: list[dict]) -> None:
    browser.get(f"{base}/modeler")
    browser.find_element(By.ID, "new-form-link").click()
    _wait_until(browser, lambda d: d.find_element(By.ID, "form-canvas").get_attribute("data-import-state") == "ok")
    assert browser.execute_script(ADD_FIELDS, json.dumps(fields)) == len(fields)
    browser.find_element(By.ID, "form-key").send_keys(key)
    browser.find_element(By.ID, "form-title-zh").send_keys(title)
    browser.find_element(By.ID, "save-form-button").click()
    _wait_until(
        browser, lambda d: d.find_element(By.ID, "modeler-status").get_attribute("data-state") in ("ok", "error")
    )
    assert browser.find_element(By.ID, "modeler-status").get_attribute("data-state") == "ok", browser.find_element(
        By.ID, "problems"
    ).text


def type_cell(browser: WebDriver, cell: WebElement, text: str) -> None:
    cell.click()
    editable = cell.find_element(By.CSS_SELECTOR, "[contenteditable]")
    editable.send_keys(text)


def write_decision_table(browser: WebDriver, base: str) -> None:
    """A new table read from the amount: above 10,000 the purchase is "high", otherwise "normal"."""
    browser.get(f"{base}/modeler")
    browser.find_element(By.ID, "new-decision-link").click()
    form = wait_for(browser, "#new-decision")
    for name, value in (
        ("decision_id", "purchase_level"),
        ("name", "采购审批级别"),
        ("reads", "amount"),
        ("sets", "level"),
    ):
        form.find_element(By.NAME, name).send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert _import_state(browser, "#dmn-canvas") == "ok"
    for _rule in range(2):
        browser.find_element(By.CSS_SELECTOR, "#dmn-canvas .add-rule-add").click()
    _wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#dmn-canvas tbody tr:not(.add-rule)")) == 2)
    rows = browser.find_elements(By.CSS_SELECTOR, "#dmn-canvas tbody tr:not(.add-rule)")
    for row, (condition, outcome) in zip(rows, (("> 10000", '"high"'), ("", '"normal"')), strict=True):
        cells = row.find_elements(By.CSS_SELECTOR, "td.input-cell, td.output-cell")
        if condition:
            type_cell(browser, cells[0], condition)
        type_cell(browser, cells[1], outcome)
    browser.find_element(By.ID, "check-button").click()
    assert _status(browser, "ok", "problems", "error") == "ok", browser.find_element(By.ID, "problems").text
    browser.find_element(By.ID, "deploy-button").click()
    # No process calls it yet: it is kept for the diagram that will.
    assert _status(browser, "saved", "proposed", "problems", "error") == "saved", browser.find_element(
        By.ID, "problems"
    ).text


def _selected_id(browser: WebDriver) -> str:
    return browser.find_element(By.ID, "prop-element").text.split(" · ")[-1]


def _pad(browser: WebDriver, action: str) -> None:
    wait_for(browser, f'.djs-context-pad .entry[data-action="{action}"]').click()


def _select(browser: WebDriver, element_id: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f'#canvas .djs-element[data-element-id="{element_id}"]').click()
    _wait_until(browser, lambda d: _selected_id(d) == element_id)


def _append(browser: WebDriver, action: str, replace_with: str | None = None) -> str:
    """Append from the selected element through its context pad; the new element is selected."""
    before = _selected_id(browser)
    _pad(browser, action)
    _wait_until(browser, lambda d: _selected_id(d) != before)
    if replace_with:
        _pad(browser, "replace")
        wait_for(browser, f'.djs-popup [data-id="{replace_with}"]').click()
        _wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#prop-fields:not([hidden])"))
    return _selected_id(browser)


def _type(browser: WebDriver, field_id: str, text: str) -> None:
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text + Keys.TAB)


def draw_process(browser: WebDriver, base: str) -> tuple[int, dict[str, str]]:
    """Draw and deploy: start → decide the level → high? → 会签 by the role → end; normal → end."""
    browser.get(f"{base}/modeler")
    browser.find_element(By.ID, "new-process-link").click()
    form = wait_for(browser, "#new-process")
    form.find_element(By.NAME, "process_key").send_keys("purchase_request")
    form.find_element(By.NAME, "name").send_keys("采购申请")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert _import_state(browser, "#canvas") == "ok"

    _select(browser, "start")
    _type(browser, "prop-name", "提交采购申请")
    _type(browser, "prop-form-key", START_FORM)
    rule = _append(browser, "append.append-task", "replace-with-rule-task")
    _type(browser, "prop-name", "判定审批级别")
    _type(browser, "prop-decision", "purchase_level")
    gateway = _append(browser, "append.gateway")
    _type(browser, "prop-name", "审批级别")
    signing = _append(browser, "append.append-task", "replace-with-user-task")
    _type(browser, "prop-name", "采购会签")
    _type(browser, "prop-form-key", APPROVAL_FORM)
    Select(browser.find_element(By.ID, "prop-signing")).select_by_value("all")
    wait_for(browser, "#prop-signing-details:not([hidden])")
    _type(browser, "prop-signers-role", ROLE)
    _append(browser, "append.end-event")
    _type(browser, "prop-name", "已批准")
    _select(browser, gateway)
    normal_end = _append(browser, "append.end-event")
    _type(browser, "prop-name", "无需会签")
    for target, condition in ((signing, 'level == "high"'), (normal_end, 'level == "normal"')):
        flow = browser.execute_script(SELECT_FLOW_TO, target)
        _wait_until(browser, lambda d, flow=flow: _selected_id(d) == flow)
        _type(browser, "prop-condition", condition)

    browser.find_element(By.ID, "check-button").click()
    assert _status(browser, "ok", "problems", "error") == "ok", browser.find_element(By.ID, "problems").text
    browser.find_element(By.ID, "deploy-button").click()
    # Four eyes: the new process waits for a second process owner.
    assert _status(browser, "proposed", "deployed", "problems", "error") == "proposed", browser.find_element(
        By.ID, "problems"
    ).text
    drawn = {"rule": rule, "signing": signing, "normal_end": normal_end}
    return int(browser.find_element(By.ID, "modeler-status").get_attribute("data-proposal")), drawn


def approve_proposal(browser: WebDriver, base: str, proposal_id: int) -> None:
    browser.get(f"{base}/modeler/proposals/{proposal_id}")
    wait_for(browser, '.diff-canvas[data-side="new"][data-import-state="ok"]')
    browser.find_element(By.NAME, "comment").send_keys("采购流程可以上线")
    browser.find_element(By.ID, "approve-button").click()
    _wait_until(browser, lambda d: d.find_element(By.ID, "proposal-state").get_attribute("data-state") == "approved")


def start_request(browser: WebDriver, base: str) -> int:
    browser.get(f"{base}/processes")
    browser.find_element(By.LINK_TEXT, "采购申请").click()
    form = wait_for(browser, "main form[enctype]")
    form.find_element(By.NAME, "item").send_keys("服务器两台")
    form.find_element(By.NAME, "amount").send_keys("25000")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_until(browser, lambda d: "/instances/" in d.current_url)
    return int(browser.current_url.rstrip("/").split("/")[-1])


def sign(browser: WebDriver, base: str, task_id: int) -> None:
    """The signer finds the task in their inbox and approves it with an opinion."""
    browser.get(f"{base}/tasks")
    wait_for(browser, f'tr[data-task-id="{task_id}"] td.title a').click()
    form = wait_for(browser, "#task-form")
    form.find_element(By.NAME, "comment").send_keys("同意采购")
    form.find_element(By.CSS_SELECTOR, 'button[name="decision"][value="approve"]').click()
    _wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".flash"))


def test_a_process_owner_builds_a_purchase_request_that_runs_to_the_end(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    app.config["DEPLOY_APPROVAL"] = True
    add_role_with_two_people(browser, live_server)

    _switch_user(browser, live_server, "process_owner")
    design_form(browser, live_server, START_FORM, "采购申请", START_FIELDS)
    design_form(browser, live_server, APPROVAL_FORM, "采购会签", APPROVAL_FIELDS)
    write_decision_table(browser, live_server)
    proposal_id, drawn = draw_process(browser, live_server)
    assert latest_version("purchase_request") is None  # not current before the second person approves

    _switch_user(browser, live_server, "process_owner2")
    approve_proposal(browser, live_server, proposal_id)
    db.session.expire_all()
    current = latest_version("purchase_request")
    assert current is not None and current.version == 1 and list(current.dmn_xml) == ["purchase_level.dmn"]

    _switch_user(browser, live_server, "salesperson")
    instance_id = start_request(browser, live_server)
    db.session.expire_all()
    signers = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).all()
    assert sorted(t.assignee.username for t in signers) == sorted(SIGNERS)  # one task per member of the role

    for task in signers:
        _switch_user(browser, live_server, task.assignee.username)
        sign(browser, live_server, task.id)

    _switch_user(browser, live_server, "salesperson")
    browser.get(f"{live_server}/instances/{instance_id}")
    chain = wait_for(browser, "#chain")
    assert browser.find_element(By.ID, "instance-status").text == "已完成"
    # Each co-signer's approval on its own row, then the step's outcome counted.
    signed = chain.find_elements(By.CSS_SELECTOR, f'li.step.done.decision-approve[data-step="{drawn["signing"]}"]')
    names = sorted(t.assignee.name_zh for t in signers)
    assert (
        sorted(
            s.find_element(By.CSS_SELECTOR, ".who").text
            for s in signed
            if "signing-result" not in s.get_attribute("class")
        )
        == names
    )
    outcome = chain.find_element(By.CSS_SELECTOR, "li.signing-result")
    assert "2 人中 2 人同意" in outcome.text and "decision-approve" in outcome.get_attribute("class")
    assert "服务器两台" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text  # the designed start form's data
    # The rule's outcome, read on the record's diagram: the way through the gateway was the "high" one.
    assert _import_state(browser, "#instance-diagram") == "ok"
    done = {
        e.get_attribute("data-element-id")
        for e in browser.find_elements(By.CSS_SELECTOR, "#instance-diagram .djs-element.step-done")
    }
    assert {drawn["rule"], drawn["signing"]} <= done and drawn["normal_end"] not in done
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.status == "completed" and instance.data["level"] == "high"
