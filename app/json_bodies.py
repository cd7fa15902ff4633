"""JSON request bodies with a bound on nesting, checked before the parser recurses into them.

Python's parser recurses once per level, so a body nested tens of thousands of levels deep ends in
a RecursionError (a 500) on every JSON endpoint. No body this app reads nests more than a few levels.
"""

from __future__ import annotations

import re
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from werkzeug.exceptions import BadRequest

MAX_JSON_DEPTH = 64
# Strings may hold any bracket; they are taken out before the brackets are counted.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def nesting_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    depth = 0
    for char in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        depth += 1 if char in "[{" else -1
        if depth > limit:
            return True
    return False


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8", errors="replace") if isinstance(s, bytes | bytearray) else s
        if nesting_depth_exceeds(text):
            raise BadRequest(gettext("the JSON body nests deeper than %(levels)s levels", levels=MAX_JSON_DEPTH))
        return super().loads(s, **kwargs)
