"""Bounds on the work one diagram expression or script may do.

A script in a diagram must fail its own step, not hang or exhaust the worker:
`while` is refused when the diagram is checked, every iteration counts against a
budget, `range` is capped, and the operators that can build a huge value in one
step (`*`, `**`, `<<`) check the size of their result before computing it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator
from typing import Any

MAX_ITERATIONS = 100_000
MAX_ITEMS = 100_000
MAX_INT_BITS = 4_096
GUARD_NAME = "guarded_operation"

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul,
    "**": operator.pow,
    "<<": operator.lshift,
}
_AST_OPERATORS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}


class LimitExceeded(Exception):
    """The expression or script tried to do more work than a diagram step may."""


def forbidden_constructs(tree: ast.AST) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            return "imports are not allowed in a diagram"
        if isinstance(node, ast.While):
            return "while loops are not allowed in a diagram (model the loop in BPMN, or use a for loop)"
    return None


class _GuardOperators(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802 - ast's visitor naming
        self.generic_visit(node)
        symbol = _AST_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name(id=GUARD_NAME, ctx=ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.copy_location(call, node)


def guard_operators(tree: ast.AST) -> ast.AST:
    return ast.fix_missing_locations(_GuardOperators().visit(tree))


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple) else None


def checked(symbol: str, left: Any, right: Any) -> Any:
    """`left <symbol> right`, refused when the result would be too big to be data of an approval."""
    if symbol == "*":
        for seq, count in ((left, right), (right, left)):
            size = _size(seq)
            if size is not None and isinstance(count, int) and size * count > MAX_ITEMS:
                raise LimitExceeded(f"a value of more than {MAX_ITEMS} items would be built")
    if symbol == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        if abs(left) > 1 and (abs(left).bit_length() * right) > MAX_INT_BITS:
            raise LimitExceeded(f"a number of more than {MAX_INT_BITS} bits would be built")
    if symbol == "<<" and isinstance(right, int) and right > MAX_INT_BITS:
        raise LimitExceeded(f"a number of more than {MAX_INT_BITS} bits would be built")
    return _OPERATORS[symbol](left, right)


def capped_range(*args: int) -> range:
    values = range(*args)
    if len(values) > MAX_ITEMS:
        raise LimitExceeded(f"range() of more than {MAX_ITEMS} numbers")
    return values


class IterationBudget:
    """Counts loop steps across one evaluation, wherever they happen (for loops, comprehensions)."""

    def __init__(self, limit: int = MAX_ITERATIONS) -> None:
        self.left = limit

    def __call__(self, iterable: Any) -> Iterator[Any]:
        for item in iter(iterable):
            self.left -= 1
            if self.left < 0:
                raise LimitExceeded(f"more than {MAX_ITERATIONS} loop steps")
            yield item


def cap_process_memory(megabytes: int) -> None:
    """Bound this worker's address space, so an expression building a giant value gets a MemoryError
    (which fails its own step) instead of starving the machine."""
    import resource

    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
