"""The review page of a proposed change: the differences drawn on both diagrams, then the approval."""

from __future__ import annotations

from flask import Flask
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from app.extensions import db
from app.models import DeploymentProposal
from app.services.modeling.specs import latest_version

from ..test_deploy_approval import KEY, propose_claim_change
from .conftest import WAIT_SECONDS, log_in, wait_for


def test_the_reviewer_sees_the_change_on_the_diagrams_and_approves_it(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    app.config["DEPLOY_APPROVAL"] = True
    proposal_id = propose_claim_change(app)
    log_in(browser, live_server, "process_owner2")
    browser.get(f"{live_server}/modeler/proposals/{proposal_id}")
    wait_for(browser, '.diff-canvas[data-side="new"][data-import-state="ok"]')
    wait_for(browser, '.diff-canvas[data-side="old"][data-import-state="ok"]')
    new = browser.find_element(By.CSS_SELECTOR, '.diff-canvas[data-side="new"]')
    old = browser.find_element(By.CSS_SELECTOR, '.diff-canvas[data-side="old"]')
    assert {"recheck", "approve"} <= set(new.get_attribute("data-marked").split())
    assert "notice" in old.get_attribute("data-marked").split()
    # Drawn on the diagram: the marker classes and a label beside each element.
    assert new.find_elements(By.CSS_SELECTOR, '.djs-element.diff-added[data-element-id="recheck"]')
    assert new.find_elements(By.CSS_SELECTOR, '.djs-element.diff-changed[data-element-id="approve"]')
    assert old.find_elements(By.CSS_SELECTOR, '.djs-element.diff-removed[data-element-id="notice"]')
    assert new.find_elements(By.CSS_SELECTOR, ".diff-badge-added")
    assert browser.find_elements(By.CSS_SELECTOR, '.table-diff tr[data-kind="changed"]')

    browser.find_element(By.NAME, "comment").send_keys("门槛调整合理")
    browser.find_element(By.ID, "approve-button").click()
    # The button posts the form: the state may be read from the page it replaces.
    WebDriverWait(
        browser, WAIT_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(lambda d: d.find_element(By.ID, "proposal-state").get_attribute("data-state") == "approved")
    db.session.expire_all()
    assert db.session.get(DeploymentProposal, proposal_id).decided_by.username == "process_owner2"
    assert latest_version(KEY).version == 2
