"""Camunda's JUEL expressions, translated into the Python the restricted evaluator runs.

Diagrams drawn for Camunda 7 write `${amount > 1000 && !rejected}`. Rather than a second
evaluator, the subset such diagrams use (variables, property access, comparisons, logic,
`empty`, arithmetic, literals and the ternary) becomes an ordinary expression for
`scripting.evaluate`, so one sandbox guards both dialects. Anything outside the subset
(a method call on a bean, `execution.…`) is refused with the reason, at deploy time.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

# `${...}` (evaluated now) and `#{...}` (deferred) mean the same once a step runs.
_EMBEDDED = re.compile(r"[$#]\{")
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<op>&&|\|\||==|!=|<=|>=|[<>!+\-*/%?:()\[\].,])
    )""",
    re.VERBOSE,
)
_WORDS = {
    "and": "&&",
    "or": "||",
    "not": "!",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
# Camunda's own objects: they exist only inside its Java engine.
_ENGINE_OBJECTS = {"execution", "task", "variableScope", "authenticatedUserId", "processEngine"}


class JuelRefused(Exception):
    """The expression uses JUEL this product cannot run; `reason` says what and what to write instead."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(f"{reason} (in: {expression.strip()[:200]})")
        self.expression = expression
        self.reason = reason


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def is_juel(text: str | None) -> bool:
    """Whether a diagram's text is written as a Camunda expression rather than plain Python."""
    return bool(text) and _EMBEDDED.search(text or "") is not None


def _tokens(source: str, whole: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    source = source.rstrip()
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise JuelRefused(whole, f"'{source[pos:].strip()[:20]}' is not part of the expressions understood here")
        pos = match.end()
        kind = match.lastgroup or "op"
        text = match.group(kind)
        if kind == "name" and text in _WORDS:
            kind, text = "op", _WORDS[text]
        tokens.append(_Token(kind, text))
    return tokens


class _Translator:
    """A recursive-descent reader of JUEL's grammar, writing Python with every operation in brackets."""

    def __init__(self, source: str, whole: str) -> None:
        self.whole = whole
        self.tokens = _tokens(source, whole)
        self.pos = 0

    def refuse(self, reason: str) -> JuelRefused:
        return JuelRefused(self.whole, reason)

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, *ops: str) -> str | None:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in ops:
            self.pos += 1
            return token.text
        return None

    def expect(self, op: str) -> None:
        if self.take(op) is None:
            found = self.peek()
            raise self.refuse(f"expected '{op}' but found {repr(found.text) if found else 'the end'}")

    def translate(self) -> str:
        if not self.tokens:
            raise self.refuse("the expression is empty")
        result = self.ternary()
        if self.peek() is not None:
            raise self.refuse(f"unexpected '{self.peek().text}'")  # type: ignore[union-attr]
        return result

    def ternary(self) -> str:
        condition = self.binary(0)
        if self.take("?") is None:
            return condition
        when_true = self.ternary()
        self.expect(":")
        when_false = self.ternary()
        return f"({when_true} if {condition} else {when_false})"

    # Lowest binding first, as JUEL orders them.
    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("==", "!="),
        ("<", ">", "<=", ">="),
        ("+", "-"),
        ("*", "/", "%"),
    )
    _PYTHON = {"||": "or", "&&": "and"}

    def binary(self, level: int) -> str:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.take(*self._LEVELS[level])) is not None:
            right = self.binary(level + 1)
            left = f"({left} {self._PYTHON.get(op, op)} {right})"
        return left

    def unary(self) -> str:
        if self.take("!") is not None:
            return f"(not {self.unary()})"
        if self.take("-") is not None:
            return f"(-{self.unary()})"
        token = self.peek()
        if token is not None and token.kind == "name" and token.text == "empty":
            self.pos += 1
            operand = self.unary()
            return f"({operand} in (None, '', [], {{}}))"
        return self.value()

    def value(self) -> str:
        result = self.primary()
        while True:
            if self.take(".") is not None:
                token = self.peek()
                if token is None or token.kind != "name":
                    raise self.refuse("a property name must follow '.'")
                self.pos += 1
                if self.take("(") is not None:
                    raise self.refuse(
                        f"'{token.text}(…)' calls a method on a Java object, which only Camunda's engine can do: "
                        "compute the value in a form, a decision table or a service operation instead"
                    )
                result = f"{result}[{token.text!r}]"
            elif self.take("[") is not None:
                index = self.ternary()
                self.expect("]")
                result = f"{result}[{index}]"
            else:
                return result

    def primary(self) -> str:
        token = self.peek()
        if token is None:
            raise self.refuse("the expression ends too early")
        self.pos += 1
        if token.kind == "number":
            return token.text
        if token.kind == "string":
            return repr(_unquote(token.text))
        if token.kind == "op" and token.text == "(":
            inner = self.ternary()
            self.expect(")")
            return f"({inner})"
        if token.kind != "name":
            raise self.refuse(f"unexpected '{token.text}'")
        if token.text in _LITERALS:
            return _LITERALS[token.text]
        if token.text in _ENGINE_OBJECTS:
            raise self.refuse(
                f"'{token.text}' is Camunda's Java engine object, which does not exist here: "
                "read process variables by their names instead"
            )
        if self.peek() == _Token("op", "("):
            raise self.refuse(f"'{token.text}(…)' calls a function, which Camunda expressions here cannot do")
        if token.text == "instanceof" or keyword.iskeyword(token.text) or token.text.startswith(("_", "$")):
            raise self.refuse(f"the name '{token.text}' cannot be used as a variable here")
        return token.text


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _split(text: str) -> list[tuple[bool, str]]:
    """Literal text and `${…}` parts in order; braces inside quoted strings do not close a part."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    while True:
        match = _EMBEDDED.search(text, pos)
        if match is None:
            if text[pos:]:
                parts.append((False, text[pos:]))
            return parts
        if match.start() > pos:
            parts.append((False, text[pos : match.start()]))
        end, quote = match.end(), None
        while end < len(text):
            char = text[end]
            if quote:
                if char == "\\":
                    end += 1
                elif char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char == "}":
                break
            end += 1
        if end >= len(text):
            raise JuelRefused(text, "an expression opened with '${' is never closed with '}'")
        parts.append((True, text[match.end() : end]))
        pos = end + 1


def to_python(text: str) -> str:
    """The Python expression that computes what Camunda would compute for `text`.

    A lone `${…}` keeps its value's type; text mixed with expressions becomes a string,
    as in Camunda. Raises JuelRefused for anything outside the supported subset.
    """
    stripped = text.strip()
    parts = _split(stripped)
    if len(parts) == 1 and parts[0][0]:
        return _Translator(parts[0][1], text).translate()
    pieces = [
        f"str({_Translator(body, text).translate()})" if is_expression else repr(body) for is_expression, body in parts
    ]
    return " + ".join(pieces) or "''"


def refusal(text: str) -> str | None:
    """Why `text` cannot be translated, or None."""
    try:
        to_python(text)
    except JuelRefused as err:
        return err.reason
    return None
