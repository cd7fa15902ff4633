"""The approval record (审批单) prints as a PDF in Chinese with every opinion, the files and the company,
and printing it is audited like any read."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent

from .conftest import PASSWORD, login
from .support import ApiUser

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by .ci/test")

OPINIONS = {
    "sales_manager": "同意，客户回款稳定",
    "finance_director": "应收账款正常，同意",
    "general_manager": "同意授信",
}


def _approved_instance(app: Flask) -> int:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="PR1").json["id"]
    sales.client.post(
        f"/api/v1/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4 licence"), "营业执照.pdf")},
        headers=sales.headers,
    )
    for username, opinion in OPINIONS.items():
        approver = ApiUser(app.test_client(), username, PASSWORD)
        task_id = approver.only_task()["id"]
        approver.post(f"/api/v1/tasks/{task_id}/claim")
        assert approver.decide(task_id, "approve", opinion).status_code == 200, username
    return instance_id


def test_the_record_prints_every_opinion_in_chinese_with_the_files_and_company(app: Flask, tmp_path: Path) -> None:
    instance_id = _approved_instance(app)
    browser = app.test_client()
    login(browser, "salesperson")
    response = browser.get(f"/instances/{instance_id}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    compact = "".join(text.split())
    for opinion in OPINIONS.values():
        assert "".join(opinion.split()) in compact, text
    assert "审批单" in compact and app.config["COMPANY_NAME"] in compact and "营业执照.pdf" in compact
    assert "PR1" in compact
    # Glyphs came from a CJK font, not boxes: pdffonts names it.
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout
    assert "CJK" in fonts
    printed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "print_record")).all()
    assert [(e.subject, e.actor.username) for e in printed] == [(f"instance:{instance_id}", "salesperson")]


def test_only_those_who_may_read_the_instance_may_print_it(app: Flask) -> None:
    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="PR2").json["id"]
    outsider = app.test_client()
    login(outsider, "cs_director")
    assert outsider.get(f"/instances/{instance_id}/record.pdf").status_code == 403
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "print_record")).all() == []
