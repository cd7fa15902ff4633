"""How late a task is, in the two measures people use: working days by the calendar, and time on the
clock. Both come from the same instants, so they never disagree (2.7 days late over a weekend is one
working day, Monday, and 2 days 16 hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from .workdays import WorkCalendar


@dataclass(frozen=True)
class Lateness:
    # Working days that have begun since the deadline passed (the day of the deadline not counted).
    working_days: int
    days: int
    hours: int

    def label(self) -> str:
        span = (
            _("%(days)s d %(hours)s h", days=self.days, hours=self.hours)
            if self.days
            else _("%(hours)s h", hours=self.hours)
        )
        if self.working_days == 0:
            return _("%(time)s late", time=span)
        return _("late into working day %(n)s (%(time)s in all)", n=self.working_days, time=span)


def lateness(due: datetime | None, now: datetime, calendar: WorkCalendar) -> Lateness | None:
    """None while the deadline has not passed."""
    if due is None or now <= due:
        return None
    first = due.astimezone(calendar.tz).date() + timedelta(days=1)
    last = now.astimezone(calendar.tz).date()
    working = 0
    day = first
    while day <= last:
        if calendar.is_workday(day):
            working += 1
        day += timedelta(days=1)
    elapsed = int((now - due).total_seconds() // 3600)
    return Lateness(working_days=working, days=elapsed // 24, hours=elapsed % 24)
