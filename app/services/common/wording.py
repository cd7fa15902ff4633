"""Sentences for people: translated when a person's request asked, plain English elsewhere (CLI, API)."""

from __future__ import annotations

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
