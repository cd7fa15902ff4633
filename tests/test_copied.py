"""A copied colleague (抄送) reads the instance, its timeline and its files, and adds nothing to it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Flask

from app.extensions import db
from app.models import InstanceAttachment, InstanceComment, InstanceWatcher

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser

PDF = b"%PDF-1.4 the customer's licence"


def counts() -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (InstanceComment, InstanceAttachment, InstanceWatcher)
    )


def stored_files(app: Flask) -> list[Path]:
    folder = Path(app.config["ATTACHMENT_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def attach(user: ApiUser, instance_id: int, name: str) -> Any:
    return user.client.post(
        f"/api/v1/instances/{instance_id}/attachments", data={"file": (io.BytesIO(PDF), name)}, headers=user.headers
    )


def copied_instance(app: Flask, code: str) -> tuple[ApiUser, int, int]:
    """The filer comments, attaches a file and copies the credit controller, who is otherwise not involved."""
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code=code).json["id"]
    assert sales.post(f"/api/v1/instances/{instance_id}/comments", {"body": "营业执照已附"}).status_code == 201
    attachment = attach(sales, instance_id, "licence.pdf")
    assert attachment.status_code == 201
    copied = sales.post(f"/api/v1/instances/{instance_id}/copy-to", {"user": "credit_controller", "comment": "供参考"})
    assert copied.status_code == 200
    return sales, instance_id, attachment.json["id"]


def test_through_the_api_a_copied_colleague_reads_and_downloads_but_adds_nothing(app: Flask) -> None:
    _, instance_id, attachment_id = copied_instance(app, "CP1")
    colleague = ApiUser(app.test_client(), "credit_controller", PASSWORD)
    assert colleague.get(f"/api/v1/instances/{instance_id}").status_code == 200
    assert [c["body"] for c in colleague.get(f"/api/v1/instances/{instance_id}/comments").json["comments"]] == [
        "营业执照已附"
    ]
    assert [a["id"] for a in colleague.get(f"/api/v1/instances/{instance_id}/attachments").json["attachments"]] == [
        attachment_id
    ]
    download = colleague.get(f"/api/v1/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF

    before, files = counts(), stored_files(app)
    comment = colleague.post(f"/api/v1/instances/{instance_id}/comments", {"body": "我也说一句"})
    assert comment.status_code == 403 and "抄送" in comment.json["error"]
    upload = attach(colleague, instance_id, "mine.pdf")
    assert upload.status_code == 403
    copy = colleague.post(f"/api/v1/instances/{instance_id}/copy-to", {"user": "admin", "comment": "转给你看"})
    assert copy.status_code == 403
    db.session.expire_all()
    assert counts() == before and stored_files(app) == files


def test_on_the_pages_a_copied_colleague_reads_the_timeline_and_downloads_but_adds_nothing(app: Flask) -> None:
    _, instance_id, attachment_id = copied_instance(app, "CP2")
    browser = app.test_client()
    login(browser, "credit_controller")
    page = browser.get(f"/instances/{instance_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "营业执照已附" in html and "licence.pdf" in html and 'id="read-only"' in html
    assert 'id="add-comment"' not in html and 'id="upload"' not in html and 'id="copy-to"' not in html
    download = browser.get(f"/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF

    token = csrf_token(page.data)
    before, files = counts(), stored_files(app)
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"/instances/{instance_id}/comments", {"body": "我也说一句"}),
        (f"/instances/{instance_id}/attachments", {"file": (io.BytesIO(PDF), "mine.pdf")}),
        (f"/instances/{instance_id}/copy-to", {"user": "admin", "comment": "转给你看"}),
    ]
    for url, data in posts:
        assert browser.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    db.session.expire_all()
    assert counts() == before and stored_files(app) == files


def test_the_filer_holders_past_and_present_and_their_supervisors_may_add(app: Flask) -> None:
    sales, instance_id, _ = copied_instance(app, "CP3")
    url = f"/api/v1/instances/{instance_id}/comments"
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)  # may claim the open task
    assert manager.post(url, {"body": "已收到"}).status_code == 201
    assert ApiUser(app.test_client(), "sales_vp", PASSWORD).post(url, {"body": "关注"}).status_code == 201
    assert ApiUser(app.test_client(), "finance_director", PASSWORD).post(url, {"body": "x"}).status_code == 403
    assert manager.decide(manager.only_task()["id"], "approve", "同意").status_code == 200
    assert manager.post(url, {"body": "已批，请副总跟进"}).status_code == 201  # held a task here
    vp = ApiUser(app.test_client(), "sales_vp", PASSWORD)
    assert vp.decide(vp.only_task()["id"], "approve", "同意").status_code == 200
    finance = ApiUser(app.test_client(), "finance_director", PASSWORD)  # the next step is theirs now
    assert finance.post(url, {"body": "财务已阅"}).status_code == 201
    assert (
        sales.post(f"/api/v1/instances/{instance_id}/copy-to", {"user": "admin", "comment": "知悉"}).status_code == 200
    )


def test_only_the_filer_is_offered_the_reminder_button_not_a_copied_colleague(app: Flask) -> None:
    _, instance_id, _ = copied_instance(app, "CP9")
    pages = {}
    for username in ("salesperson", "credit_controller"):
        client = app.test_client()
        login(client, username)
        page = client.get(f"/instances/{instance_id}")
        assert page.status_code == 200
        pages[username] = page.get_data(as_text=True)
    assert 'class="inline urge"' in pages["salesperson"]
    assert 'class="inline urge"' not in pages["credit_controller"]
