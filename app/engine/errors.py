"""The engine's own errors, and how a library failure is worded for the host."""

from __future__ import annotations

from typing import Any

from .scripting import ExpressionError


class EngineError(Exception):
    """The engine could not carry out a step (a broken expression, an unknown task)."""


class TaskNotReady(EngineError):
    """The task is no longer waiting for input."""


def element_of(spec: Any) -> str:
    name = getattr(spec, "bpmn_name", None)
    bpmn_id = getattr(spec, "bpmn_id", None) or getattr(spec, "name", "?")
    return f"'{name}' ({bpmn_id})" if name and name != bpmn_id else str(bpmn_id)


def wrap(err: Exception) -> EngineError:
    """The engine's failure in one sentence that names the diagram element and what went wrong there."""
    if isinstance(err, EngineError):
        return err
    expression_error: ExpressionError | None = None
    element: str | None = None
    cause: BaseException | None = err
    seen: set[int] = set()
    # Spiff raises its own exception inside an except block, so the expression's error is its context.
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ExpressionError) and expression_error is None:
            expression_error = cause
        if element is None and getattr(cause, "task_spec", None) is not None:
            element = element_of(cause.task_spec)
        cause = cause.__cause__ or cause.__context__
    if expression_error is not None:
        message = f"{expression_error.message} (in: {expression_error.expression.strip()[:200]})"
    else:
        message = str(err).splitlines()[0]
    return EngineError(f"{element}: {message}" if element else message)
