"""Gives SpiffWorkflow's timers the host's clock instead of the wall clock.

The library reads `datetime.now(timezone.utc)` inside its timer module. Replacing
that module's `datetime` with a subclass whose `now()` asks a context variable lets
the host run the engine "as of" any instant: tests with a fixed clock, and
catch-up runs after downtime (`scheduler tick --at`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_source: ContextVar[Callable[[], datetime] | None] = ContextVar("engine_clock", default=None)


class _HostDateTime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        source = _source.get()
        if source is None:
            return datetime.now(tz)
        value = source()
        return value.astimezone(tz) if tz is not None else value.astimezone().replace(tzinfo=None)


_timer_module.datetime = _HostDateTime  # type: ignore[misc]


@contextmanager
def engine_clock(now: Callable[[], datetime] | None) -> Iterator[None]:
    token = _source.set(now)
    try:
        yield
    finally:
        _source.reset(token)


class _AppClock:
    """Where diagram expressions read "now" outside a step: the host's clock in the company's zone."""

    now: Callable[[], datetime] | None = None
    zone: Callable[[], tzinfo] | None = None


def configure_expression_clock(now: Callable[[], datetime], zone: Callable[[], tzinfo]) -> None:
    _AppClock.now, _AppClock.zone = now, zone


def company_now() -> datetime:
    """The engine's instant inside a step, else the host's clock; in company time, always aware."""
    source = _source.get() or _AppClock.now
    try:
        value = source() if source is not None else datetime.now(UTC)
        zone = _AppClock.zone() if _AppClock.zone is not None else UTC
    except RuntimeError:  # no app context: a bare engine, as in the engine's own tests
        value, zone = datetime.now(UTC), UTC
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


class ExpressionDate(date):
    """`date` as diagrams see it: today() is the company's date by the app's clock.

    What it builds is a plain date, so process data never holds a class the serializer does not know."""

    def __new__(cls, *args: Any, **kwargs: Any) -> date:  # type: ignore[misc]
        return date(*args, **kwargs)

    @classmethod
    def today(cls) -> date:  # type: ignore[override]
        return company_now().date()


class ExpressionDateTime(datetime):
    """`datetime` as diagrams see it: now() and today() follow the app's clock, in company time."""

    def __new__(cls, *args: Any, **kwargs: Any) -> datetime:  # type: ignore[misc]
        return datetime(*args, **kwargs)

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        value = company_now()
        return value.astimezone(tz) if tz is not None else value

    @classmethod
    def today(cls) -> datetime:  # type: ignore[override]
        return company_now()
