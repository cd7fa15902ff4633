"""Bearer-token authentication for the JSON API; cookies are never accepted here."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_babel import gettext
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from ..models import User
from ..services.people import accounts as user_service


def api_user() -> User:
    return g.api_user


def token_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_service.user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            # Raised, not returned, so a route whose answer is dumped through a schema never sees it.
            raise Unauthorized(
                gettext("authentication required: send Authorization: Bearer <token>"),
                www_authenticate=WWWAuthenticate("bearer"),
            )
        g.api_user = user
        return fn(*args, **kwargs)

    return wrapper
