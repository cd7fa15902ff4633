"""Timer texts as Camunda Modeler writes them: bare ISO 8601 and Quartz-style cron.

The engine evaluates a timer's text as an expression, so Camunda's `PT1M` (unquoted) failed
every start. Bare ISO durations, dates and repeating intervals are quoted here; `${…}` is
translated like any other Camunda expression; a cron cycle (`0 0 9 * * MON-FRI`, seconds
first, as Camunda reads it) gets its own event definition that computes each next firing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition

from . import juel

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = (
    rf"P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
)
_DATE = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = {
    "timeDuration": re.compile(rf"^{_DURATION}$", re.IGNORECASE),
    "timeDate": re.compile(rf"^{_DATE}$"),
    "timeCycle": re.compile(rf"^R\d*/(?:{_DURATION}|{_DATE})(?:/(?:{_DURATION}|{_DATE}))?$", re.IGNORECASE),
}
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # Quartz counts 1 = Sunday


class TimerRefused(Exception):
    """A timer text that cannot be read; `reason` says why in a process owner's words."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{reason} (in: {text.strip()[:200]})")
        self.reason = reason


def _cron_fields(text: str) -> list[str] | None:
    fields = text.split()
    if len(fields) not in (6, 7):
        return None
    if not all(re.fullmatch(r"[0-9A-Za-z*?/,#\-]+", f) for f in fields):
        return None
    return fields


def is_cron(text: str) -> bool:
    return _cron_fields(text.strip()) is not None


def _day_of_week(field: str) -> str:
    if re.search(r"[L#]", field):
        raise ValueError("'L' and '#' in the day-of-week field are not supported: list the days instead")
    return re.sub(r"\d", lambda m: _DAY_NAMES[(int(m.group()) - 1) % 7], field.replace("?", "*")).lower()


def cron_trigger(text: str, tz: tzinfo) -> CronTrigger:
    """Camunda's cron: seconds, minutes, hours, day of month, month, day of week, optional year."""
    fields = _cron_fields(text.strip())
    if fields is None:
        raise ValueError("a cron cycle has 6 or 7 fields: seconds minutes hours day-of-month month day-of-week [year]")
    second, minute, hour, day, month, weekday, *year = fields
    if "W" in day.upper() or "#" in day:
        raise ValueError("'W' and '#' in the day-of-month field are not supported")
    day = re.sub(r"^L$", "last", day.replace("?", "*"), flags=re.IGNORECASE)
    return CronTrigger(
        second=second,
        minute=minute,
        hour=hour,
        day=day,
        month=month.lower(),
        day_of_week=_day_of_week(weekday),
        year=year[0] if year else None,
        timezone=tz,
    )


def next_cron_fire(text: str, after: datetime, tz: tzinfo = UTC) -> datetime:
    # Strictly after: a cycle that has just fired must not fire again in the same second.
    fire = cron_trigger(text, tz).get_next_fire_time(None, after + timedelta(microseconds=1))
    if fire is None:
        raise ValueError("this cron cycle never fires again")
    return fire.astimezone(UTC)


def timer_expression(kind: str, text: str) -> str:
    """The expression the engine evaluates for a timer written as Camunda writes it.

    `kind` is the element's local name (timeDate, timeDuration, timeCycle). Python that
    already works (a quoted "P2D", a helper call) is returned unchanged.
    """
    stripped = (text or "").strip()
    if juel.is_juel(stripped):
        try:
            return juel.to_python(stripped)
        except juel.JuelRefused as err:
            raise TimerRefused(stripped, err.reason) from err
    if kind == "timeCycle" and is_cron(stripped):
        try:
            cron_trigger(stripped, UTC)
        except ValueError as err:
            raise TimerRefused(stripped, f"the cron cycle cannot be read: {err}") from err
        return repr(stripped)
    if _ISO[kind].match(stripped):
        return repr(stripped)
    return stripped


class CronCycleTimerEventDefinition(CycleTimerEventDefinition):
    """A cycle that fires at each time its cron text matches, for ever (as in Camunda)."""

    def cycle_complete(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            text = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if not (isinstance(text, str) and is_cron(text)):
                return bool(super().cycle_complete(my_task))
            event_value = {"cycles": -1, "cron": text.strip(), "next": None, "duration": 0}
        elif "cron" not in event_value:
            return bool(super().cycle_complete(my_task))
        # The library's timer module reads the host's clock (see clock.py): ask it, not the wall.
        now = timer_module.datetime.now(UTC)
        tz = _company_timezone(my_task)
        ready = False
        if event_value["next"] is None:
            event_value["next"] = next_cron_fire(event_value["cron"], now, tz).isoformat()
        elif datetime.fromisoformat(event_value["next"]) <= now:
            event_value["next"] = next_cron_fire(event_value["cron"], now, tz).isoformat()
            ready = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def _company_timezone(my_task: Any) -> tzinfo:
    """Cron fields are read in company time when the host offers it (helper `company_timezone`)."""
    try:
        value = my_task.workflow.script_engine.environment.evaluate("company_timezone()", {})
    except Exception:  # noqa: BLE001 - a host without the helper runs cron in UTC
        return UTC
    return value if isinstance(value, tzinfo) else UTC
