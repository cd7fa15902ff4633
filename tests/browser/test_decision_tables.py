"""The decision-table editor in a real browser: a failed check marks the cell, its rule and its column."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import WAIT_SECONDS, log_in, wait_for

RED = "rgb(211, 47, 47)"

EDIT_CELL = """
const viewer = window.approvalsDecisionModeler.getActiveViewer();
const cell = viewer.get('elementRegistry').get(arguments[0]);
viewer.get('modeling').editCell(cell.businessObject, arguments[1]);
"""

# Written straight into the model: saving reads it from there, whatever the header editor shows.
EDIT_EXPRESSION = """
const viewer = window.approvalsDecisionModeler.getActiveViewer();
viewer.get('elementRegistry').get(arguments[0]).businessObject.inputExpression.text = arguments[1];
"""

STYLE_OF = """
const node = document.querySelector(arguments[0]);
const style = getComputedStyle(node);
return {outline: style.outlineColor + ' ' + style.outlineStyle, shadow: style.boxShadow};
"""


def _checked(browser: WebDriver) -> str:
    browser.execute_script("document.getElementById('modeler-status').dataset.state = '';")
    browser.find_element(By.ID, "check-button").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "modeler-status").get_attribute("data-state") in ("ok", "problems", "error")
    )
    return browser.find_element(By.ID, "modeler-status").get_attribute("data-state")


def test_a_failed_check_marks_the_offending_cell_rule_and_column(browser: WebDriver, live_server: str) -> None:
    log_in(browser, live_server, "process_owner")
    browser.get(f"{live_server}/modeler/decisions/credit_policy.dmn")
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "dmn-canvas").get_attribute("data-import-state") in ("ok", "error")
    )
    wait_for(browser, '#dmn-canvas td[data-element-id="r1_o2"]')
    browser.execute_script(EDIT_CELL, "r1_o2", "__class__")
    assert _checked(browser) == "problems"

    assert browser.find_element(By.CSS_SELECTOR, '#problems li[data-element-id="r1_o2"]')
    canvas = browser.find_element(By.ID, "dmn-canvas")
    assert canvas.get_attribute("data-problem-cells") == "r1_o2"
    cell = browser.find_element(By.CSS_SELECTOR, '#dmn-canvas td[data-element-id="r1_o2"]')
    row, col = cell.get_attribute("data-row-id"), cell.get_attribute("data-col-id")
    assert canvas.get_attribute("data-problem-rows") == row
    assert canvas.get_attribute("data-problem-cols") == col
    assert browser.execute_script(STYLE_OF, '#dmn-canvas td[data-element-id="r1_o2"]')["outline"] == f"{RED} solid"
    assert RED in browser.execute_script(STYLE_OF, f'#dmn-canvas th[data-col-id="{col}"]')["shadow"]
    assert browser.execute_script(STYLE_OF, '#dmn-canvas td[data-element-id="r0_o2"]')["outline"] != f"{RED} solid"

    # Fixed, the marks go.
    browser.execute_script(EDIT_CELL, "r1_o2", "0")
    assert _checked(browser) == "ok"
    assert canvas.get_attribute("data-problem-cells") == ""
    assert browser.execute_script(STYLE_OF, '#dmn-canvas td[data-element-id="r1_o2"]')["outline"] != f"{RED} solid"

    # An input's expression has no cell of its own: its column's header is marked.
    browser.execute_script(EDIT_EXPRESSION, "in_credit_policy_0", "__class__")
    assert _checked(browser) == "problems"
    assert browser.find_element(By.CSS_SELECTOR, '#problems li[data-element-id="in_expr_credit_policy_0"]')
    assert canvas.get_attribute("data-problem-cols") == "in_credit_policy_0"
    assert RED in browser.execute_script(STYLE_OF, '#dmn-canvas th[data-col-id="in_credit_policy_0"]')["shadow"]
