"""The credit file's daily checks, run by every scheduler tick and idempotent: renewal tasks a month
before a grant ends, expiry at its end, and over-limit cases whose target date went by."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from ... import clock
from ..common.errors import DomainError
from ..common.transactions import transactional
from . import over_limit, renewal

log = logging.getLogger(__name__)

CHECKS: tuple[Callable[[datetime], int], ...] = (
    renewal.start_due_renewals,
    renewal.expire_grants,
    over_limit.target_dates_passed,
)


def run(now: datetime | None = None) -> int:
    """Each check in its own transaction; how many things they did. One that fails leaves the others
    to run; it is tried again at the next tick."""
    at = now or clock.now()
    done = 0
    for check in CHECKS:
        try:
            done += transactional(check)(at)
        except DomainError:
            log.exception("credit check %s failed", check.__name__)
    return done
