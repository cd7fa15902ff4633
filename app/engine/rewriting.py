"""Compile-time treatment of a diagram's Python: refusals, and the rewriting that installs the guards.

The restricted compiler runs first and refuses every name starting with an underscore; only
then do we rewrite the tree, so the guard names we insert (`_op_`, `_tick_`, `_fmt_`, `_fstr_`)
are ones a script could never have defined or rebound itself.
"""

from __future__ import annotations

import ast
from typing import Any

from RestrictedPython import RestrictingNodeTransformer

from .limits import MAX_ITEMS, LimitExceeded, Settings, predict

_GUARDED_OPERATORS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


def _name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _call(identifier: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_name(identifier), args=list(args), keywords=[])


class _Guards(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802 - ast's visitor naming
        self.generic_visit(node)
        symbol = _GUARDED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        return ast.copy_location(_call("_op_", ast.Constant(symbol), node.left, node.right), node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(_call("_tick_")), node.body[0]))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        node.body = ast.copy_location(_call("_tick_", node.body), node.body)
        return node

    def visit_Starred(self, node: ast.Starred) -> ast.AST:  # noqa: N802
        # [*a, *a] would double a list with no operator: each unpacked item counts as a loop step.
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = ast.copy_location(_call("_getiter_", node.value), node.value)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:  # noqa: N802
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = self.visit(value.format_spec) if value.format_spec is not None else ast.Constant("")
                parts.append(_call("_fmt_", self.visit(value.value), ast.Constant(value.conversion), spec))
            else:
                parts.append(value)
        return ast.copy_location(_call("_fstr_", ast.List(elts=parts, ctx=ast.Load())), node)


class LimitedPolicy(RestrictingNodeTransformer):
    """RestrictedPython's checks, then our guards on the checked tree."""

    _top_seen = False

    def visit(self, node: ast.AST) -> Any:
        if self._top_seen:
            return super().visit(node)
        self._top_seen = True
        result = super().visit(node)
        if not self.errors:
            _Guards().visit(node)
            ast.fix_missing_locations(node)
        return result


def forbidden_constructs(tree: ast.AST) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            return "imports are not allowed in a diagram"
        if isinstance(node, ast.While):
            return "while loops are not allowed in a diagram (model the loop in BPMN, or use a for loop)"
    return obvious_overflow(tree)


class _NotConstant(Exception):
    pass


_FOLDABLE = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.FloorDiv: "//"}


def _constant(node: ast.AST) -> Any:
    """The value of a literal expression (numbers, strings, lists of literals), predicted before computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bytes):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _constant(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.List | ast.Tuple) and not any(isinstance(e, ast.Starred) for e in node.elts):
        return [_constant(e) for e in node.elts]
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLDABLE:
        symbol = _FOLDABLE[type(node.op)]
        left, right = _constant(node.left), _constant(node.right)
        predict(symbol, left, right)
        try:
            return {
                "+": lambda: left + right,
                "-": lambda: left - right,
                "*": lambda: left * right,
                "**": lambda: left**right,
                "<<": lambda: left << right,
                "//": lambda: left // right,
            }[symbol]()
        except (ArithmeticError, TypeError, ValueError) as err:
            raise _NotConstant from err
    raise _NotConstant


def _call_problem(node: ast.Call) -> None:
    args = node.args
    if isinstance(node.func, ast.Name) and node.func.id == "pow" and len(args) == 2:
        predict("**", _constant(args[0]), _constant(args[1]))
    elif isinstance(node.func, ast.Name) and node.func.id == "range" and args:
        values = [_constant(a) for a in args]
        if all(isinstance(v, int) for v in values) and len(range(*values)) > MAX_ITEMS:
            raise LimitExceeded(f"range() of more than {MAX_ITEMS} numbers")
    elif isinstance(node.func, ast.Attribute) and node.func.attr in _WIDTH_METHODS and args:
        width = _constant(args[0])
        if isinstance(width, int) and width > Settings.value_limit_bytes:
            raise LimitExceeded(
                f"a value of more than {Settings.value_limit_bytes} bytes would be built (SCRIPT_VALUE_LIMIT_BYTES)"
            )


def obvious_overflow(tree: ast.AST) -> str | None:
    """Why a literal in the code cannot fit the limits (an exponent, a width, a repeat count), if it cannot."""
    for node in ast.walk(tree):
        try:
            if isinstance(node, ast.BinOp):
                _constant(node)
            elif isinstance(node, ast.Call):
                _call_problem(node)
        except _NotConstant:
            continue
        except LimitExceeded as err:
            return str(err)
    return None
