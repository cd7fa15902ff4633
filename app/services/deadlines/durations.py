"""Deadlines as process owners write them: "2 working days", "15 days", "30 minutes", ISO 8601
durations, or an expression over process data that yields one of those. Any of them may name the
moment it counts from ("2 working days from received_at"); without one it counts from when the
task arrived."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ...engine import ExpressionError, check_expression, evaluate, expression_text
from .workdays import WorkCalendar

UNITS = ("working_days", "days", "hours", "minutes")
_PLAIN = re.compile(
    r"^\s*(?P<n>\d+|[零〇一二两三四五六七八九十百]+)\s*(?:"
    r"(?P<working_days>working\s*days?|workdays?|business\s*days?|个?工作日)|"
    r"(?P<days>(?:calendar\s*)?days?|天|日|个?自然日)|"
    r"(?P<hours>hours?|hrs?|h|小时|个小时)|"
    r"(?P<minutes>minutes?|mins?|m|分钟)"
    r")\s*$",
    re.IGNORECASE,
)
# "<length> from <moment>": the moment is a process variable or expression giving an ISO instant.
_FROM = re.compile(r"^\s*(?P<length>.+?)\s+(?:from|after|自)\s+(?P<start>\S.*)$", re.IGNORECASE)
_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


class DeadlineError(ValueError):
    pass


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _count(text: str) -> int:
    """A count as a process owner types it: 15, 两, 十五, 二十, 一百二十."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:  # 十 or 百 multiplies the digit before it (十 alone is ten)
            total += (1 if digit is None else digit) * (10 if char == "十" else 100)
            digit = None
    return total + (digit or 0)


@dataclass(frozen=True)
class Deadline:
    """Either a count of working days or a fixed length of time."""

    working_days: int | None = None
    length: timedelta | None = None
    at: datetime | None = None
    # The moment the policy counts from (e.g. a complaint's receipt), when it is not the task's arrival.
    start: datetime | None = None

    def due(self, start: datetime, calendar: WorkCalendar) -> datetime:
        if self.at is not None:
            return self.at
        start = self.start or start
        if self.working_days is not None:
            return calendar.add_working_days(start, self.working_days)
        assert self.length is not None
        return start + self.length


def parse_deadline(text: str) -> Deadline:
    """Read a literal deadline; raises DeadlineError naming what was not understood."""
    plain = _PLAIN.match(text)
    if plain:
        n = _count(plain.group("n"))
        if plain.group("working_days"):
            return Deadline(working_days=n)
        unit = next(u for u in ("days", "hours", "minutes") if plain.group(u))
        return Deadline(length=timedelta(**{unit: n}))
    iso = _ISO.match(text.strip().upper())
    if iso and any(iso.groupdict().values()):
        return Deadline(length=timedelta(**{k: int(v) for k, v in iso.groupdict().items() if v}))
    raise DeadlineError(
        f"'{text}' is not a deadline this system understands "
        '(write e.g. "2 working days", "2个工作日", "15天", "30分钟", P2D or PT30M)'
    )


def resolve_deadline(spec: str, data: Mapping[str, Any]) -> Deadline:
    """A literal, or an expression over process data that evaluates to one, optionally "from" a moment."""
    counted = _FROM.match(spec)
    if counted:
        try:
            length = parse_deadline(counted.group("length"))
        except DeadlineError:
            length = None
        if length is not None:
            return replace(length, start=_start_moment(counted.group("start"), spec, data))
    try:
        return parse_deadline(spec)
    except DeadlineError:
        pass
    expression = expression_text(spec)
    if expression is None:
        raise DeadlineError(f"deadline '{spec}' uses an expression this app cannot run")
    try:
        value = evaluate(expression, data)
    except ExpressionError as err:
        raise DeadlineError(f"deadline '{spec}' could not be read: {err.message}") from err
    if isinstance(value, int) and not isinstance(value, bool):
        return Deadline(length=timedelta(days=value))
    if isinstance(value, str):
        try:
            return parse_deadline(value)
        except DeadlineError:
            moment = _instant(value)
            if moment is None:
                raise
            return Deadline(at=moment)
    raise DeadlineError(f"deadline '{spec}' gave {value!r}, which is not a deadline")


def _start_moment(expression: str, spec: str, data: Mapping[str, Any]) -> datetime:
    try:
        value = evaluate(expression, data)
    except ExpressionError as err:
        raise DeadlineError(f"deadline '{spec}' could not be read: {err.message}") from err
    moment = value if isinstance(value, datetime) else _instant(str(value)) if value else None
    if moment is None or moment.tzinfo is None:
        raise DeadlineError(f"deadline '{spec}' counts from {value!r}, which is not a moment with a time zone")
    return moment


def _instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_deadline(spec: str) -> str | None:
    """Why a deadline written in a diagram cannot work, or None (expressions are checked when they run)."""
    counted = _FROM.match(spec)
    if counted and check_deadline(counted.group("length")) is None:
        return check_expression(counted.group("start"))
    try:
        parse_deadline(spec)
        return None
    except DeadlineError as err:
        expression = expression_text(spec)
        if expression is None:
            return "a Camunda expression outside what this app understands (method calls, execution.…)"
        # A bare word is a valid expression (a variable) but, written in Chinese, is surely a deadline
        # the system did not understand, such as "三周": say so now, not when a task arrives.
        if check_expression(expression) is not None or re.search(r"[\u4e00-\u9fff]", spec):
            return str(err)
        return None


def script_helpers(now: Callable[[], datetime], calendar: WorkCalendar) -> dict[str, Any]:
    """Date helpers a diagram's timer expressions may call; they read the same clock as the app."""

    def deadline(spec: str) -> str:
        return parse_deadline(str(spec)).due(now(), calendar).isoformat()

    def working_days(count: int) -> str:
        return calendar.add_working_days(now(), int(count)).isoformat()

    def days_after(day: str, count: int) -> str:
        """Start of business (09:00 company time) `count` calendar days after a date, e.g. a delivery date."""
        start = datetime.combine(date.fromisoformat(str(day)[:10]), time(9, 0), tzinfo=calendar.tz)
        return (start + timedelta(days=int(count))).isoformat()

    def company_timezone() -> tzinfo:
        """Camunda cron cycles are read in company time."""
        return calendar.tz

    return {
        "deadline": deadline,
        "working_days": working_days,
        "days_after": days_after,
        "company_timezone": company_timezone,
    }
