"""Camunda's typed variables (`{"amount": {"value": 5, "type": "Long"}}`) to plain values and back."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..services.common.errors import ValidationFailed

_NUMBERS = {"Integer": int, "Long": int, "Short": int, "Double": float}


def _plain(name: str, typed: Any) -> Any:
    if not isinstance(typed, dict):
        raise ValidationFailed({name: ["a variable is an object with 'value' and 'type'"]})
    value, kind = typed.get("value"), typed.get("type") or ""
    if value is None or kind == "Null":
        return None
    try:
        if kind in _NUMBERS:
            return _NUMBERS[kind](value)
        if kind == "Boolean":
            if not isinstance(value, bool):
                raise ValueError
            return value
        if kind == "Json" and isinstance(value, str):
            return json.loads(value)
        if kind == "Date":
            return datetime.fromisoformat(str(value).replace("Z", "+00:00")).isoformat()
    except (TypeError, ValueError) as err:
        raise ValidationFailed({name: [f"the value is not of type {kind}"]}) from err
    if kind in ("", "String", "Object", "Json") or kind not in ("Bytes", "File"):
        return value
    raise ValidationFailed({name: [f"variables of type {kind} are not supported here"]})


def plain(typed: Any) -> dict[str, Any]:
    """Typed variables from a request as plain values; a malformed one is refused by name."""
    if typed is None:
        return {}
    if not isinstance(typed, dict):
        raise ValidationFailed({"variables": ["must be an object of variables"]})
    return {str(name): _plain(str(name), value) for name, value in typed.items()}


def _type_of(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer" if -(2**31) <= value < 2**31 else "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    return "Json"


def typed(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Plain values as Camunda writes them back; lists and objects travel as JSON text."""
    result = {}
    for name, value in values.items():
        kind = _type_of(value)
        result[name] = {
            "value": json.dumps(value, ensure_ascii=False) if kind == "Json" else value,
            "type": kind,
            "valueInfo": {},
        }
    return result
