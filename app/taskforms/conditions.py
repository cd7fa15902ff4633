"""The conditions a designed form shows or hides a field by, read and evaluated on the server.

The form designer writes them as FEEL (`=amount > 5000`, `=category = "travel" and urgent`). Only a
small, safe part of FEEL is accepted: field names, numbers, texts, true/false/null, comparisons,
`and`, `or`, `not(...)` and brackets. The same condition decides on the server whether a field is
asked for at all, so a hidden field is never required and its value is never kept, whatever the
browser did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op><=|>=|!=|=|<|>|\(|\))
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
MAX_CONDITION_LENGTH = 500

Node = tuple[Any, ...]


class ConditionError(ValueError):
    """A condition outside what the server can evaluate; the message says what was found."""


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ConditionError(f"cannot read the condition at '{text[pos : pos + 20].strip()}'")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        pos = match.end()
    return found


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ConditionError("the condition ends too early")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        kind, text = self.take()
        if text != value:
            raise ConditionError(f"expected '{value}', found '{text}'")

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.peek() == ("name", "or"):
            self.take()
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_comparison()
        while self.peek() == ("name", "and"):
            self.take()
            node = ("and", node, self.parse_comparison())
        return node

    def parse_comparison(self) -> Node:
        left = self.parse_operand()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("compare", token[1], left, self.parse_operand())
        return left

    def parse_operand(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("value", Decimal(text))
        if kind == "string":
            return ("value", re.sub(r"\\(.)", r"\1", text[1:-1]))
        if text == "(":
            node = self.parse_or()
            self.expect(")")
            return node
        if kind == "name":
            if text in ("true", "false"):
                return ("value", text == "true")
            if text == "null":
                return ("value", None)
            if text == "not":
                self.expect("(")
                node = self.parse_or()
                self.expect(")")
                return ("not", node)
            if text in ("and", "or"):
                raise ConditionError(f"'{text}' needs something before it")
            if self.peek() == ("op", "("):
                raise ConditionError(f"the function '{text}' cannot be used in a condition")
            return ("field", text)
        raise ConditionError(f"unexpected '{text}'")


def parse_condition(text: str) -> Node:
    """The condition as a small tree; ConditionError if it uses anything beyond the safe part of FEEL."""
    if not isinstance(text, str):
        raise ConditionError("a condition must be text")
    body = text.strip()
    if len(body) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"a condition is at most {MAX_CONDITION_LENGTH} characters")
    if body.startswith("="):
        body = body[1:]
    parser = _Parser(_tokens(body))
    if not parser.tokens:
        raise ConditionError("the condition is empty")
    node = parser.parse_or()
    if parser.peek() is not None:
        raise ConditionError(f"unexpected '{parser.peek()[1]}'")  # type: ignore[index]
    return node


def fields_of(node: Node) -> set[str]:
    if node[0] == "field":
        return {node[1]}
    if node[0] == "value":
        return set()
    return set().union(*(fields_of(part) for part in node[1:] if isinstance(part, tuple)))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _compare(op: str, left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        left, right = a, b
    elif op not in ("=", "!="):
        return False  # FEEL gives null for an ordering of unlike values: treated as "not true"
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    try:
        return bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op])
    except TypeError:
        return False


def _truthy(value: Any) -> bool:
    return value is True or (value not in (None, False, "", [], {}) and value is not False)


def evaluate(node: Node, values: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "value":
        return node[1]
    if kind == "field":
        return values.get(node[1])
    if kind == "not":
        return not _truthy(evaluate(node[1], values))
    if kind == "and":
        return _truthy(evaluate(node[1], values)) and _truthy(evaluate(node[2], values))
    if kind == "or":
        return _truthy(evaluate(node[1], values)) or _truthy(evaluate(node[2], values))
    return _compare(node[1], evaluate(node[2], values), evaluate(node[3], values))


def holds(node: Node, values: Mapping[str, Any]) -> bool:
    return _truthy(evaluate(node, values))
