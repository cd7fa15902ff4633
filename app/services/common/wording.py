"""Sentences for people: translated when a person's request asked, plain English elsewhere (CLI, API)."""

from __future__ import annotations

import re
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from lxml import etree

from ...engine import DiagramError, XmlRefused, parse_xml

# The engine's reasons for refusing an upload unread, as people read them.
_REFUSALS = {
    "too_large": _l("%(file)s is larger than %(kb)s KB"),
    "doctype": _l("%(file)s contains a DOCTYPE or entity declaration, which is not allowed"),
    "not_well_formed": _l("%(file)s is not well-formed XML: %(detail)s"),
}


def say(message: str, **params: object) -> str:
    if has_request_context():
        return gettext(message, **params)
    return message % params if params else message


def refusal_words(err: XmlRefused) -> str:
    return str(_REFUSALS[err.reason]) % err.params


def parsed(content: bytes | str, filename: str = "upload") -> etree._Element:
    """An uploaded document parsed safely; a refusal is worded in the reader's language."""
    try:
        return parse_xml(content, filename)
    except XmlRefused as err:
        raise DiagramError([(None, refusal_words(err))]) from err


def english_beside(data: dict[str, object], key: str) -> str | None:
    """The English a decision table wrote beside a Chinese text output (`<name>_en`), if any.

    A rejection reason copied from the policy reason (the diagram's script does that) takes the policy
    reason's English; a reason a person typed has none.
    """
    english = data.get(f"{key}_en")
    if isinstance(english, str) and english:
        return english
    if key == "rejection_reason" and data.get(key) and data.get(key) == data.get("policy_reason"):
        return english_beside(data, "policy_reason")
    return None


# The expression checker's reasons (the restricted compiler's, and the engine's own) as people read them.
_ENGINE_REASONS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"Line (?P<line>\d+): SyntaxError: .*? at statement: (?P<text>.*)", re.S),
        _l("line %(line)s: this is not a valid expression: %(text)s"),
    ),
    (
        re.compile(r'Line (?P<line>\d+): "(?P<name>[^"]+)" is an invalid attribute name because it starts with "_"\.?'),
        _l("line %(line)s: the attribute %(name)s starts with “_”, which is not allowed"),
    ),
    (
        re.compile(r'Line (?P<line>\d+): "(?P<name>[^"]+)" is an invalid variable name because it starts with "_"\.?'),
        _l("line %(line)s: the name %(name)s starts with “_”, which is not allowed"),
    ),
    (re.compile(r"imports are not allowed in a diagram"), _l("imports are not allowed in a diagram")),
    (
        re.compile(r"while loops are not allowed in a diagram.*", re.S),
        _l("while loops are not allowed in a diagram (model the loop in BPMN, or use a for loop)"),
    ),
    (
        re.compile(r"a number of more than (?P<bits>\d+) bits would be built"),
        _l("a number of more than %(bits)s bits would be built"),
    ),
)


def engine_reason(reason: str) -> str:
    """An expression checker's reason in the reader's language; several reasons are joined by "; "."""
    said = []
    for part in reason.split("; "):
        for pattern, words in _ENGINE_REASONS:
            found = pattern.fullmatch(part.strip())
            if found:
                said.append(str(words) % found.groupdict() if found.groupdict() else str(words))
                break
        else:
            said.append(part)
    return "; ".join(said)
