"""Bounds on the work one diagram expression or script may do.

A diagram's expression must fail its own step, never stall or exhaust the worker serving it.
Every evaluation gets a `Budget`: a deadline (`SCRIPT_TIME_LIMIT_MS`) checked at every loop
step, function call and guarded operation, and a size limit (`SCRIPT_VALUE_LIMIT_BYTES`) that
each operation able to build a big value checks by predicting the size of its result before
building it. Predicting instead of measuring means no tracing hook and no subprocess: the
checks cost a function call where they apply and nothing elsewhere, and they hold the same in
a threaded server as in a forking one.
"""

from __future__ import annotations

import decimal
import math
import operator
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

MAX_ITERATIONS = 100_000
MAX_ITEMS = 100_000
MAX_INT_BITS = 4_096
# A number needs at most this many characters per bit when written in decimal, plus a sign.
_DIGITS_PER_BIT = 0.302


class Settings:
    """The limits in force, set once from the app's configuration (`configure`)."""

    time_limit_ms: int = 200
    value_limit_bytes: int = 1024 * 1024


def configure(time_limit_ms: int, value_limit_bytes: int) -> None:
    Settings.time_limit_ms = int(time_limit_ms)
    Settings.value_limit_bytes = int(value_limit_bytes)


class LimitExceeded(Exception):
    """The expression or script tried to do more work, or build a bigger value, than a diagram step may."""


def _too_big() -> LimitExceeded:
    return LimitExceeded(
        f"a value of more than {Settings.value_limit_bytes} bytes would be built (SCRIPT_VALUE_LIMIT_BYTES)"
    )


def _too_many() -> LimitExceeded:
    return LimitExceeded(f"a value of more than {MAX_ITEMS} items would be built")


def _too_long_number() -> LimitExceeded:
    return LimitExceeded(f"a number of more than {MAX_INT_BITS} bits would be built")


def check_text_size(size: int) -> None:
    if size > Settings.value_limit_bytes:
        raise _too_big()


def check_item_count(count: int) -> None:
    if count > MAX_ITEMS:
        raise _too_many()


def _int_bits(value: Any) -> int | None:
    return value.bit_length() if type(value) in (int, bool) else None


def _sized(value: Any) -> tuple[str, int] | None:
    """('text', characters) for str/bytes, ('items', count) for lists and tuples, else None."""
    if isinstance(value, str | bytes | bytearray):
        return "text", len(value)
    if isinstance(value, list | tuple):
        return "items", len(value)
    return None


def _check_sized(kind: str, size: int) -> None:
    if kind == "text":
        check_text_size(size)
    else:
        check_item_count(size)


def predict(symbol: str, left: Any, right: Any) -> None:
    """Raise LimitExceeded if `left <symbol> right` would build too big a value; cheap, builds nothing."""
    if symbol == "+":
        a, b = _sized(left), _sized(right)
        if a and b and a[0] == b[0]:
            _check_sized(a[0], a[1] + b[1])
    elif symbol == "*":
        for seq, count in ((left, right), (right, left)):
            sized = _sized(seq)
            if sized and isinstance(count, int):
                _check_sized(sized[0], sized[1] * max(count, 0))
        a_bits, b_bits = _int_bits(left), _int_bits(right)
        if a_bits is not None and b_bits is not None and a_bits + b_bits > MAX_INT_BITS:
            raise _too_long_number()
    elif symbol == "**":
        # Decimal and float powers round to a fixed precision (or overflow): only int powers grow.
        if type(left) is int and type(right) is int and right > 0 and abs(left) > 1:
            if math.log2(abs(left)) * right > MAX_INT_BITS:
                raise _too_long_number()
    elif symbol == "<<":
        if isinstance(left, int) and isinstance(right, int) and left and left.bit_length() + right > MAX_INT_BITS:
            raise _too_long_number()
    elif symbol == "%":
        if isinstance(left, str | bytes):
            check_text_size(percent_format_size(left, right))


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "<<": operator.lshift,
}


def estimated_size(value: Any, limit: int | None = None) -> int:
    """About how many characters str()/repr() of a value takes, at least; stops counting past `limit`.

    Walking stops as soon as the total passes the limit, so a list repeating a big list a
    thousand times costs no more to estimate than one copy over the limit.
    """
    limit = Settings.value_limit_bytes if limit is None else limit
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            total += len(item) + 2
        elif kind in (bytes, bytearray):
            total += 4 * len(item) + 3
        elif kind is int:
            total += int(item.bit_length() * _DIGITS_PER_BIT) + 2
        elif kind in (list, tuple, set, frozenset):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif kind is dict:
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif kind is decimal.Decimal:
            total += decimal_digits(item) + 12
        else:
            total += 32
        if total > limit:
            break
    return total


def decimal_digits(value: decimal.Decimal) -> int:
    """The digits a Decimal takes written out in full (as int() or a fixed-point format would)."""
    if not value.is_finite():
        return 3
    sign, digits, exponent = value.as_tuple()
    return len(digits) + abs(int(exponent))


def checked_int(value: Any) -> None:
    """Refuse turning a Decimal with a huge exponent into an int (int(), round(), floor(), ceil())."""
    if isinstance(value, decimal.Decimal) and value.is_finite() and value.adjusted() > MAX_INT_BITS * _DIGITS_PER_BIT:
        raise _too_long_number()


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsab%])")
_WIDTHS = re.compile(r"\d+")


def _number_args(values: Iterable[Any]) -> int:
    return max((abs(v) for v in values if isinstance(v, int)), default=0)


def percent_format_size(template: str | bytes, args: Any) -> int:
    """An upper estimate of the size of `template % args`."""
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    values = list(args.values()) if isinstance(args, dict) else list(args) if isinstance(args, tuple) else [args]
    biggest = max((estimated_size(v) for v in values), default=0)
    star = _number_args(values)
    total = len(text)
    for match in _PERCENT.finditer(text):
        width, precision, conversion = match.groups()
        if conversion == "%":
            continue
        for part in (width, precision):
            if part == "*":
                total += star
            elif part:
                total += int(part)
        total += biggest + 330  # a float written with %f may take 309 digits
        if total > Settings.value_limit_bytes:
            break
    return total


def format_size(value: Any, spec: str) -> int:
    """An upper estimate of the size of format(value, spec)."""
    total = estimated_size(value) + len(spec)
    total += sum(int(n) for n in _WIDTHS.findall(spec)[:2] if len(n) < 12) if spec else 0
    if any(len(n) >= 12 for n in _WIDTHS.findall(spec)):
        raise _too_big()
    if isinstance(value, decimal.Decimal) and spec:
        total += decimal_digits(value)
    if isinstance(value, int | float | decimal.Decimal) and any(c in spec for c in ",_"):
        total += total // 3
    return total


class Budget:
    """The time and loop steps left to one evaluation; its methods are the guards the rewritten code calls."""

    __slots__ = ("cpu_started", "deadline", "steps_left")

    def __init__(self) -> None:
        self.cpu_started = time.thread_time()
        self.deadline = time.monotonic() + Settings.time_limit_ms / 1000
        self.steps_left = MAX_ITERATIONS

    def check_time(self) -> None:
        now = time.monotonic()
        if now <= self.deadline:
            return
        # The wall clock is cheap to read, so it is what every step looks at; once it has run out, the
        # thread's own CPU time decides, so an evaluation that waited for a busy CPU is not cut short.
        limit = Settings.time_limit_ms / 1000
        spent = time.thread_time() - self.cpu_started
        if spent < limit:
            self.deadline = now + (limit - spent)
            return
        raise LimitExceeded(f"took longer than {Settings.time_limit_ms} ms (SCRIPT_TIME_LIMIT_MS)")

    def tick(self, value: Any = None) -> Any:
        """Called on entering every function a script defines (and on a lambda's result)."""
        self.check_time()
        return value

    def iterate(self, iterable: Any) -> Iterator[Any]:
        """Every loop step of the evaluation, wherever it happens (for loops, comprehensions, unpacking)."""
        for item in iter(iterable):
            self.steps_left -= 1
            if self.steps_left < 0:
                raise LimitExceeded(f"more than {MAX_ITERATIONS} loop steps")
            if time.monotonic() > self.deadline:
                self.check_time()
            yield item

    def operation(self, symbol: str, left: Any, right: Any) -> Any:
        if time.monotonic() > self.deadline:
            self.check_time()
        # Adding small numbers is what loops mostly do: it cannot grow anything, so skip the prediction.
        if symbol != "+" or type(left) is not int or type(right) is not int:
            predict(symbol, left, right)
        return _OPERATORS[symbol](left, right)


def capped_range(*args: int) -> range:
    values = range(*args)
    if len(values) > MAX_ITEMS:
        raise LimitExceeded(f"range() of more than {MAX_ITEMS} numbers")
    return values


def cap_process_memory(megabytes: int) -> None:
    """Bound this worker's address space, so whatever the checks above miss gets a MemoryError
    (which fails its own step) instead of starving the machine."""
    import resource

    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
