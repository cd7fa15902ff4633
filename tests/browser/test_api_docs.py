"""The API's interactive reference in a real browser: it renders from the app's own files only."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from .conftest import wait_for


def test_the_api_reference_lists_the_operations_without_fetching_anything_from_elsewhere(
    browser: WebDriver, live_server: str
) -> None:
    browser.get(f"{live_server}/api/v1/docs")
    wait_for(browser, ".opblock")
    paths = {e.get_attribute("data-path") for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/tasks/{task_id}/claim", "/customers/{code}", "/auth/token"} <= paths
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert fetched and all(url.startswith(live_server) for url in fetched), fetched
    # Blocked scripts or styles (the security policy allows no inline script) would show here.
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    assert errors == []
