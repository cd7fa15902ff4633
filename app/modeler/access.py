"""Who may model: process owners, and nobody else; who may review a change: they and the general manager."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, request
from flask_login import current_user, login_required

from ..engine.parsing import MAX_XML_BYTES


def owner_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.has_role("process_owner"):
            abort(403)
        return fn(*args, **kwargs)

    return wrapper


def reviewer_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Process owners and the general manager: those who may approve another's change."""

    @functools.wraps(fn)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not (current_user.has_role("process_owner") or current_user.has_role("general_manager")):
            abort(403)
        return fn(*args, **kwargs)

    return wrapper


def body_within_limit() -> None:
    """Refuse an oversized upload before reading it into memory."""
    if (request.content_length or 0) > MAX_XML_BYTES + 64 * 1024:
        abort(413)
