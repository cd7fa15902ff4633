"""The credit file's daily checks, run by every scheduler tick and idempotent: renewal tasks a month
before a grant ends, expiry at its end, and over-limit cases whose target date went by."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ... import clock
from ..common.transactions import transactional
from . import over_limit, renewal

CHECKS: tuple[Callable[[datetime], int], ...] = (
    renewal.start_due_renewals,
    renewal.expire_grants,
    over_limit.target_dates_passed,
)


def run(now: datetime | None = None) -> int:
    """Each check in its own transaction; how many things they did."""
    at = now or clock.now()
    return sum(transactional(check)(at) for check in CHECKS)
