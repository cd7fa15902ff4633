"""When a task is due, from the deadline a process owner wrote on it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_ISO_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


class DeadlineError(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    match = _ISO_DURATION.match(text.strip().upper())
    if not match or not any(match.groupdict().values()):
        raise DeadlineError(f"'{text}' is not a deadline this system understands (e.g. P2D, PT30M)")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)


def due_at(spec: str | None, start: datetime) -> datetime | None:
    if not spec:
        return None
    return start + parse_duration(spec)
