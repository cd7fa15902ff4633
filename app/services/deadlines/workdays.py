"""Working days by the official Chinese calendar (调休 included), with the company's own corrections."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import chain
from time import monotonic
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ...extensions import db
from ...models.calendar import CalendarDay, CalendarYear


class CalendarUnknown(ValueError):
    """The calendar for this year is not known: we refuse to guess."""


@dataclass
class WorkCalendar:
    """A snapshot of the rules, loaded once per use case so arithmetic needs no queries."""

    tz: tzinfo
    end_of_day: time
    overrides: Mapping[date, bool] = field(default_factory=dict)
    declared_years: frozenset[int] = frozenset()

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.declared_years:
            return day.weekday() < 5
        try:
            return _officially_a_workday(day)
        except NotImplementedError as err:
            raise CalendarUnknown(
                f"the official calendar for {day.year} is not known to this system; "
                f"an administrator must enter {day.year}'s holidays and make-up working days"
            ) from err

    def end_of_working_day(self, day: date) -> datetime:
        return datetime.combine(day, self.end_of_day, tzinfo=self.tz)

    def add_working_days(self, start: datetime, count: int) -> datetime:
        """The end of the `count`-th working day after the day of `start` (company time)."""
        if count < 0:
            raise ValueError("a deadline cannot be a negative number of working days")
        day = start.astimezone(self.tz).date()
        found = 0
        while found < count:
            day += timedelta(days=1)
            if self.is_workday(day):
                found += 1
        return self.end_of_working_day(day)

    def working_days_between(self, earlier: datetime, later: datetime) -> int:
        """Whole working days that ended after `earlier` and by `later` (0 when not yet a full day)."""
        if later <= earlier:
            return 0
        day = earlier.astimezone(self.tz).date()
        last = later.astimezone(self.tz).date()
        count = 0
        while day < last:
            day += timedelta(days=1)
            if self.is_workday(day) and self.end_of_working_day(day) <= later:
                count += 1
        return count


@functools.lru_cache(maxsize=8192)
def _officially_a_workday(day: date) -> bool:
    # The official calendar is fixed data inside the installed package, and every new task's deadline
    # walks day by day through it: each day is looked up once per process. A year the package does not
    # know raises, and a raise is not remembered.
    return bool(chinese_calendar.is_workday(day))


# Corrections are rare and every step needs the calendar: keep one snapshot per app. A change made
# in this process is seen at once; other workers pick it up within the time-to-live.
CALENDAR_TTL_SECONDS = 30.0
_CACHE_KEY = "work_calendar"


def load_calendar() -> WorkCalendar:
    extensions = current_app.extensions
    settings = (current_app.config["COMPANY_TIMEZONE"], current_app.config["END_OF_BUSINESS_DAY"])
    cached = extensions.get(_CACHE_KEY)
    if cached is not None and cached[1] == settings and monotonic() - cached[0] < CALENDAR_TTL_SECONDS:
        return cached[2]
    calendar = _read_calendar()
    extensions[_CACHE_KEY] = (monotonic(), settings, calendar)
    return calendar


def _touches_calendar(session: Session) -> bool:
    changed = chain(session.new, session.dirty, session.deleted)
    return any(isinstance(row, CalendarDay | CalendarYear) for row in changed)


@event.listens_for(Session, "after_flush")
def _forget_on_flush(session: Session, _context: object) -> None:
    if _touches_calendar(session) and has_app_context():
        session.info["calendar_changed"] = True
        current_app.extensions.pop(_CACHE_KEY, None)


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    # Forget again: another thread may have read the old rows between the flush and the commit.
    if session.info.pop("calendar_changed", False) and has_app_context():
        current_app.extensions.pop(_CACHE_KEY, None)


def _read_calendar() -> WorkCalendar:
    config = current_app.config
    hour, minute = (int(part) for part in config["END_OF_BUSINESS_DAY"].split(":"))
    overrides = {row.day: row.is_workday for row in db.session.scalars(db.select(CalendarDay))}
    years = frozenset(db.session.scalars(db.select(CalendarYear.year)))
    return WorkCalendar(
        tz=ZoneInfo(config["COMPANY_TIMEZONE"]),
        end_of_day=time(hour, minute),
        overrides=overrides,
        declared_years=years,
    )
