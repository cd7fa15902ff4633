"""The modeler in a real browser: edit and deploy the credit process, open every MIWG diagram,
and see where an instance stands."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from app import clock as app_clock
from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessVersion, User

from ..conftest import PASSWORD
from ..support import MIWG, ApiUser
from ..test_process_models import with_extra_task
from .conftest import WAIT_SECONDS, log_in, wait_for

MIWG_FILES = sorted(MIWG.glob("*.bpmn"))

# Inserts a user task between the start event and the first step, through the modeler's own API.
ADD_TASK = """
const modeler = window.approvalsModeler;
const registry = modeler.get('elementRegistry');
const modeling = modeler.get('modeling');
const task = modeling.createShape({type: 'bpmn:UserTask'}, {x: 300, y: 340}, registry.get('participant_credit'));
modeling.updateProperties(task, {id: 'extra_review', name: '新增复核'});
const flow = registry.get('flow_start');
const next = flow.target;
modeling.reconnectEnd(flow, task, {x: 300, y: 340});
modeling.connect(task, next);
modeler.get('selection').select(task);
return task.businessObject.lanes ? 'ok' : 'ok';
"""


def _import_state(browser: WebDriver, css: str) -> str:
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.CSS_SELECTOR, css).get_attribute("data-import-state") in ("ok", "error")
    )
    return browser.find_element(By.CSS_SELECTOR, css).get_attribute("data-import-state")


def _status(browser: WebDriver, *states: str) -> str:
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "modeler-status").get_attribute("data-state") in states
    )
    return browser.find_element(By.ID, "modeler-status").get_attribute("data-state")


def test_the_owner_adds_a_task_deploys_and_it_reaches_the_right_inbox(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler")
    browser.find_element(By.LINK_TEXT, "credit_application").click()
    assert _import_state(browser, "#canvas") == "ok"
    assert browser.find_element(By.CSS_SELECTOR, "#canvas .bjs-powered-by").is_displayed()  # the watermark stays
    browser.execute_script(ADD_TASK)
    wait_for(browser, "#prop-fields:not([hidden])")
    browser.find_element(By.ID, "prop-form-key").send_keys("credit_approval\t")
    browser.find_element(By.ID, "prop-due").send_keys("1 working day\t")
    browser.find_element(By.ID, "check-button").click()
    assert _status(browser, "ok", "problems", "error") == "ok", browser.find_element(By.ID, "problems").text
    browser.find_element(By.ID, "deploy-button").click()
    assert _status(browser, "deployed", "problems", "error") == "deployed", browser.find_element(By.ID, "problems").text
    assert browser.find_element(By.ID, "modeler-status").get_attribute("data-version") == "2"
    assert browser.find_element(By.ID, "modeler-status").text == "已部署为版本 2"

    db.session.expire_all()
    newest = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.version == 2, ProcessVersion.process_key == "credit_application")
    ).one()
    assert 'name="formKey" value="credit_approval"' in newest.bpmn_xml
    assert "<spiffworkflow:calledDecisionId>credit_grade</spiffworkflow:calledDecisionId>" in newest.bpmn_xml
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deploy").order_by(AuditEvent.id.desc())
    ).first()
    assert event.details["changes"]["removed"] == []  # the modeler kept every element it does not edit
    assert "extra_review" in event.details["changes"]["added"]
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="BM1").json["id"]
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    assert (task.bpmn_id, task.role, task.form_key) == ("extra_review", "sales_manager", "credit_approval")
    assert task.due_at is not None
    first = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.version == 1, ProcessVersion.process_key == "credit_application")
    ).one()
    assert newest.bpmn_xml.count("<spiffworkflow:property ") == first.bpmn_xml.count("<spiffworkflow:property ") + 2
    assert newest.bpmn_xml.count("<spiffworkflow:properties>") == first.bpmn_xml.count("<spiffworkflow:properties>") + 1

    browser.delete_all_cookies()
    log_in(browser, live_server, "sales_manager")
    browser.get(f"{live_server}/tasks")
    assert "新增复核" in browser.find_element(By.TAG_NAME, "main").text


def _owner_speaks(locale: str) -> None:
    owner = db.session.scalars(db.select(User).where(User.username == "process_owner")).one()
    owner.locale = locale
    db.session.commit()


EDITOR_WORDS = {
    "zh_CN": {"start": "创建开始事件", "general": "常规", "toggle": "展开/收起", "append": "追加任务"},
    "en": {"start": "Create start event", "general": "General", "toggle": "Toggle section", "append": "Append task"},
}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_editor_speaks_the_owners_language(browser: WebDriver, live_server: str, locale: str) -> None:
    _owner_speaks(locale)
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/processes/credit_application")
    assert _import_state(browser, "#canvas") == "ok"
    words = EDITOR_WORDS[locale]
    start = wait_for(browser, '#canvas .djs-palette .entry[data-action="create.start-event"]')
    assert start.get_attribute("aria-label") == words["start"]  # its accessible name, shown on hover
    header = wait_for(
        browser, '#bpmn-properties [data-group-id="group-general"] .bio-properties-panel-group-header-title'
    )
    assert header.text == words["general"]
    toggle = f'#bpmn-properties [data-group-id="group-general"] [title="{words["toggle"]}"]'
    assert browser.find_elements(By.CSS_SELECTOR, toggle)  # the section's own button, too
    browser.execute_script(
        "const m = window.approvalsModeler;"
        "m.get('selection').select(m.get('elementRegistry').get('flow_start').source);"
    )
    append = wait_for(browser, '#canvas .djs-context-pad .entry[data-action="append.append-task"]')
    assert append.get_attribute("title") == words["append"]
    assert browser.find_element(By.CSS_SELECTOR, "#canvas .bjs-powered-by").is_displayed()


TABLE_WORDS = {"zh_CN": ("命中策略：", "当", "则"), "en": ("Hit policy:", "When", "Then")}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_decision_table_speaks_the_owners_language(browser: WebDriver, live_server: str, locale: str) -> None:
    _owner_speaks(locale)
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/decisions/credit_policy.dmn")
    assert _import_state(browser, "#dmn-canvas") == "ok"
    shown = (
        wait_for(browser, "#dmn-canvas .hit-policy .dms-label").text,
        browser.find_element(By.CSS_SELECTOR, "#dmn-canvas .input-cell .clause").text,
        browser.find_element(By.CSS_SELECTOR, "#dmn-canvas .output-cell .clause").text,
    )
    assert shown == TABLE_WORDS[locale]


EXTRA_REVIEW_ASSIGNEE = (
    "return window.approvalsModeler.get('elementRegistry').get('extra_review').businessObject.get('camunda:assignee')"
)


def test_the_standard_panel_names_an_assignee_whose_inbox_gets_the_task(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/processes/credit_application")
    assert _import_state(browser, "#canvas") == "ok"
    browser.execute_script(ADD_TASK)
    general = wait_for(browser, '#bpmn-properties [data-group-id="group-general"]')
    assert browser.find_element(By.ID, "bio-properties-panel-id").get_attribute("value") == "extra_review"
    assert "新增复核" in general.find_element(By.ID, "bio-properties-panel-name").get_attribute("value")
    browser.find_element(By.ID, "prop-form-key").send_keys("credit_approval\t")  # our own panel, beside it
    wait_for(
        browser,
        '#bpmn-properties [data-group-id="group-CamundaPlatform__UserAssignment"] .bio-properties-panel-group-header',
    ).click()
    wait_for(browser, "#bio-properties-panel-assignee").send_keys("general_manager\t")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.execute_script(EXTRA_REVIEW_ASSIGNEE) == "general_manager")
    assert browser.find_element(By.ID, "prop-assignee").get_attribute("value") == "general_manager"
    browser.find_element(By.ID, "check-button").click()
    assert _status(browser, "ok", "problems", "error") == "ok", browser.find_element(By.ID, "problems").text
    browser.find_element(By.ID, "deploy-button").click()
    assert _status(browser, "deployed", "problems", "error") == "deployed", browser.find_element(By.ID, "problems").text

    db.session.expire_all()
    newest = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.version == 2, ProcessVersion.process_key == "credit_application")
    ).one()
    assert 'camunda:assignee="general_manager"' in newest.bpmn_xml
    assert "<spiffworkflow:calledDecisionId>credit_grade</spiffworkflow:calledDecisionId>" in newest.bpmn_xml
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="BM3").json["id"]
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    assert (task.bpmn_id, task.assignee.username) == ("extra_review", "general_manager")

    browser.delete_all_cookies()
    log_in(browser, live_server, "general_manager")
    browser.get(f"{live_server}/tasks")
    assert "新增复核" in browser.find_element(By.TAG_NAME, "main").text


def test_a_problem_is_listed_and_its_element_highlighted(browser: WebDriver, live_server: str) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/processes/credit_application")
    assert _import_state(browser, "#canvas") == "ok"
    browser.execute_script(
        "const m = window.approvalsModeler; const el = m.get('elementRegistry').get('correct_application');"
        "m.get('selection').select(el);"
    )
    field = wait_for(browser, "#prop-form-key")
    field.clear()
    field.send_keys("no_such_form\t")
    browser.find_element(By.ID, "deploy-button").click()
    assert _status(browser, "deployed", "problems", "error") == "problems"
    problem = browser.find_element(By.CSS_SELECTOR, '#problems li[data-element-id="correct_application"]')
    assert "no_such_form" in problem.text
    assert browser.find_elements(By.CSS_SELECTOR, '#canvas .has-problem[data-element-id="correct_application"]')


@pytest.mark.parametrize("path", MIWG_FILES, ids=lambda p: p.stem)
def test_every_miwg_diagram_opens_without_an_import_error(
    app: Flask, browser: WebDriver, live_server: str, path: Path
) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/processes/credit_application")
    assert _import_state(browser, "#canvas") == "ok"
    browser.execute_script("document.getElementById('canvas').dataset.importState = 'loading';")
    browser.find_element(By.ID, "open-file").send_keys(str(path))
    assert _import_state(browser, "#canvas") == "ok", browser.find_element(By.ID, "modeler-status").text
    assert browser.find_elements(By.CSS_SELECTOR, "#canvas .djs-element")
    browser.find_element(By.ID, "check-button").click()
    _status(browser, "ok", "problems")  # a verdict, never a crash
    assert browser.find_elements(By.CSS_SELECTOR, "#problems li")
    # The instance pages' read-only viewer draws it too: the version view runs the same script.
    _store_as_a_version(path)
    browser.get(f"{live_server}/modeler/processes/miwg_{path.stem}/versions/1/view")
    assert _import_state(browser, "#instance-diagram") == "ok", browser.find_element(By.ID, "instance-diagram").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#instance-diagram .djs-shape")) > 0


def _store_as_a_version(path: Path) -> None:
    """A drawing kept as a version as it is: most MIWG files are not executable, so none could be deployed."""
    xml = path.read_text(encoding="utf-8")
    db.session.add(
        ProcessVersion(
            process_key=f"miwg_{path.stem}",
            version=1,
            name=path.stem,
            source_name=path.name,
            bpmn_xml=xml,
            dmn_xml={},
            content_hash=hashlib.sha256(xml.encode()).hexdigest(),
            deployed_at=app_clock.now(),
        )
    )
    db.session.commit()


def _box(browser: WebDriver, css: str) -> dict[str, float]:
    return browser.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, top: r.top, bottom: r.bottom};",
        css,
    )


def test_from_the_supervisor_desk_to_the_instance_diagram_beside_its_history(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="BM2").json["id"]
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    clock = app.extensions["clock"]
    clock.set(task.due_at + timedelta(days=1))  # the sales manager's review is now overdue
    log_in(browser, live_server, "sales_vp")  # a supervisor
    browser.get(f"{live_server}/supervision")
    wait_for(browser, f'tr.overdue[data-task-id="{task.id}"] a').click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.current_url.endswith(f"/instances/{instance_id}"))
    assert _import_state(browser, "#instance-diagram") == "ok"
    assert browser.find_elements(
        By.CSS_SELECTOR, '#instance-diagram .step-current[data-element-id="review_sales_manager"]'
    )
    assert not browser.find_elements(
        By.CSS_SELECTOR, '#instance-diagram .step-current[data-element-id="propose_limit"]'
    )
    assert browser.find_elements(By.CSS_SELECTOR, '#instance-diagram .step-done[data-element-id="assess_grade"]')
    history, diagram = _box(browser, "#history"), _box(browser, "#diagram")
    assert diagram["top"] == history["top"] and diagram["left"] > history["left"]  # side by side

    size = browser.get_window_size()
    browser.set_window_size(375, 812)
    try:
        history, diagram = _box(browser, "#history"), _box(browser, "#diagram")
        assert diagram["top"] >= history["bottom"] and diagram["left"] == history["left"]  # stacked on a phone
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_the_owner_restores_an_earlier_version_from_the_versions_list(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    deployed = owner.client.post(
        "/api/v1/process-models", data=with_extra_task(), content_type="application/xml", headers=owner.headers
    )
    assert deployed.json["version"] == 2
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/processes/credit_application")
    assert _import_state(browser, "#canvas") == "ok"
    assert not browser.find_elements(By.ID, "restore-form")  # the newest version has nothing to restore
    browser.find_element(By.LINK_TEXT, "v1").click()
    assert _import_state(browser, "#canvas") == "ok"
    assert not browser.execute_script("return !!window.approvalsModeler.get('elementRegistry').get('extra_check');")
    wait_for(browser, "#restore-form button").click()
    flash = wait_for(browser, ".flash.info")
    assert flash.text == "版本 1 已重新部署为版本 3"
    assert browser.find_element(By.CSS_SELECTOR, "h1 small").text == "版本 3"
    restored = browser.find_element(By.CSS_SELECTOR, '.version-changes[data-version="3"]')
    assert "由版本 1 恢复" in restored.text

    db.session.expire_all()
    newest = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.process_key == "credit_application", ProcessVersion.version == 3)
    ).one()
    first = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.process_key == "credit_application", ProcessVersion.version == 1)
    ).one()
    assert newest.bpmn_xml == first.bpmn_xml and "extra_check" not in newest.bpmn_xml


def test_a_decision_table_and_a_form_open_in_their_editors(browser: WebDriver, live_server: str) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/decisions/credit_policy.dmn")
    assert _import_state(browser, "#dmn-canvas") == "ok"
    browser.get(f"{live_server}/modeler/forms/credit_approval")
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "form-preview").get_attribute("data-state") == "ok"
    )
    assert browser.find_elements(
        By.CSS_SELECTOR, '#form-preview select[name="decision"], #form-preview [name="decision"]'
    )
    editor = browser.find_element(By.ID, "definition")
    editor.send_keys("}")
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "form-preview").get_attribute("data-state") == "error"
    )
    assert "不是有效的 JSON" in browser.find_element(By.ID, "preview-errors").text


def test_a_drawing_from_elsewhere_is_marked_executable_in_the_panel(browser: WebDriver, live_server: str) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/processes/credit_application")
    assert _import_state(browser, "#canvas") == "ok"
    browser.execute_script("document.getElementById('canvas').dataset.importState = 'loading';")
    browser.find_element(By.ID, "open-file").send_keys(str(MIWG_FILES[0]))
    assert _import_state(browser, "#canvas") == "ok"
    browser.find_element(By.ID, "check-button").click()
    _status(browser, "ok", "problems")
    assert "未标记为可执行" in browser.find_element(By.ID, "problems").text
    browser.execute_script("window.approvalsModeler.get('selection').select([]);")
    browser.execute_script("document.getElementById('modeler-status').dataset.state = '';")
    wait_for(browser, "#prop-fields:not([hidden]) #prop-executable").click()
    browser.find_element(By.ID, "check-button").click()
    _status(browser, "ok", "problems")
    assert "未标记为可执行" not in browser.find_element(By.ID, "problems").text
