"""The application's notion of "now", injectable so tests and catch-up runs control time."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until moved; used by tests and `--at` runs."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at.astimezone(UTC)

    def set(self, at: datetime) -> None:
        self.at = at


def now() -> datetime:
    clock: Clock = current_app.extensions["clock"]
    return clock.now()


def company_tz() -> tzinfo:
    return ZoneInfo(current_app.config["COMPANY_TIMEZONE"])


def to_company_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(company_tz()).isoformat(timespec="seconds")
