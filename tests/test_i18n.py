"""Both interface languages: every string has its Chinese, pages follow the reader's choice,
dates and amounts are written the reader's way, and the API answers in the caller's language."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.i18n import format_cny, format_date_local, format_datetime_local, format_number_local
from app.models import HumanTask, User

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> dict[str, list[str]]:
    """Every msgid in app/ (Python and templates, as babel.cfg maps them) -> where it is used."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _chinese_catalog() -> dict[str, str]:
    merged: dict[str, str] = {}
    for po_path in sorted((ROOT / "app").glob("**/translations/zh_Hans_CN/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            for message in read_po(po_file, locale="zh_Hans_CN"):
                if message.id and message.string and not message.fuzzy:
                    merged.setdefault(str(message.id), str(message.string))
    return merged


def test_the_extraction_sees_python_and_templates() -> None:
    # Guards the completeness test below: an extraction that finds nothing would pass it.
    where = {loc.split(":")[0] for locs in _source_messages().values() for loc in locs}
    assert "app/auth/routes.py" in where
    assert "app/templates/base.html" in where
    assert "app/services/desk/tasks.py" in where


def test_every_translatable_string_has_a_chinese_translation() -> None:
    catalog = _chinese_catalog()
    missing = {msgid: locs for msgid, locs in _source_messages().items() if msgid not in catalog}
    report = "\n".join(f"  {msgid!r} at {', '.join(locs[:3])}" for msgid, locs in sorted(missing.items()))
    assert not missing, f"add these to the area's zh_Hans_CN messages.po:\n{report}"


def test_translations_keep_every_placeholder() -> None:
    broken = [
        (msgid, text)
        for msgid, text in _chinese_catalog().items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert not broken


def test_a_new_user_reads_chinese_and_switches_to_english_on_the_profile(client: FlaskClient) -> None:
    login(client, "sales_manager")
    page = client.get("/account").data.decode()
    assert '<html lang="zh-CN">' in page and "我的账户" in page and "营销部经理" in page
    assert 'href="/account/password"' in page

    refused = client.post("/account", data={"locale": "fr", "csrf_token": csrf_token(page.encode())})
    assert refused.status_code == 422
    assert db.session.scalars(db.select(User.locale).where(User.username == "sales_manager")).one() == "zh_CN"

    saved = client.post("/account", data={"locale": "en", "csrf_token": csrf_token(page.encode())})
    assert saved.status_code == 302
    page = client.get("/account").data.decode()
    assert '<html lang="en">' in page and "My account" in page and "Sales manager" in page
    assert "Language saved" in page and "我的账户" not in page
    assert db.session.scalars(db.select(User.locale).where(User.username == "sales_manager")).one() == "en"
    # The choice belongs to the account: it follows the user to a new session.
    client.post("/logout", data={"csrf_token": csrf_token(page.encode())})
    client.delete_cookie("locale")
    login(client, "sales_manager")
    assert "Supervisor desk" in client.get("/supervision").data.decode()


def test_process_names_follow_the_reader(client: FlaskClient) -> None:
    login(client, "salesperson")
    assert "授信申请" in client.get("/processes").data.decode()
    _read_in(client, "en", "salesperson")
    page = client.get("/processes").data.decode()
    assert "Customer credit application" in page and "授信申请" not in page
    assert "<h1>Customer credit application</h1>" in client.get("/processes/credit_application/start").data.decode()


def test_the_account_page_needs_the_csrf_token(client: FlaskClient) -> None:
    login(client, "salesperson")
    assert client.post("/account", data={"locale": "en"}).status_code in (400, 422)
    assert db.session.scalars(db.select(User.locale).where(User.username == "salesperson")).one() == "zh_CN"


def test_the_login_page_switch_sets_a_cookie(client: FlaskClient) -> None:
    page = client.get("/login").data.decode()
    assert "登录" in page and 'value="en"' in page
    response = client.post("/language", data={"locale": "en", "csrf_token": csrf_token(page.encode())})
    assert response.status_code == 302
    assert "locale=en" in response.headers["Set-Cookie"]
    page = client.get("/login").data.decode()
    assert "Log in" in page and "登录" not in page
    wrong = client.post("/login", data={"username": "nobody", "password": "x", "csrf_token": csrf_token(page.encode())})
    assert "Wrong user name or password" in wrong.data.decode()


def _pending_task(app: Flask) -> int:
    sales = ApiUser(app.test_client(), "salesperson", "correct-horse-42")
    assert sales.start_credit(customer_code="L100").status_code == 201
    return db.session.scalars(db.select(HumanTask.id).where(HumanTask.status == "open")).one()


def _read_in(client: FlaskClient, locale: str, username: str = "sales_manager") -> None:
    db.session.execute(db.update(User).where(User.username == username).values(locale=locale))
    db.session.commit()


def test_task_names_form_labels_and_errors_in_the_readers_language(app: Flask, client: FlaskClient) -> None:
    task_id = _pending_task(app)
    task = db.session.get(HumanTask, task_id)
    assert (task.name, task.name_en) == ("营销部经理审批", "Sales manager approval")
    assert task.title_en.startswith("Sales manager approval")
    login(client, "sales_manager")
    page = client.get(f"/tasks/{task_id}").data.decode()
    assert "营销部经理审批" in page and "审批结论" in page and "授信审批" in page
    refused = client.post(f"/tasks/{task_id}", data={"decision": "", "csrf_token": csrf_token(page.encode())})
    assert refused.status_code == 422 and "此项必填" in refused.data.decode()

    _read_in(client, "en")
    page = client.get(f"/tasks/{task_id}").data.decode()
    assert "Sales manager approval" in page and "Decision" in page and "Credit approval" in page
    assert "营销部经理审批" not in page
    refused = client.post(f"/tasks/{task_id}", data={"decision": "", "csrf_token": csrf_token(page.encode())})
    assert refused.status_code == 422 and "This field is required." in refused.data.decode()
    instance_page = client.get(f"/instances/{task.instance_id}").data.decode()
    assert "Sales manager approval — open" in instance_page


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh_CN", ("2026年11月23日 09:05", "2026年11月23日", "1,234,567.5", "¥1,234.50", "-¥5.00")),
        ("en", ("23 Nov 2026, 09:05", "23 Nov 2026", "1,234,567.5", "CN¥1,234.50", "-CN¥5.00")),
    ],
)
def test_dates_numbers_and_yuan_per_locale(app: Flask, locale: str, expected: tuple[str, ...]) -> None:
    with app.test_request_context("/", headers={"Cookie": f"locale={locale}"}):
        got = (
            format_datetime_local(datetime(2026, 11, 23, 1, 5, tzinfo=UTC)),  # 09:05 in Shanghai
            format_date_local(date(2026, 11, 23)),
            format_number_local(1234567.5),
            format_cny(Decimal("1234.5")),
            format_cny(-5),
        )
    assert got == expected


@pytest.mark.parametrize(
    ("locale", "requested", "shipment", "plain"),
    [("zh_CN", "¥90,000.00", "¥100,000.00", "24"), ("en", "CN¥90,000.00", "CN¥100,000.00", "24")],
)
def test_amounts_on_task_and_instance_pages_are_yuan_in_the_readers_format(
    app: Flask, client: FlaskClient, locale: str, requested: str, shipment: str, plain: str
) -> None:
    sales = ApiUser(client, "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="MY1").json["id"]
    task_id = db.session.scalars(db.select(HumanTask.id).where(HumanTask.instance_id == instance_id)).one()
    manager = db.session.scalars(db.select(User).where(User.username == "sales_manager")).one()
    manager.locale = locale
    db.session.commit()
    browser = app.test_client()
    login(browser, "sales_manager")
    for url in (f"/tasks/{task_id}", f"/instances/{instance_id}"):
        facts = browser.get(url).get_data(as_text=True).split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]
        cells = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", facts))
        requested_label = "申请额度(元)" if locale == "zh_CN" else "Requested limit (CNY)"
        months_label = "合作月数" if locale == "zh_CN" else "Months of cooperation"
        assert cells[requested_label] == requested, url
        assert shipment in cells.values(), url
        assert cells[months_label] == plain, url  # a count, not money
        limit_cap = "额度上限" if locale == "zh_CN" else "Limit cap"
        if limit_cap in cells:
            assert cells[limit_cap].startswith(requested.split("9")[0]), url


def test_templates_use_the_filters(app: Flask) -> None:
    template = "{{ when|datetime }} | {{ amount|cny }} | {{ none|cny }} | {{ rate|percent }} | {{ n|number(1) }}"
    values = {"when": datetime(2026, 1, 2, 16, 0, tzinfo=UTC), "amount": 50000, "none": None, "rate": 0.5, "n": 9}
    with app.test_request_context("/", headers={"Cookie": "locale=en"}):
        english = app.jinja_env.from_string(template).render(**values)
    with app.test_request_context("/"):
        chinese = app.jinja_env.from_string(template).render(**values)
    assert english == "3 Jan 2026, 00:00 | CN¥50,000.00 | — | 50.0% | 9.0"
    assert chinese == "2026年1月3日 00:00 | ¥50,000.00 | — | 50.0% | 9.0"


def test_api_errors_follow_accept_language_then_the_users_setting(app: Flask, client: FlaskClient) -> None:
    api = ApiUser(client, "sales_manager", "correct-horse-42")
    url = "/api/v1/tasks/999999/claim"
    english = client.post(url, headers={**api.headers, "Accept-Language": "en-GB,en;q=0.8"})
    chinese = client.post(url, headers={**api.headers, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert (english.status_code, english.json["error"]) == (404, "task 999999 does not exist")
    assert (chinese.status_code, chinese.json["error"]) == (404, "任务 999999 不存在")
    assert api.post(url).json["error"] == "任务 999999 不存在"  # no header: the user's own choice
    _read_in(client, "en")
    assert api.post(url).json["error"] == "task 999999 does not exist"
    invalid = client.post(
        "/api/v1/processes/credit_application/instances",
        json={"data": {"customer_code": ""}},
        headers={**api.headers, "Accept-Language": "en"},
    )
    assert invalid.status_code in (403, 422)
    anonymous = client.get("/api/v1/tasks", headers={"Accept-Language": "en"})
    assert anonymous.json["error"].startswith("authentication required")
    assert client.get("/api/v1/tasks").json["error"].startswith("需要身份验证")


def test_form_validation_through_the_api_speaks_the_callers_language(app: Flask, client: FlaskClient) -> None:
    sales = ApiUser(client, "salesperson", "correct-horse-42")
    url = "/api/v1/processes/credit_application/instances"
    body = {"data": {"customer_code": "X1", "months_of_cooperation": "many"}}
    english = client.post(url, json=body, headers={**sales.headers, "Accept-Language": "en"})
    chinese = client.post(url, json=body, headers={**sales.headers, "Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 422
    assert english.json["errors"]["months_of_cooperation"] == ["Not a valid whole number."]
    assert chinese.json["errors"]["months_of_cooperation"] == ["请输入整数"]
    assert english.json["error"].startswith("invalid input") and chinese.json["error"].startswith("输入有误")


# Messages of these errors reach a reader (a page's flash, an API answer); ProcessFailed and the engine's
# errors stay English on purpose, as they are kept as incident text.
READER_ERRORS = {"DomainError", "NotFound", "Forbidden", "Conflict"}


def _is_plain_text(node: ast.expr) -> bool:
    """A literal the extraction cannot see: "..." or f"...", also glued together or %-formatted."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_plain_text(node.left) or _is_plain_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_plain_text(node.func.value)
    return False


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _plain_items(value: ast.expr) -> list[ast.expr]:
    if not isinstance(value, ast.List | ast.Tuple):
        return []
    return [item for item in value.elts if _is_plain_text(item)]


def _is_errors_dict(node: ast.expr) -> bool:
    # errors[name] = [...] and errors.setdefault(name, []).append(...): the field messages built up one by one
    while isinstance(node, ast.Subscript | ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return isinstance(node, ast.Name) and node.id.endswith("errors")


def untranslated_errors(source: str, filename: str) -> list[str]:
    """Where an error meant for a reader is built from plain English instead of a lazy translation."""
    found: list[ast.expr] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Subscript) and _is_errors_dict(target) for target in node.targets
        ):
            found += _plain_items(node.value)
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        if name in READER_ERRORS:
            found += [arg for arg in node.args if _is_plain_text(arg)]
        elif name == "ValidationFailed" and node.args and isinstance(node.args[0], ast.Dict):
            found += [item for value in node.args[0].values for item in _plain_items(value)]
        elif name == "append" and _is_errors_dict(node.func):
            found += [arg for arg in node.args if _is_plain_text(arg)]
    return [f"{filename}:{arg.lineno} {ast.unparse(arg)}" for arg in sorted(found, key=lambda arg: arg.lineno)]


def test_the_untranslated_error_check_finds_plain_messages() -> None:
    # Guards the test below: a check that recognises nothing would pass it.
    source = (
        'raise NotFound(f"task {task_id} does not exist")\n'
        'raise errors.Conflict("already handled") from err\n'
        'raise ValidationFailed({"name": ["a name is required"], "key": [_l("too long")]})\n'
        'raise Forbidden("not yours: %s" % who)\n'
        'raise Forbidden(_l("only the holder may do this"))\n'
        'raise ValidationFailed({"name": [_l("a name is required")]})\n'
        'raise ProcessFailed(f"the process could not continue: {err}")\n'
        'errors["limit"] = [f"must be at most {n}"]\n'
        'errors.setdefault("ends_at", []).append("must be in the future")\n'
        'errors["ends_at"] = [_l("must be after the start")]\n'
    )
    found = untranslated_errors(source, "x.py")
    assert [line.split(" ")[0] for line in found] == ["x.py:1", "x.py:2", "x.py:3", "x.py:4", "x.py:8", "x.py:9"]


def test_service_and_api_errors_are_translated() -> None:
    files = sorted([*(ROOT / "app" / "services").glob("**/*.py"), *(ROOT / "app" / "api").glob("*.py")])
    assert any(path.name == "tasks.py" for path in files)
    found = [
        line
        for path in files
        for line in untranslated_errors(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, "wrap these in _l(...) and add their Chinese:\n  " + "\n  ".join(found)


def test_inbox_and_model_errors_through_the_api_speak_the_callers_language(client: FlaskClient) -> None:
    api = ApiUser(client, "sales_manager", "correct-horse-42")
    english = {**api.headers, "Accept-Language": "en"}
    gone = client.delete("/api/v1/saved-filters/999999", headers=api.headers)
    assert (gone.status_code, gone.json["error"]) == (404, "已保存的筛选 999999 不存在")
    gone = client.delete("/api/v1/saved-filters/999999", headers=english)
    assert (gone.status_code, gone.json["error"]) == (404, "saved filter 999999 does not exist")
    unnamed = api.post("/api/v1/saved-filters", {"name": " ", "params": {}})
    assert (unnamed.status_code, unnamed.json["errors"]) == (422, {"name": ["请填写名称"]})
    unnamed = client.post("/api/v1/saved-filters", json={"name": " ", "params": {}}, headers=english)
    assert unnamed.json["errors"] == {"name": ["a name is required"]}
    refused = client.get("/api/v1/process-models", headers=api.headers)
    assert (refused.status_code, refused.json["error"]) == (403, "只有流程负责人可以管理流程模型")
    refused = client.get("/api/v1/process-models", headers=english)
    assert refused.json["error"] == "only a process owner may manage process models"
