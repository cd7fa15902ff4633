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
from datetime import datetime, tzinfo

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
