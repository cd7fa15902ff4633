"""Every list exports to Excel with the filters it shows; the workbook reads back with openpyxl."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from .conftest import PASSWORD, login
from .support import ApiUser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(client: FlaskClient, url: str) -> list[list[Any]]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == XLSX, url
    book = load_workbook(io.BytesIO(response.data))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_inbox_exports_what_its_filters_show(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales.start_credit(customer_code="XL1", customer_name="华东贸易")
    sales.start_credit(customer_code="XL2", customer_name='=HYPERLINK("http://x")')
    browser = app.test_client()
    login(browser, "sales_manager")
    rows = _sheet(browser, "/tasks.xlsx?tab=all")
    assert rows[0][:2] == ["编号", "任务"] and {r[0] for r in rows[1:]} == {"XL1", "XL2"}
    # What people typed stays text: a formula is never run by opening the file.
    assert '=HYPERLINK("http://x")' in [r[3] for r in rows[1:]]
    filtered = _sheet(browser, "/tasks.xlsx?tab=all&q=xl1")
    assert [r[0] for r in filtered[1:]] == ["XL1"]
    assert browser.get("/tasks.xlsx?sort=nonsense").status_code == 422


def test_my_lists_credit_files_complaints_and_the_desk_export(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales.start_credit(customer_code="XL3")
    sales.start_credit(customer_code="XL4", bad_record_24m=True)  # rejected at once: a credit file exists
    browser = app.test_client()
    login(browser, "salesperson")
    started = _sheet(browser, "/my/started.xlsx")
    assert sorted(r[0] for r in started[1:]) == ["XL3", "XL4"]
    running = _sheet(browser, "/my/started.xlsx?status=running")
    assert [r[0] for r in running[1:]] == ["XL3"] and "营销部经理" in running[1][4]
    assert browser.get("/my/started.xlsx?status=bogus").status_code == 422
    files = _sheet(browser, "/customers.xlsx")
    assert [r[0] for r in files[1:]] == ["XL4"]
    boss = app.test_client()
    login(boss, "general_manager")
    assert _sheet(boss, "/complaints.xlsx")[0][0] == "编号"
    desk = _sheet(boss, "/supervision.xlsx?process=credit_application")
    assert desk[0][0] == "任务"
    outsider = app.test_client()
    login(outsider, "salesperson")
    mine_only = _sheet(outsider, "/complaints.xlsx")  # a salesperson sees no case they did not work on
    assert mine_only[0][0] == "编号" and mine_only[1:] == []
