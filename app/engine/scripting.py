"""Restricted evaluation of the Python that diagrams carry.

Gateway conditions, DMN cells, timer expressions and script tasks are written by
process owners, not programmers, so they run through RestrictedPython's compiler
and guards: no imports, no dunder access, no file or network access, only a short
allow-list of helpers. Plain `eval` with trimmed builtins is escapable through
`().__class__.__base__.__subclasses__()`; compile-time rewriting is not.
"""

from __future__ import annotations

import ast
import datetime as _dt
import decimal
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .clock import ExpressionDate, ExpressionDateTime
from .guarded import guarded_builtins, namespace, start, stop
from .limits import Budget
from .rewriting import LimitedPolicy, forbidden_constructs


class ExpressionError(Exception):
    """An expression or script in a diagram was refused or failed."""

    def __init__(self, expression: str, message: str) -> None:
        super().__init__(f"{message} (in: {expression.strip()[:200]})")
        self.expression = expression
        self.message = message


# The helpers a diagram may call: data shaping and dates, nothing that reaches
# outside the process data.
ALLOWED_HELPERS: dict[str, Any] = {
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "len": len,
    "any": any,
    "all": all,
    "sorted": sorted,
    "enumerate": enumerate,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "Decimal": decimal.Decimal,
    "floor": math.floor,
    "ceil": math.ceil,
    "date": ExpressionDate,
    "datetime": ExpressionDateTime,
    "timedelta": _dt.timedelta,
}


_BUILTINS = guarded_builtins(ALLOWED_HELPERS)


def _scope(budget: Budget, data: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Globals for one evaluation: helpers, then the data, then the guards, which nothing may shadow."""
    return {**(extra or {}), **data, **namespace(budget, _BUILTINS)}


def _compile_errors(expression: str, errors: tuple[str, ...]) -> ExpressionError:
    # RestrictedPython reports SyntaxError with lineno=None, which Spiff's error
    # formatter chokes on: always surface our own error instead.
    return ExpressionError(expression, "; ".join(errors))


def _prepared(source: str, mode: str) -> str | ast.AST:
    """The parsed source; constructs we refuse, and literals too big to fit, are refused here, at check time."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return source  # the restricted compiler reports syntax errors in its own words
    reason = forbidden_constructs(tree)
    if reason:
        raise ExpressionError(source, reason)
    return tree


@lru_cache(maxsize=4096)
def compile_expression(expression: str) -> CodeType:
    result = compile_restricted_eval(_prepared(expression.strip(), "eval"), policy=LimitedPolicy)
    if result.errors or result.code is None:
        raise _compile_errors(expression, result.errors or ("could not compile",))
    return result.code


@lru_cache(maxsize=1024)
def compile_script(script: str) -> CodeType:
    result = compile_restricted_exec(_prepared(script, "exec"), policy=LimitedPolicy)
    if result.errors or result.code is None:
        raise _compile_errors(script, result.errors or ("could not compile",))
    return result.code


def check_expression(expression: str) -> str | None:
    """The reason an expression would be refused, or None if it compiles."""
    try:
        compile_expression(expression)
    except ExpressionError as err:
        return err.message
    return None


def check_script(script: str) -> str | None:
    try:
        compile_script(script)
    except ExpressionError as err:
        return err.message
    return None


def evaluate(expression: str, data: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> Any:
    code = compile_expression(expression)
    # A fresh budget per evaluation: its deadline and loop steps count this expression only.
    budget = Budget()
    scope = _scope(budget, data, extra)
    running = start(budget)
    try:
        return eval(code, scope)  # noqa: S307 - code comes from compile_restricted
    except ExpressionError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure of a diagram's expression is reported as such
        raise ExpressionError(expression, f"{type(err).__name__}: {err}") from err
    finally:
        stop(running)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff's script environment, with every evaluation routed through RestrictedPython."""

    def __init__(
        self, service_handler: Callable[..., Any] | None = None, helpers: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__({})
        self._service_handler = service_handler
        self._helpers = dict(helpers or {})

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        return evaluate(expression, context, {**self._helpers, **(external_context or {})})

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code = compile_script(script)
        helpers = {**self._helpers, **(external_context or {})}
        budget = Budget()
        reserved = set(_scope(budget, {}, helpers))
        scope = _scope(budget, context, helpers)
        running = start(budget)
        try:
            exec(code, scope)  # noqa: S102 - code comes from compile_restricted
        except Exception as err:  # noqa: BLE001
            raise ExpressionError(script, f"{type(err).__name__}: {err}") from err
        finally:
            stop(running)
        # Only plain data may flow back into the process: helpers and functions stay out.
        for key in [k for k in context if k not in scope]:
            del context[key]
        for key, value in scope.items():
            if key.startswith("_") or callable(value):
                continue
            if key in context or key not in reserved:
                context[key] = value
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        if self._service_handler is None:
            raise ExpressionError(kwargs.get("operation_name", "?"), "no service handler is configured")
        return self._service_handler(context, **kwargs)


class RestrictedScriptEngine(PythonScriptEngine):
    def __init__(
        self, service_handler: Callable[..., Any] | None = None, helpers: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(environment=RestrictedEnvironment(service_handler, helpers))

    def validate(self, expression: str) -> None:
        # DMN uses validate() to decide whether a cell needs "==" prepended, and it
        # expects SyntaxError for the "needs a left-hand side" case.
        try:
            compile_expression(expression)
        except ExpressionError as err:
            raise SyntaxError(err.message) from err

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        return self.environment.call_service(task.data, **kwargs)
