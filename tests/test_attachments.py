"""Files on an instance: recognised by content, stored under a random name, shown only to those involved."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from app.extensions import db
from app.models import InstanceAttachment
from app.services.desk.attachments import sniff

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(user: ApiUser, instance_id: int, content: bytes, name: str) -> Any:
    return user.client.post(
        f"/api/v1/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(content), name)},
        headers=user.headers,
    )


def test_content_decides_the_type_not_the_name() -> None:
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"GIF89a....") == "image/gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(docx()).endswith("wordprocessingml.document")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    assert sniff(ole + "WordDocument".encode("utf-16-le")) == "application/msword"
    assert sniff(ole + "Workbook".encode("utf-16-le")) == "application/vnd.ms-excel"
    for refused in (b"<html><script>", b"MZ\x90\x00", ole, b"PK\x03\x04not a zip", b""):
        assert sniff(refused) is None


def test_upload_list_and_download_through_the_api(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="AT1").json["id"]
    made = upload(sales, instance_id, PNG, "../../etc/passwd.png")
    assert made.status_code == 201, made.json
    assert (made.json["content_type"], made.json["filename"], made.json["size"]) == (
        "image/png",
        "passwd.png",
        len(PNG),
    )
    row = db.session.get(InstanceAttachment, made.json["id"])
    stored = Path(app.config["ATTACHMENT_DIR"]) / row.storage_name
    assert stored.read_bytes() == PNG and "passwd" not in row.storage_name
    manager = ApiUser(sales.client, "sales_manager", PASSWORD)
    assert [a["id"] for a in manager.get(f"/api/v1/instances/{instance_id}/attachments").json["attachments"]] == [
        row.id
    ]
    download = manager.get(f"/api/v1/attachments/{row.id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "image/png"
    outsider = ApiUser(sales.client, "finance_director", PASSWORD)
    assert outsider.get(f"/api/v1/attachments/{row.id}").status_code == 403
    assert outsider.get(f"/api/v1/instances/{instance_id}/attachments").status_code == 403
    assert upload(outsider, instance_id, PNG, "x.png").status_code == 403


def test_wrong_kinds_and_oversized_files_are_refused_naming_the_field(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="AT2").json["id"]
    disguised = upload(sales, instance_id, b"<html><script>alert(1)</script>", "report.pdf")
    assert disguised.status_code == 422 and list(disguised.json["errors"]) == ["file"]
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    too_big = upload(sales, instance_id, b"%PDF-" + b"x" * 200, "big.pdf")
    assert too_big.status_code == 422 and too_big.json["errors"] == {"file": ["文件超过 100 字节"]}
    in_english = sales.client.post(
        f"/api/v1/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-" + b"x" * 200), "big.pdf")},
        headers={**sales.headers, "Accept-Language": "en"},
    )
    assert in_english.json["errors"] == {"file": ["the file is larger than 100 bytes"]}
    assert upload(sales, instance_id, b"%PDF-1.4 small", "ok.pdf").status_code == 201
    assert db.session.scalars(db.select(InstanceAttachment.filename)).all() == ["ok.pdf"]
    assert len(list(Path(app.config["ATTACHMENT_DIR"]).iterdir())) == 1


def test_the_default_limit_is_ten_megabytes_and_requests_may_carry_it(app: Flask) -> None:
    from app import create_app

    fresh = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "x"})
    assert fresh.config["ATTACHMENT_MAX_BYTES"] == 10 * 1024 * 1024
    assert fresh.config["MAX_CONTENT_LENGTH"] > fresh.config["ATTACHMENT_MAX_BYTES"]


def test_an_upload_through_the_page_appears_in_the_timeline(app: Flask, client: Any, clock: Any) -> None:
    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="AT3").json["id"]
    login(client, "salesperson")
    page = client.get(f"/instances/{instance_id}")
    token = csrf_token(page.data)
    answer = client.post(
        f"/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(docx()), "合同.docx"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    clock.set(clock.now() + timedelta(minutes=5))
    client.post(f"/instances/{instance_id}/comments", data={"body": "合同已上传", "csrf_token": token})
    text = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    timeline = text[text.index('id="collaboration-timeline"') :]
    assert timeline.index("合同.docx") < timeline.index("合同已上传")  # one timeline, in order
    row = db.session.scalars(db.select(InstanceAttachment)).one()
    download = client.get(f"/attachments/{row.id}")
    assert download.status_code == 200 and download.headers["X-Content-Type-Options"] == "nosniff"
    login(other := app.test_client(), "finance_director")
    assert other.get(f"/attachments/{row.id}").status_code == 403


def test_the_timeline_speaks_the_users_language(app: Flask, client: Any) -> None:
    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="AT4").json["id"]
    login(client, "salesperson")
    chinese = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "审批记录与讨论" in chinese and "上传附件" in chinese
    from app.models import User

    db.session.scalars(db.select(User).where(User.username == "salesperson")).one().locale = "en"
    db.session.commit()
    english = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "Timeline" in english and "Attach file" in english and "上传附件" not in english
