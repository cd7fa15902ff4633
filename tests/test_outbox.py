"""Mail goes through the outbox to a real SMTP server on loopback; a dead server delays mail, never work."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from app.extensions import db
from app.models import OutboxMail
from app.services.deadlines import digest
from app.services.notifications import outbox as mail

from .conftest import PASSWORD
from .support import ApiUser


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port(app: Flask) -> int:
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    return port


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


def test_assignment_mail_is_delivered_in_both_languages(app: Flask, smtp_server: Inbox) -> None:
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="M1")
    assert mail.deliver_due() == 1
    [message] = smtp_server.messages
    assert message["To"] == "sales_manager@example.com"
    assert "待办" in message["Subject"] and "To do" in message["Subject"]
    body = message.get_content()
    assert "您有一项新的待办任务" in body and "A new task is waiting for you" in body
    assert "http://127.0.0.1:5000/tasks/" in body
    assert mail.deliver_due() == 0  # sent once
    assert db.session.scalars(db.select(OutboxMail.status)).all() == ["sent"]


def test_a_dead_mail_server_delays_mail_but_not_the_approval(app: Flask, smtp_port: int) -> None:
    client = app.test_client()
    ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="M2")
    manager = ApiUser(client, "sales_manager", PASSWORD)
    assert mail.deliver_due() == 0  # nothing listens on the port
    queued = db.session.scalars(db.select(OutboxMail)).one()
    assert (queued.status, queued.attempts) == ("pending", 1)
    assert "cannot reach the mail server" in queued.last_error
    assert manager.decide(manager.only_task()["id"], "approve", "ok").status_code == 200

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert mail.deliver_due() == 1  # the sales VP's new mail; the failed one waits (back-off)
        clock = app.extensions["clock"]
        clock.set(clock.now() + timedelta(minutes=5))
        assert mail.deliver_due() == 1  # now the first one goes out too
        assert mail.deliver_due() == 0
    finally:
        controller.stop()
    assert sorted(m["To"] for m in inbox.messages) == ["sales_manager@example.com", "sales_vp@example.com"]
    assert set(db.session.scalars(db.select(OutboxMail.status))) == {"sent"}


def test_daily_digest_lists_tasks_due_soon_once_a_day(app: Flask, smtp_server: Inbox) -> None:
    ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="DG")  # due Wed 18:00
    clock = app.extensions["clock"]
    clock.set(clock.now().replace(day=24, hour=0, minute=30))  # Tue 08:30 Shanghai
    assert digest.queue_digests() == 1  # only the sales manager has work due by the end of Wednesday
    assert digest.queue_digests() == 0
    mail.deliver_due()
    digests = [m for m in smtp_server.messages if "Due soon" in m["Subject"]]
    assert [m["To"] for m in digests] == ["sales_manager@example.com"]
    assert "DG" in digests[0].get_content()
    clock.set(clock.now() + timedelta(days=1))
    assert digest.queue_digests() == 1  # a new day, a new digest
