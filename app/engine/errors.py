"""The engine's own errors, and how a library failure is worded for the host."""

from __future__ import annotations

from .scripting import ExpressionError


class EngineError(Exception):
    """The engine could not carry out a step (a broken expression, an unknown task)."""


class TaskNotReady(EngineError):
    """The task is no longer waiting for input."""


def wrap(err: Exception) -> EngineError:
    if isinstance(err, EngineError):
        return err
    cause = err
    while cause.__cause__ is not None and not isinstance(cause, ExpressionError):
        cause = cause.__cause__
    message = cause.message if isinstance(cause, ExpressionError) else str(err).splitlines()[0]
    if isinstance(cause, ExpressionError):
        message = f"{message} (in: {cause.expression.strip()[:200]})"
    return EngineError(message)
