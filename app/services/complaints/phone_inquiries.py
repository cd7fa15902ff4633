"""Phone inquiries (第三篇 电话接听): a call not answered at once goes to the person responsible, who
answers within INQUIRY_REPLY_MINUTES; each day's calls reach the general manager's office on the
next working day as a list."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...extensions import db
from ...i18n import current_locale
from ...models import AuditEvent, PhoneCallLog, PhoneInquiry, User
from ..common.errors import Forbidden
from ..common.transactions import transactional
from ..deadlines.workdays import load_calendar
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register
from ..people.access import roles_of
from ..people.directory import ROLES

PROCESS = "phone_inquiry"
LOG_PROCESS = "phone_call_log"
# Who reads the call log: the intake window that keeps it and the office it is handed to.
LOG_READERS = frozenset({"cs_director", "general_manager"})
# How far back a tick looks for days whose log is still to be handed over (a long outage, a holiday).
CATCH_UP_DAYS = 14


@register("record_inquiry")
def record_inquiry(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    answered = bool(data.get("answered_at_once"))
    due = None if answered else ctx.now + timedelta(minutes=current_app.config["INQUIRY_REPLY_MINUTES"])
    recorder = db.session.scalars(db.select(User).where(User.username == data.get("filed_by"))).first()
    inquiry = PhoneInquiry(
        instance_id=ctx.instance.id,
        received_at=ctx.now,
        customer_code=data.get("customer_code") or None,
        customer_name=str(data.get("customer_name", "")),
        contact=str(data.get("contact", "")),
        question=str(data.get("question", "")),
        answered_at_once=answered,
        answer=data.get("answer") or None,
        responsible_role=None if answered else data.get("responsible_role"),
        reply_due_at=due,
        replied_at=ctx.now if answered else None,
        recorded_by_id=recorder.id if recorder else None,
    )
    db.session.add(inquiry)
    local = ctx.now.astimezone(ctx.calendar.tz)
    ctx.instance.business_key = f"{local:%y%m%d%H%M}"
    ctx.instance.title = f"{ctx.instance.process_version.name} · {inquiry.customer_name}"[:300]
    db.session.flush()
    return {"id": inquiry.id, "reply_due_at": due.isoformat() if due else None}


@register("close_inquiry")
def close_inquiry(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    inquiry = db.session.scalars(db.select(PhoneInquiry).where(PhoneInquiry.instance_id == ctx.instance.id)).one()
    inquiry.replied_at, inquiry.reply = ctx.now, data.get("reply")
    on_time = inquiry.reply_due_at is None or ctx.now <= inquiry.reply_due_at
    return {"replied_at": ctx.now.isoformat(), "on_time": on_time}


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = load_calendar().tz
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start, start + timedelta(days=1)


def calls_of(day: date) -> list[PhoneInquiry]:
    start, end = _day_bounds(day)
    return list(
        db.session.scalars(
            db.select(PhoneInquiry)
            .where(PhoneInquiry.received_at >= start, PhoneInquiry.received_at < end)
            .order_by(PhoneInquiry.received_at, PhoneInquiry.id)
        )
    )


@transactional
def read_log(user: User, day: date) -> list[PhoneInquiry]:
    """A day's calls, for the general manager's office and customer service; each read is audited,
    since the log holds customers' contacts."""
    if not roles_of(user) & LOG_READERS:
        raise Forbidden(_l("only customer service and the general manager's office read the call log"))
    db.session.add(AuditEvent(at=clock.now(), actor_id=user.id, action="read_call_log", subject=day.isoformat()))
    return calls_of(day)


def log_xlsx(calls: list[PhoneInquiry], day: date) -> bytes:
    """The day's call log as a spreadsheet, in the reader's language."""
    tz = load_calendar().tz
    book = Workbook()
    sheet = book.active
    sheet.title = day.isoformat()
    sheet.append(
        [
            _("Call received"),
            _("Customer"),
            _("Contact"),
            _("Question"),
            _("Answered at once"),
            _("Answer"),
            _("Responsible"),
            _("Reply due"),
            _("Replied"),
            _("Reply"),
        ]
    )
    for c in calls:
        sheet.append(
            [
                c.received_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                c.customer_name,
                c.contact,
                c.question,
                _("yes") if c.answered_at_once else _("no"),
                c.answer or "",
                _role_name(c.responsible_role),
                c.reply_due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if c.reply_due_at else "",
                c.replied_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if c.replied_at else "",
                c.reply or "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _role_name(key: str | None) -> str:
    if not key:
        return ""
    zh, en = ROLES.get(key, (key, key))
    return zh if current_locale() == "zh_CN" else en


def ensure_call_logs() -> int:
    """On a working day, hand each earlier day's calls to the general manager's office, once per day."""
    calendar = load_calendar()
    now = clock.now()
    today = now.astimezone(calendar.tz).date()
    if not calendar.is_workday(today):
        return 0
    since, _end = _day_bounds(today - timedelta(days=CATCH_UP_DAYS))
    until, _end = _day_bounds(today)
    received = db.session.scalars(
        db.select(PhoneInquiry.received_at).where(PhoneInquiry.received_at >= since, PhoneInquiry.received_at < until)
    )
    days = sorted({r.astimezone(calendar.tz).date() for r in received})
    if not days:
        return 0
    done = set(db.session.scalars(db.select(PhoneCallLog.day).where(PhoneCallLog.day.in_(days))))
    made = 0
    for day in days:
        if day not in done:
            made += _hand_over(day, today)
    return made


def _hand_over(day: date, today: date) -> int:
    @transactional
    def make() -> None:
        calendar = load_calendar()
        calls = calls_of(day)
        log = PhoneCallLog(day=day, created_at=clock.now(), calls=len(calls))
        db.session.add(log)
        db.session.flush()  # the unique day makes a second scheduler's attempt fail here
        base = current_app.config["BASE_URL"].rstrip("/")
        instance = start_system_instance(
            LOG_PROCESS,
            {
                "log_day": day.isoformat(),
                "calls": len(calls),
                "unanswered_at_once": sum(1 for c in calls if not c.answered_at_once),
                "log_due_at": calendar.end_of_working_day(today).isoformat(),
                "log_url": f"{base}/complaints/calls?day={day.isoformat()}",
            },
            business_key=day.isoformat(),
        )
        log.instance_id = instance.id

    try:
        make()
        return 1
    except IntegrityError:
        db.session.rollback()
        return 0
