"""Authentication and the error bodies Camunda's clients expect: `{"type": ..., "message": ...}`."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import g, jsonify, request
from flask_babel import gettext

from ..models import User
from ..services.common.errors import DomainError
from ..services.people import accounts

# Camunda's exception names for the status codes its REST API answers with.
_TYPES = {
    400: "InvalidRequestException",
    401: "AuthenticationException",
    403: "AuthorizationException",
    404: "InvalidRequestException",
    409: "BadUserRequestException",
    422: "InvalidRequestException",
    501: "NotImplementedException",
}


def error(status: int, message: str, type_: str | None = None) -> tuple[Any, int]:
    return jsonify(type=type_ or _TYPES.get(status, "RestException"), message=message, code=None), status


def domain_error(err: DomainError) -> tuple[Any, int]:
    # Camunda answers a conflict with another worker or user, and a refused value, with 400.
    status = 400 if err.status in (409, 422) else err.status
    message = err.message
    errors = getattr(err, "errors", None)
    if errors:
        message = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in errors.items())
    return error(status, message, _TYPES.get(err.status))


def _basic_user() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return accounts.user_for_token(value.strip())
    if scheme.lower() != "basic":
        return None
    try:
        username, _, token = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user = accounts.user_for_token(token) if token else None
    return user if user is not None and user.username == username else None


def authenticated(fn: Callable[..., Any]) -> Callable[..., Any]:
    """HTTP Basic with an API token as the password (or the token as a bearer); never a session cookie."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = _basic_user()
        if user is None:
            response, status = error(
                401, gettext("authentication required: HTTP Basic with your user name and an API token")
            )
            response.headers["WWW-Authenticate"] = 'Basic realm="engine-rest"'
            return response, status
        g.api_user = user
        try:
            return fn(*args, **kwargs)
        except DomainError as err:
            return domain_error(err)

    return wrapper


def current_user() -> User:
    return g.api_user


def external_id(number: int) -> str:
    """Camunda ids are opaque strings; clients that read them as UUIDs get one that holds our number."""
    return str(UUID(int=number))


def internal_id(text: str) -> int | None:
    try:
        return int(text) if text.isdigit() else UUID(text).int
    except ValueError:
        return None
