"""Bearer-token authentication for the JSON API; cookies are never accepted here."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, jsonify, request
from flask_babel import gettext

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
            response = jsonify(error=gettext("authentication required: send Authorization: Bearer <token>"))
            response.headers["WWW-Authenticate"] = "Bearer"
            return response, 401
        g.api_user = user
        return fn(*args, **kwargs)

    return wrapper
