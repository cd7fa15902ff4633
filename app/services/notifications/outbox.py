"""Delivering the outbox, mail over SMTP and chat-robot messages over HTTPS, with retries: a dead mail server
or robot never blocks or loses an approval."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app

from ... import clock
from ...extensions import db
from ...models import OutboxMail
from ..common.transactions import transactional
from ..deadlines.leases import WORKER_ID, claim
from . import robots

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 12


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def _message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<outbox-{mail.id}@{current_app.config['MAIL_FROM'].split('@')[-1]}>"
    message.set_content(mail.body)
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USER"]:
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp


@transactional
def _mark(mail_id: int, owner: str, error: str | None, final: bool = False) -> None:
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None or mail.lease_owner != owner or mail.status != "pending":
        return
    now = clock.now()
    mail.lease_owner = mail.lease_until = None
    if error is None:
        mail.status, mail.sent_at, mail.last_error = "sent", now, None
        return
    mail.last_error = error[:2000]
    mail.next_attempt_at = now + _backoff(mail.attempts)
    if final or mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"


def _deliver_to_robots(ids: list[int], mails: dict[int, OutboxMail], owner: str) -> int:
    """POST each robot message; one robot being down only delays its own messages."""
    # Plain values first: marking a row commits, and nothing read before may be needed after it.
    outgoing = {mail_id: robots.outgoing(mails[mail_id]) for mail_id in ids}
    db.session.rollback()
    timeout = float(current_app.config.get("SMTP_TIMEOUT", 10))
    sent = 0
    for mail_id in ids:
        request = outgoing[mail_id]
        if request is None:
            _mark(mail_id, owner, "the robot was removed or switched off", final=True)
            continue
        try:
            robots.send(request, timeout)
        except (OSError, robots.RobotRefused) as err:
            _mark(mail_id, owner, f"cannot deliver to the robot: {err}")
            continue
        _mark(mail_id, owner, None)
        sent += 1
    return sent


def deliver_due(limit: int = 50, owner: str = WORKER_ID) -> int:
    """Send what is due; returns how many were sent."""
    db.session.rollback()
    ids = claim(OutboxMail, OutboxMail.next_attempt_at, clock.now(), LEASE, limit, owner)
    if not ids:
        return 0
    mails = {m.id: m for m in db.session.scalars(db.select(OutboxMail).where(OutboxMail.id.in_(ids)))}
    for_robots = [mail_id for mail_id, mail in mails.items() if mail.channel != "mail"]
    sent = _deliver_to_robots(for_robots, mails, owner) if for_robots else 0
    ids = [mail_id for mail_id in ids if mail_id not in for_robots]
    if not ids:
        return sent
    messages = {mail_id: _message(mails[mail_id]) for mail_id in ids}
    db.session.rollback()
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as err:
        for mail_id in ids:
            _mark(mail_id, owner, f"cannot reach the mail server: {err}")
        return sent
    try:
        for mail_id in ids:
            try:
                smtp.send_message(messages[mail_id])
            except (OSError, smtplib.SMTPException) as err:
                _mark(mail_id, owner, str(err))
                continue
            _mark(mail_id, owner, None)
            sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent
