"""The names rewritten diagram code calls, bound to one evaluation's budget.

The restricted compiler turns loops into `_getiter_(...)`, attribute reads into `_getattr_(...)`
and item writes into `_write_(...)`; our rewriting adds `_op_` for operators that can build big
values, `_tick_` at every function entry and `_fstr_`/`_fmt_` for f-strings. Scripts cannot
name anything starting with an underscore, so none of these can be redefined from a diagram.
The built-in functions and the str/bytes/list methods able to build a big value are wrapped
here so that they, too, predict their result's size before building it.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token
from typing import Any

from RestrictedPython import safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

from .limits import (
    Budget,
    LimitExceeded,
    capped_range,
    check_item_count,
    check_text_size,
    checked_int,
    estimated_size,
    format_size,
)

_INPLACE = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "//=": "//", "%=": "%"}
_CONVERSIONS = {115: str, 114: repr, 97: ascii}


def _text_method(value: str | bytes, name: str, method: Callable[..., Any], budget: Budget) -> Callable[..., Any]:
    """A str/bytes method that checks the size its result would have before calling it."""

    def call(*args: Any, **kwargs: Any) -> Any:
        budget.check_time()
        if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
            check_text_size(args[0])
        elif name == "expandtabs":
            tab = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(tab, int):
                check_text_size(len(value) + value.count("\t" if isinstance(value, str) else b"\t") * tab)
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            hits = value.count(old) if old else len(value) + 1
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            check_text_size(len(value) + hits * max(len(new) - len(old), 0))
        elif name == "join" and args:
            parts = list(budget.iterate(args[0]))
            check_item_count(len(parts))
            check_text_size(len(value) * len(parts) + sum(len(p) if isinstance(p, str | bytes) else 0 for p in parts))
            return method(parts)
        elif name == "translate" and args and isinstance(args[0], dict):
            widest = max((len(v) for v in args[0].values() if isinstance(v, str | bytes)), default=1)
            check_text_size(len(value) * max(widest, 1))
        return method(*args, **kwargs)

    return call


def _list_method(value: list, name: str, method: Callable[..., Any], budget: Budget) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        budget.check_time()
        if name == "extend" and args:
            extra = args[0] if hasattr(args[0], "__len__") else list(budget.iterate(args[0]))
            check_item_count(len(value) + len(extra))
            return method(extra)
        return method(*args, **kwargs)

    return call


_TEXT_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join", "translate"})


class _ListWriter:
    """What `_write_` hands back for a list: slice assignment may not grow it past the item limit."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = list(value)
            start, stop, step = key.indices(len(self.items))
            removed = len(range(start, stop, step))
            check_item_count(len(self.items) - removed + len(value))
        self.items[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.items[key]


def _write(target: Any) -> Any:
    if type(target) is list:
        return _ListWriter(target)
    return full_write_guard(target)


# The budget of the evaluation running in this thread (or task). The wrapped built-ins are shared by
# every evaluation, so they find their budget here instead of being rebuilt for each one.
_running: ContextVar[Budget | None] = ContextVar("diagram_budget", default=None)


def start(budget: Budget) -> Token[Budget | None]:
    return _running.set(budget)


def stop(token: Token[Budget | None]) -> None:
    _running.reset(token)


def _budget() -> Budget:
    # A function a script made and someone calls after its evaluation ended gets a budget of its own.
    return _running.get() or Budget()


def _getattr(target: Any, name: str, default: Any = None) -> Any:
    value = safer_getattr(target, name, default)
    kind = type(target)
    if kind in (str, bytes) and name in _TEXT_METHODS:
        return _text_method(target, name, value, _budget())
    if kind is list and name == "extend":
        return _list_method(target, name, value, _budget())
    return value


def _inplace(op: str, left: Any, right: Any) -> Any:
    if op not in _INPLACE:
        raise LimitExceeded(f"operator {op} is not allowed")
    if op == "+=" and type(left) is list:
        check_item_count(len(left) + (len(right) if hasattr(right, "__len__") else 0))
    return _budget().operation(_INPLACE[op], left, right)


def _text(*args: Any, **kwargs: Any) -> str:
    if len(args) == 1 and not kwargs and type(args[0]) is not str:
        check_text_size(estimated_size(args[0]))
    return str(*args, **kwargs)


def _represent(value: Any) -> str:
    check_text_size(estimated_size(value))
    return repr(value)


def _power(base: Any, exponent: Any, modulo: Any = None) -> Any:
    if modulo is None:
        return _budget().operation("**", base, exponent)
    return pow(base, exponent, modulo)


def _to_int(*args: Any, **kwargs: Any) -> int:
    if args:
        checked_int(args[0])
    return int(*args, **kwargs)


def _rounded(value: Any, digits: Any = None) -> Any:
    if digits is None:
        checked_int(value)
        return round(value)
    return round(value, digits)


def _floor(value: Any) -> Any:
    checked_int(value)
    return math.floor(value)


def _ceil(value: Any) -> Any:
    checked_int(value)
    return math.ceil(value)


def _collection(kind: Callable[..., Any]) -> Callable[..., Any]:
    def build(*args: Any, **kwargs: Any) -> Any:
        if args:
            source = args[0]
            if hasattr(source, "__len__") and not isinstance(source, dict):
                check_item_count(len(source))
            elif not hasattr(source, "__len__"):
                source = list(_budget().iterate(source))
            return kind(source, *args[1:], **kwargs)
        return kind(**kwargs)

    return build


def _total(values: Iterable[Any], start: Any = 0) -> Any:
    if not isinstance(start, int | float | decimal.Decimal):
        values = list(_budget().iterate(values))
        size = len(start) + sum(len(v) for v in values if hasattr(v, "__len__"))
        if isinstance(start, list | tuple):
            check_item_count(size)
        else:
            check_text_size(size)
    return sum(values, start)


def _formatted(value: Any, conversion: int, spec: str) -> str:
    _budget().check_time()
    if conversion in _CONVERSIONS:
        check_text_size(estimated_size(value))
        value = _CONVERSIONS[conversion](value)
    check_text_size(format_size(value, spec))
    return format(value, spec)


def _joined(parts: list[str]) -> str:
    check_text_size(sum(len(p) for p in parts))
    return "".join(parts)


def guarded_builtins(helpers: dict[str, Any]) -> dict[str, Any]:
    """RestrictedPython's safe built-ins and our helpers, with those able to build big values wrapped."""
    builtins = dict(safe_builtins)
    builtins.update(helpers)
    builtins.update(
        {
            "range": capped_range,
            "str": _text,
            "repr": _represent,
            "pow": _power,
            "int": _to_int,
            "round": _rounded,
            "floor": _floor,
            "ceil": _ceil,
            "list": _collection(list),
            "tuple": _collection(tuple),
            "set": _collection(set),
            "sorted": _collection(sorted),
            "sum": _total,
        }
    )
    return builtins


def namespace(budget: Budget, builtins: dict[str, Any]) -> dict[str, Any]:
    """The guard names for one evaluation; those that count steps and time are the budget's own."""
    return {
        "__builtins__": builtins,
        "_getattr_": _getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": budget.iterate,
        "_iter_unpack_sequence_": lambda it, spec, _: guarded_iter_unpack_sequence(it, spec, budget.iterate),
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": _write,
        "_inplacevar_": _inplace,
        "_op_": budget.operation,
        "_tick_": budget.tick,
        "_fmt_": _formatted,
        "_fstr_": _joined,
    }
