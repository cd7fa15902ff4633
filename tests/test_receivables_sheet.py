"""Finance's monthly receivables sheet, uploaded on the credit files page: all rows or none."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook

from app.extensions import db
from app.models import AuditEvent, Customer, ReceivablesRecord

from .conftest import csrf_token, login

HEADER = ["客户编码", "客户名称", "应收余额", "逾期金额", "截至日期"]


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: FlaskClient, content: bytes, name: str = "应收账款.xlsx") -> Any:
    token = csrf_token(client.get("/customers").data)
    return client.post(
        "/customers/receivables",
        data={"file": (io.BytesIO(content), name), "csrf_token": token},
        content_type="multipart/form-data",
    )


def recorded() -> list[tuple[str, float, float, date]]:
    rows = db.session.execute(
        db.select(Customer.code, ReceivablesRecord.balance, ReceivablesRecord.overdue, ReceivablesRecord.as_of)
        .join(Customer, Customer.id == ReceivablesRecord.customer_id)
        .order_by(Customer.code)
    )
    return [(code, float(balance), float(overdue), as_of) for code, balance, overdue, as_of in rows]


def test_a_sheet_with_one_bad_row_changes_nothing_and_names_every_fault(app: Flask, client: FlaskClient) -> None:
    login(client, "credit_controller")
    content = xlsx(
        [
            ["XL1", "华东贸易", 12000, 0, date(2026, 10, 31)],
            ["XL 2!", "坏编码", -5, "很多", date(2026, 12, 31)],  # every column wrong
            ["XL3", "华南商行", "=B2*2", 0, date(2026, 10, 31)],  # a formula is never evaluated
        ]
    )
    answer = upload(client, content)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    for fault in ("第 3 行", "客户编码 列", "余额 列", "逾期金额 列", "截至日期 列", "第 4 行", "不接受公式"):
        assert fault in page, fault
    assert "第 2 行" not in page
    assert recorded() == [] and db.session.scalar(db.select(db.func.count(Customer.id))) == 0


def test_a_good_sheet_records_every_row_audited_and_updates_the_files(app: Flask, client: FlaskClient) -> None:
    login(client, "finance_director")
    content = xlsx(
        [
            ["XL1", "华东贸易", 12000, 2000, date(2026, 10, 31)],
            ["XL2", "华南商行", "0", "0", "2026-10-31"],
        ]
    )
    answer = upload(client, content)
    assert answer.status_code == 302
    assert recorded() == [("XL1", 12000.0, 2000.0, date(2026, 10, 31)), ("XL2", 0.0, 0.0, date(2026, 10, 31))]
    xl1 = db.session.scalars(db.select(Customer).where(Customer.code == "XL1")).one()
    assert (xl1.name, float(xl1.receivables_balance), xl1.receivables_as_of) == (
        "华东贸易",
        12000.0,
        date(2026, 10, 31),
    )
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "record_receivables")).all()
    assert sorted(e.subject for e in events) == ["customer:XL1", "customer:XL2"]
    assert {e.actor.username for e in events} == {"finance_director"}
    assert {e.details["source"] for e in events} == {"sheet"}


def test_a_csv_sheet_works_too_and_only_finance_may_upload(app: Flask, client: FlaskClient) -> None:
    csv = "客户编码,客户名称,应收余额,逾期金额,截至日期\nCS1,华北商贸,500.50,0,2026-11-01\n".encode()
    login(client, "salesperson")
    assert upload(client, csv, "sheet.csv").status_code == 403
    login(other := app.test_client(), "credit_controller")
    assert upload(other, csv, "sheet.csv").status_code == 302
    assert recorded() == [("CS1", 500.5, 0.0, date(2026, 11, 1))]
    assert upload(other, b"\x00\x01 not a sheet", "x.xlsx").status_code == 422
