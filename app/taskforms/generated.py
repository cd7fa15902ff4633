"""Camunda's generated task forms (`camunda:formData`) compiled into this product's form shape.

The fields keep the diagram's variable names (`loanAmount`), so the form fills the very
variables the diagram reads; their types and constraints become the same rules the forms of
`forms/` use, on the page and through the API alike.
"""

from __future__ import annotations

import builtins
import keyword
import re
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm

from .definitions import FieldDef, FormDef, FormDefinitionError, _check_default

TYPES = {"string": "string", "long": "integer", "boolean": "boolean", "date": "date", "enum": "choice"}
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_RESERVED = {n for n in dir(builtins) if n.islower()} | {n for n in dir(FlaskForm) if n.islower()} | {"csrf_token"}
_KNOWN_CONSTRAINTS = ("required", "readonly", "minlength", "maxlength", "min", "max")


def _number(key: str, name: str, constraint: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise FormDefinitionError(
            key, f"field '{name}': constraint {constraint} needs a whole number, not '{text[:40]}'"
        ) from None


def _flag(constraints: dict[str, str], name: str) -> bool:
    return name in constraints and constraints[name].lower() not in ("false", "0", "no")


def _default(key: str, name: str, kind: str, text: str | None) -> Any:
    """A `defaultValue` as the field holds it; an expression default is left to the process data."""
    if text is None or text.strip() == "" or "${" in text or "#{" in text:
        return None
    text = text.strip()
    if kind == "integer":
        return _number(key, name, "defaultValue", text)
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "date":
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):  # ISO, or Camunda's own dd/MM/yyyy
            try:
                return datetime.strptime(text, pattern).date().isoformat()
            except ValueError:
                continue
        raise FormDefinitionError(key, f"field '{name}': default '{text}' is not a date (yyyy-MM-dd or dd/MM/yyyy)")
    return text


def _field(key: str, raw: dict[str, Any]) -> FieldDef:
    name = str(raw.get("id") or "")
    if not _VARIABLE.match(name) or keyword.iskeyword(name) or name in _RESERVED:
        raise FormDefinitionError(
            key, f"form field id '{name[:60]}' must be a variable name (letters, digits, _) that is not reserved"
        )
    camunda_type = str(raw.get("type") or "string")
    kind = TYPES.get(camunda_type)
    if kind is None:
        raise FormDefinitionError(
            key, f"field '{name}' has type '{camunda_type[:40]}'; generated forms here take {', '.join(TYPES)}"
        )
    constraints: dict[str, str] = dict(raw.get("constraints") or {})
    unknown = sorted(set(constraints) - set(_KNOWN_CONSTRAINTS))
    if unknown:
        raise FormDefinitionError(
            key,
            f"field '{name}': constraint {', '.join(unknown)} cannot be checked here "
            f"({', '.join(_KNOWN_CONSTRAINTS)} can)",
        )
    bounds = {
        c: _number(key, name, c, constraints[c]) for c in ("minlength", "maxlength", "min", "max") if c in constraints
    }
    if {"min", "max"} & set(bounds) and kind != "integer":
        raise FormDefinitionError(key, f"field '{name}': min and max apply to a long field")
    if {"minlength", "maxlength"} & set(bounds) and kind != "string":
        raise FormDefinitionError(key, f"field '{name}': minlength and maxlength apply to a string field")
    if any(bounds.get(c, 1) < 1 for c in ("minlength", "maxlength")):
        raise FormDefinitionError(key, f"field '{name}': minlength and maxlength must be at least 1")
    for low, high in (("min", "max"), ("minlength", "maxlength")):
        if low in bounds and high in bounds and bounds[low] > bounds[high]:
            raise FormDefinitionError(key, f"field '{name}': {low} is greater than {high}")
    choices = tuple((str(v["id"]), {"zh_CN": str(v["name"]), "en": str(v["name"])}) for v in raw.get("values") or [])
    if kind == "choice" and (not choices or any(not value for value, _ in choices)):
        raise FormDefinitionError(key, f"enum field '{name}' needs values, each with an id")
    readonly = _flag(constraints, "readonly")
    label = str(raw.get("label") or name)
    field = FieldDef(
        name=name,
        type=kind,
        label={"zh_CN": label, "en": label},
        required=_flag(constraints, "required") and not readonly,
        choices=choices,
        min=bounds.get("min"),
        max=bounds.get("max"),
        max_length=bounds.get("maxlength"),
        min_length=bounds.get("minlength"),
        default=_default(key, name, kind, raw.get("default")),
        readonly=readonly,
    )
    if field.default is not None:
        _check_default(key, field)
    return field


def generated_form(key: str, title: str, fields: list[dict[str, Any]]) -> FormDef:
    """The form a `camunda:formData` describes; FormDefinitionError names what cannot be built."""
    built = tuple(_field(key, raw) for raw in fields)
    if not built:
        raise FormDefinitionError(key, "camunda:formData has no form fields")
    names = [f.name for f in built]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FormDefinitionError(key, f"duplicate field ids: {', '.join(duplicates)}")
    return FormDef(key=key, title={"zh_CN": title, "en": title}, fields=built)
