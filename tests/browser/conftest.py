"""Browser tests: the app served on a loopback port, driven by a real headless Chromium.

A test that fails (in its body or while its fixtures are set up) leaves a screenshot and the page's
HTML in test-artifacts/browser-<database>/ for CI to keep (see artifacts.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from ..conftest import PASSWORD
from .artifacts import (  # noqa: F401 - hooks, registered by being named here
    pytest_collection_modifyitems,
    pytest_runtest_makereport,
    pytest_terminal_summary,
    remember,
)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 20


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="session")
def _driver(pytestconfig: pytest.Config) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT_SECONDS)
    remember(pytestconfig, driver)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(_driver: WebDriver, live_server: str) -> Iterator[WebDriver]:
    # Cookies ignore the port, so a session from an earlier test's server would follow us here.
    _driver.get(f"{live_server}/healthz")
    _driver.delete_all_cookies()
    yield _driver
    _driver.delete_all_cookies()


def wait_for(driver: WebDriver, css: str, timeout: float = WAIT_SECONDS):  # noqa: ANN201 - a WebElement
    return WebDriverWait(driver, timeout).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def log_in(driver: WebDriver, base_url: str, username: str, password: str = PASSWORD) -> None:
    driver.get(f"{base_url}/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: "/login" not in d.current_url)
