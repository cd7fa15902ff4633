"""Setting up people from an Excel sheet, and the administration pages the administrator works in."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.models import User

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser

HEADER = ["username", "display_name", "display_name_en", "email", "department", "supervisor", "roles"]


def _sheet(*rows: list[Any]) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(admin: ApiUser, data: bytes, dry_run: bool = False) -> Any:
    return admin.client.post(
        "/api/v1/admin/import" + ("?dry_run=1" if dry_run else ""),
        data={"file": (io.BytesIO(data), "people.xlsx")},
        headers=admin.headers,
    )


def _names() -> set[str]:
    return set(db.session.scalars(db.select(User.username)))


GOOD = [
    # The first names a supervisor who only appears further down the sheet.
    ["wang.wu", "王五", "Wang Wu", "wang.wu@example.com", "sales", "zhao.liu", "salesperson"],
    ["zhao.liu", "赵六", "Zhao Liu", "zhao.liu@example.com", "sales", "sales_vp", "sales_manager, salesperson"],
]


def test_a_preview_saves_nothing_and_the_import_creates_everyone(app: Flask) -> None:
    admin = ApiUser(app.test_client(), "admin", PASSWORD)
    before = _names()
    preview = _upload(admin, _sheet(*GOOD), dry_run=True)
    assert preview.status_code == 200, preview.json
    assert [p["username"] for p in preview.json["people"]] == ["wang.wu", "zhao.liu"]
    assert _names() == before
    applied = _upload(admin, _sheet(*GOOD))
    assert applied.status_code == 201
    db.session.expire_all()
    wang = db.session.scalars(db.select(User).where(User.username == "wang.wu")).one()
    assert wang.supervisor.username == "zhao.liu" and wang.supervisor.supervisor.username == "sales_vp"
    assert wang.role_keys == {"salesperson"} and wang.must_change_password
    zhao = db.session.scalars(db.select(User).where(User.username == "zhao.liu")).one()
    assert zhao.role_keys == {"sales_manager", "salesperson"} and zhao.display_name_en == "Zhao Liu"


def test_every_bad_row_and_column_is_named_and_nobody_is_created(app: Flask) -> None:
    admin = ApiUser(app.test_client(), "admin", PASSWORD)
    before = _names()
    sheet = _sheet(
        GOOD[0],
        ["bad name!", "坏", "", "x@example.com", "sales", "", "salesperson"],
        ["qian.qi", "钱七", "", "not-mail", "atlantis", "", "wizard"],
        ["wang.wu", "王五二", "", "", "", "", ""],
        GOOD[1],
    )
    answer = _upload(admin, sheet)
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {
        "row 3: username",
        "row 4: email",
        "row 4: department",
        "row 4: roles",
        "row 5: username",
    }
    assert _names() == before


def test_a_loop_inside_the_sheet_is_refused(app: Flask) -> None:
    admin = ApiUser(app.test_client(), "admin", PASSWORD)
    loop = _sheet(
        ["a.one", "甲", "", "", "", "b.two", "salesperson"], ["b.two", "乙", "", "", "", "a.one", "salesperson"]
    )
    answer = _upload(admin, loop)
    assert answer.status_code == 422 and list(answer.json["errors"]) == ["row 3: supervisor"]
    assert "a.one" not in _names()


def test_what_is_not_a_workbook_is_refused(app: Flask) -> None:
    admin = ApiUser(app.test_client(), "admin", PASSWORD)
    assert _upload(admin, b"PK\x03\x04 not really a zip").json["errors"] == {"file": ["不是 Excel 工作簿（.xlsx）"]}
    book = Workbook()
    book.active.append(["username", "display_name"])
    out = io.BytesIO()
    book.save(out)
    assert "header" in _upload(admin, out.getvalue()).json["errors"]


def _admin_browser(app: Flask) -> FlaskClient:
    browser = app.test_client()
    login(browser, "admin")
    return browser


def test_the_template_downloads_and_the_import_page_previews(app: Flask) -> None:
    browser = _admin_browser(app)
    template = browser.get("/admin/import/template.xlsx")
    assert list(load_workbook(io.BytesIO(template.data)).active.iter_rows(values_only=True))[0] == tuple(HEADER)
    token = csrf_token(browser.get("/admin/import").data)
    page = browser.post("/admin/import", data={"csrf_token": token, "file": (io.BytesIO(_sheet(*GOOD)), "people.xlsx")})
    assert page.status_code == 200 and "预览：尚未保存" in page.data.decode() and "wang.wu" not in _names()


def test_the_administrator_creates_and_edits_people_in_the_browser(app: Flask) -> None:
    browser = _admin_browser(app)
    token = csrf_token(browser.get("/admin/people").data)
    form = {"csrf_token": token, "username": "sun.ba", "display_name": "孙八", "email": "bad", "roles": ["salesperson"]}
    refused = browser.post("/admin/people", data=form)
    assert refused.status_code == 422 and 'data-field="email"' in refused.data.decode()
    created = browser.post("/admin/people", data={**form, "email": "sun.ba@example.com", "supervisor": "sales_manager"})
    assert created.status_code == 302
    looped = browser.post(
        "/admin/people/sales_manager",
        data={
            "csrf_token": token,
            "display_name": "营销部经理",
            "supervisor": "sun.ba",
            "roles": ["sales_manager"],
            "locale": "zh_CN",
            "active": "on",
        },
    )
    assert looped.status_code == 422 and "循环" in looped.data.decode()
    listed = browser.get("/admin/people?q=sun").data.decode()
    assert "孙八" in listed and "营销部经理" in listed


def test_the_org_chart_finds_people_by_pinyin(app: Flask) -> None:
    admin = ApiUser(app.test_client(), "admin", PASSWORD)
    admin.post(
        "/api/v1/admin/users",
        {"username": "zs", "display_name": "张三", "supervisor": "sales_manager", "roles": ["salesperson"]},
    )
    page = _admin_browser(app).get("/admin/departments?q=zhangsan").data.decode()
    assert 'class="person found" data-user="zs"' in page and "营销部" in page
    assert 'class="person found" data-user="zs"' in _admin_browser(app).get("/admin/departments?q=zs").data.decode()
