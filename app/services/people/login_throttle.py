"""Throttling of password guesses, one count shared by the log-in page and the token endpoint.

Wrong passwords count per user name; once a name has had its share for the window, guesses at it
are refused (429) whatever they are. The real person is not locked out by someone else's guessing:
a correct password from an address that has made no wrong guess in the window still gets in (the
usual compromise, OWASP ASVS 2.2.1). The counts live in the rate limiter's storage, so with Redis
(`RATELIMIT_STORAGE_URI`) every worker and host shares them.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse

from ...extensions import limiter
from ...models import User
from ..common.errors import DomainError
from .sign_in import authenticate

_GUESSES = "login-guesses"
_FAILED_FROM = "login-failed-from"


class TooManyGuesses(DomainError):
    status = 429

    def __init__(self) -> None:
        super().__init__(_l("too many wrong passwords for this user; try again in a minute"))


def _per_user() -> RateLimitItem:
    return parse(current_app.config["LOGIN_LIMIT_PER_USER"])


def _once(item: RateLimitItem) -> RateLimitItem:
    """One event in the same window as `item`: "has this address failed at all lately"."""
    return type(item)(1, item.multiples)


def guarded_authenticate(username: str, password: str, address: str) -> User | None:
    """The user these credentials name, None for a wrong guess; TooManyGuesses past the per-user limit."""
    # The deployment's key prefix first, so installations sharing one Redis keep their counts apart.
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    name = username.strip().lower()
    per_user = _per_user()
    strategy = limiter.limiter
    # The password is checked even when the name is locked, so the answer's timing tells nothing.
    user = authenticate(username, password)
    if not strategy.test(per_user, prefix, _GUESSES, name):
        if user is not None and strategy.test(_once(per_user), prefix, _FAILED_FROM, address):
            return user
        raise TooManyGuesses()
    if user is None:
        strategy.hit(per_user, prefix, _GUESSES, name)
        strategy.hit(_once(per_user), prefix, _FAILED_FROM, address)
    return user


def limit_per_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


# Every log-in request from one address, through either entry point, counts against one limit.
per_address = limiter.shared_limit(limit_per_address, scope="login-address", methods=["POST"])
