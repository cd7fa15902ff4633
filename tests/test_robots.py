"""Chat robots (企业微信, 钉钉, 飞书) hear through the outbox, in each one's own JSON format, with retries:
a robot that is down delays its messages and never the approval; once it is up they arrive."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from app.clock import FixedClock
from app.extensions import db
from app.models import OutboxMail
from app.services.notifications import outbox, robots

from .conftest import PASSWORD
from .support import ApiUser
from .test_outbox import free_port


class Receiver:
    """A robot's server on loopback: keeps every request and answers as the real ones do."""

    def __init__(self, port: int, answer: dict[str, Any]) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, json.loads(body)))
                reply = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


ANSWERS = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"}, "feishu": {"code": 0}}


@pytest.fixture
def port(app: Flask) -> Iterator[int]:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=3)  # no mail server: mail waits
    yield free_port()


def _robot_rows() -> list[OutboxMail]:
    return list(db.session.scalars(db.select(OutboxMail).where(OutboxMail.channel != "mail").order_by(OutboxMail.id)))


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_a_persons_robot_gets_the_message_once_it_is_up(app: Flask, clock: FixedClock, port: int, kind: str) -> None:
    url = f"http://127.0.0.1:{port}/robot/send?key=k1"
    robots.add_robot(kind, url, username="sales_manager", secret="s3cret" if kind != "wecom" else None)
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    assert sales.start_credit(customer_code=f"RB{kind}").status_code == 201  # the approval does not wait
    # Nothing listens yet: the message waits with the reason, to be tried again later.
    outbox.deliver_due()
    [row] = _robot_rows()
    assert row.status == "pending" and row.attempts == 1 and "cannot deliver to the robot" in row.last_error
    clock.set(clock.now() + timedelta(minutes=5))
    with Receiver(port, ANSWERS[kind]) as receiver:
        outbox.deliver_due()
    db.session.expire_all()
    assert _robot_rows()[0].status == "sent"
    [(path, body)] = receiver.requests
    assert path.startswith("/robot/send?key=k1")
    if kind == "wecom":
        assert body["msgtype"] == "markdown" and "新待办" in body["markdown"]["content"]
        assert "/tasks/" in body["markdown"]["content"]
    elif kind == "dingtalk":
        assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "新待办"
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        stamp = query["timestamp"][0]
        expected = base64.b64encode(hmac.new(b"s3cret", f"{stamp}\ns3cret".encode(), hashlib.sha256).digest())
        assert query["sign"][0] == expected.decode()
    else:
        post = body["content"]["post"]["zh_cn"]
        assert body["msg_type"] == "post" and post["title"] == "新待办"
        assert post["content"][1][0]["tag"] == "a" and "/tasks/" in post["content"][1][0]["href"]
        digest = hmac.new(f"{body['timestamp']}\ns3cret".encode(), b"", hashlib.sha256).digest()
        assert body["sign"] == base64.b64encode(digest).decode()


def test_a_roles_group_robot_announces_its_queue_and_a_refusal_is_retried(
    app: Flask, clock: FixedClock, port: int
) -> None:
    robots.add_robot("wecom", f"http://127.0.0.1:{port}/hook", role="sales_manager")
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="RB2")
    with Receiver(port, {"errcode": 93000, "errmsg": "invalid webhook url"}):
        outbox.deliver_due()
    [row] = _robot_rows()
    assert row.status == "pending" and "refused" in row.last_error
    clock.set(clock.now() + timedelta(minutes=5))
    with Receiver(port, ANSWERS["wecom"]) as receiver:
        outbox.deliver_due()
    [(_, body)] = receiver.requests
    assert "RB2" in body["markdown"]["content"]  # the task's title names the application


def test_a_robot_is_refused_with_the_field_named(app: Flask) -> None:
    from app.services.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        robots.add_robot("slack", "ftp://x", username="nobody")
    assert set(err.value.errors) == {"kind", "url", "user"}
    result = app.test_cli_runner().invoke(
        args=["robots", "add", "--kind", "feishu", "--url", "http://127.0.0.1:1/x", "--role", "finance_director"]
    )
    assert result.exit_code == 0 and "added" in result.output


def test_the_administrator_adds_and_switches_off_a_robot_on_the_page(app, client) -> None:
    from app.models import AuditEvent, ChatWebhook, User

    from .conftest import csrf_token, login

    admin = db.session.scalars(db.select(User).where(User.username == "admin")).one()
    admin.locale = "zh_CN"
    db.session.commit()
    login(client, "admin")
    page = client.get("/admin/robots").get_data(as_text=True)
    assert "聊天机器人" in page and "尚未设置聊天机器人" in page
    token = csrf_token(page.encode())
    # A bad address and nobody named: refused, each field named in Chinese, nothing stored.
    refused = client.post("/admin/robots", data={"csrf_token": token, "kind": "dingtalk", "url": "ftp://x"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="url"' in text and 'data-field="user"' in text
    assert db.session.scalar(db.select(db.func.count(ChatWebhook.id))) == 0
    added = client.post(
        "/admin/robots",
        data={
            "csrf_token": token,
            "kind": "feishu",
            "url": "https://open.example.com/hook/abc-secret-part",
            "user": "finance_director",
            "secret": "s3",
        },
    )
    assert added.status_code == 302
    hook = db.session.scalars(db.select(ChatWebhook)).one()
    assert (hook.kind, hook.user.username, hook.secret, hook.active) == ("feishu", "finance_director", "s3", True)
    listing = client.get("/admin/robots").get_data(as_text=True)
    # The address is a credential: the page shows its host only.
    assert "飞书群机器人" in listing and "财务总监" in listing and "abc-secret-part" not in listing
    assert client.post(f"/admin/robots/{hook.id}/off", data={"csrf_token": token}).status_code == 302
    db.session.refresh(hook)
    assert hook.active is False
    actions = set(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)))
    assert {"robot_added", "robot_switched_off"} <= actions
    # Without the form's token nothing changes.
    assert (
        client.post("/admin/robots", data={"kind": "wecom", "url": "https://x.example/h", "role": "admin"}).status_code
        == 400
    )
