"""The API's field types. Each refuses bad input with a message in the reader's language, and
`CompanyTime` is the one place where an instant is written for the API: company time, with its offset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apiflask.fields import File
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from ..clock import to_company_iso

# Semantic checks (required, lengths, allowed values) stay with the services, which word them for
# each field; these types only refuse a value of the wrong kind before a service sees it. Null is
# let through for the same reason: a service refuses a missing value in its own words.
_COMMON = {"null": _l("must not be null"), "required": _l("is required"), "validator_failed": _l("is not valid")}


class Text(fields.String):
    default_error_messages = {**_COMMON, "invalid": _l("must be text"), "invalid_utf8": _l("must be text")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)


class Whole(fields.Integer):
    default_error_messages = {**_COMMON, "invalid": _l("must be a whole number"), "too_large": _l("is too large")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        super().__init__(strict=True, **kwargs)


class Object(fields.Dict):
    default_error_messages = {**_COMMON, "invalid": _l("must be an object")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)


class ListOf(fields.List):
    default_error_messages = {**_COMMON, "invalid": _l("must be a list")}

    def __init__(self, item: fields.Field, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        super().__init__(item, **kwargs)


class CompanyTime(fields.DateTime):
    """An instant as the API answers it: ISO 8601 in company time with its offset (+08:00).

    Stored instants may be aware, naive UTC (SQLite) or already ISO text (kept inside JSON columns);
    all leave the API the same way, so no serializer has to remember the rule."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return to_company_iso(value)


class Upload(File):
    default_error_messages = {**_COMMON, "invalid": _l("must be a file")}
