"""Administrators' corrections to the working-day calendar."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, CalendarDay, CalendarYear, User
from ..common.errors import Forbidden, ValidationFailed
from ..common.transactions import transactional


def require_admin(user: User) -> None:
    if not user.has_role("admin"):
        raise Forbidden(_l("only an administrator may change the calendar"))


def listing(user: User) -> tuple[list[CalendarDay], list[CalendarYear]]:
    require_admin(user)
    days = list(db.session.scalars(db.select(CalendarDay).order_by(CalendarDay.day)))
    years = list(db.session.scalars(db.select(CalendarYear).order_by(CalendarYear.year)))
    return days, years


@transactional
def set_day(user: User, day: date, is_workday: bool, note: str) -> CalendarDay:
    require_admin(user)
    if len(note) > 200:
        raise ValidationFailed({"note": [_l("at most 200 characters")]})
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.is_workday, row.note = is_workday, note
    db.session.add(row)
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=user.id,
            action="calendar_day",
            subject=f"calendar:{day}",
            details={"is_workday": is_workday, "note": note},
        )
    )
    return row


@transactional
def remove_day(user: User, day: date) -> None:
    require_admin(user)
    row = db.session.get(CalendarDay, day)
    if row is not None:
        db.session.delete(row)
        db.session.add(
            AuditEvent(at=clock.now(), actor_id=user.id, action="calendar_day_removed", subject=f"calendar:{day}")
        )


@transactional
def declare_year(user: User, year: int, note: str) -> CalendarYear:
    require_admin(user)
    if not 2000 <= year <= 2100:
        raise ValidationFailed({"year": [_l("must be between 2000 and 2100")]})
    row = db.session.get(CalendarYear, year) or CalendarYear(year=year)
    row.note = note[:200]
    db.session.add(row)
    db.session.add(
        AuditEvent(
            at=clock.now(), actor_id=user.id, action="calendar_year", subject=f"calendar:{year}", details={"note": note}
        )
    )
    return row
