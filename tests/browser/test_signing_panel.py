"""会签 set in the modeler's properties panel, in a real browser: the diagram gets the rule and its
multi-instance loop, the check accepts it, and a started instance asks every signer."""

from __future__ import annotations

from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from app.extensions import db
from app.models import HumanTask, ProcessVersion

from ..conftest import PASSWORD
from ..support import ApiUser
from .conftest import log_in, wait_for
from .test_modeler import ADD_TASK, _import_state, _status


def test_the_owner_sets_co_signing_in_the_panel_and_every_signer_is_asked(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler")
    browser.find_element(By.LINK_TEXT, "credit_application").click()
    assert _import_state(browser, "#canvas") == "ok"
    browser.execute_script(ADD_TASK)
    wait_for(browser, "#prop-fields:not([hidden])")
    Select(browser.find_element(By.ID, "prop-signing")).select_by_value("share")
    wait_for(browser, "#prop-signing-details:not([hidden])")
    browser.find_element(By.ID, "prop-signers-users").send_keys("sales_manager,finance_director,general_manager\t")
    browser.find_element(By.ID, "prop-sign-share").send_keys("2\t")
    browser.find_element(By.ID, "prop-reject-ends").click()
    browser.find_element(By.ID, "check-button").click()
    assert _status(browser, "ok", "problems", "error") == "ok", browser.find_element(By.ID, "problems").text
    assert "至少 2 人同意" in browser.find_element(By.TAG_NAME, "main").text  # the check's plain words
    browser.find_element(By.ID, "deploy-button").click()
    assert _status(browser, "deployed", "problems", "error") == "deployed", browser.find_element(By.ID, "problems").text

    db.session.expire_all()
    newest = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.version == 2, ProcessVersion.process_key == "credit_application")
    ).one()
    assert 'name="signing" value="share"' in newest.bpmn_xml
    assert "nrOfApproved &gt;= 2 or nrOfRejected &gt; 0" in newest.bpmn_xml
    assert 'camunda:collection="signers"' in newest.bpmn_xml
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="SIGN1").json["id"]
    rows = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id)).all()
    assert sorted(t.assignee.username for t in rows) == ["finance_director", "general_manager", "sales_manager"]
    assert {(t.bpmn_id, t.sign_kind, t.form_key) for t in rows} == {("extra_review", "share", "default_approval")}
