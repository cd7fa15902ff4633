"""Who may model: process owners, and nobody else."""

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


def body_within_limit() -> None:
    """Refuse an oversized upload before reading it into memory."""
    if (request.content_length or 0) > MAX_XML_BYTES + 64 * 1024:
        abort(413)
