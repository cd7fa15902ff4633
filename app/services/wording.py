"""Sentences for people: translated when a person's request asked, plain English elsewhere (CLI, API)."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def say(message: str, **params: object) -> str:
    if has_request_context():
        return gettext(message, **params)
    return message % params if params else message
