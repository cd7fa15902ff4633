"""The customer file's receivables chart, drawn by ECharts in a real browser from the app's own files."""

from __future__ import annotations

from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from ..test_customer_file import _files
from .conftest import log_in, wait_for


def test_the_receivables_chart_draws_balance_overdue_and_the_limit(
    app: Flask, browser: WebDriver, live_server: str
) -> None:
    _files(app)
    log_in(browser, live_server, "general_manager")
    browser.get(f"{live_server}/customers/GA1")
    wait_for(browser, "#receivables-chart[data-rendered='1'] svg")
    chart = browser.find_element(By.ID, "receivables-chart")
    assert chart.size["height"] > 100 and chart.size["width"] > 200
    drawn = chart.find_elements(By.CSS_SELECTOR, "svg path")
    assert len(drawn) >= 3  # the balance, the overdue and the dashed limit at least
    legend = chart.get_attribute("innerHTML")
    assert "余额" in legend and "逾期" in legend  # the series named in the reader's language
