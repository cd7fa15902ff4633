"""The credit calendar: which credit reviews the scheduler starts, on which working day, once per period.

Each pass of the scheduler calls `start_due_reviews`. From the first working day of a month (Chinese
official calendar with the company's corrections) it starts what that period owes and has not started
yet, so a pass missed on that day is caught up by the next one, and a second pass starts nothing:
- January, April, July and October: the quarterly refresh of every customer holding a limit (第十二条);
- every month: the monthly review of the credit customers (第三十八–四十一条);
- once the quarter's refreshes are all finished: the summary for the general manager and the chairman
  (第二十九、三十条).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from ... import clock
from ..deadlines.workdays import CalendarUnknown, WorkCalendar, load_calendar
from . import monthly, quarterly, summary

QUARTER_MONTHS = (1, 4, 7, 10)
log = logging.getLogger(__name__)


def first_working_day(year: int, month: int, calendar: WorkCalendar) -> date:
    day = date(year, month, 1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def start_due_reviews() -> int:
    """Start every review the calendar owes by now; returns how many instances started."""
    calendar = load_calendar()
    now = clock.now()
    today = now.astimezone(calendar.tz).date()
    try:
        opened = today >= first_working_day(today.year, today.month, calendar)
    except CalendarUnknown:
        log.warning("credit calendar: the working days of %s are not known; no review starts", today.year)
        return 0
    if not opened:
        return 0
    period = quarterly.quarter_of(today.year, today.month)
    started = 0
    if today.month in QUARTER_MONTHS:
        started += quarterly.start_quarter(period, now)
    started += monthly.start_month(f"{today.year}-{today.month:02d}", now)
    # A quarter whose refreshes finished only after it ended still gets its summary.
    earlier = date(today.year, today.month, 1) - timedelta(days=80)
    for quarter in (quarterly.quarter_of(earlier.year, earlier.month), period):
        started += summary.start_summary(quarter, now)
    return started
