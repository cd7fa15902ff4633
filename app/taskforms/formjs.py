"""Forms drawn in the form designer (bpmn.io form-js schema, also Camunda's `.form` files), compiled
into the same FormDef the JSON forms in forms/ compile to.

Both formats are kept rather than converting one into the other: the JSON forms carry rules the
designer has no place for (a cap read from the process, "not in the future", prefill, bulk decisions),
and a designed form must stay openable in the designer exactly as it was saved. Compiling both into
one FormDef means one renderer (the server-rendered page, which works on a phone and without
script) and one validator for the page, the API and every other caller.

Only what the server can check is accepted; a component it cannot check is refused with its key and
the reason, never silently passed through. Display-only components (text, separators, buttons) are
allowed and ignored.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from .conditions import ConditionError, fields_of, parse_condition
from .definitions import _RESERVED, FieldDef, FormDef, FormDefinitionError, _check_default, parse_definition

DISPLAY_ONLY = {"text", "spacer", "separator", "button", "image", "html", "expression", "table", "iframe"}
GROUPS = {"group"}
MAX_PATTERN_LENGTH = 300
MAX_ROWS_COLUMNS = 20
MONEY_MARKS = ("¥", "￥", "CNY", "元", "RMB")
# Camunda forms name fields in camelCase (loanAmount), as their diagrams name variables.
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def is_designed(raw: Any) -> bool:
    """Whether a definition is a form designer schema (it lists `components`)."""
    return isinstance(raw, dict) and "components" in raw


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _texts(zh: Any, en: Any, fallback: str) -> dict[str, str]:
    """The designer holds one label; its English twin lives in the component's custom properties."""
    chinese = _text(zh)
    english = _text(en)
    return {"zh_CN": chinese or english or fallback, "en": english or chinese or fallback}


def _properties(key: str, component: dict[str, Any], where: str) -> dict[str, str]:
    props = component.get("properties") or {}
    if not isinstance(props, dict) or not all(isinstance(v, str) for v in props.values()):
        raise FormDefinitionError(key, f"{where}: custom properties must be texts")
    return props


def _name(key: str, component: dict[str, Any], attr: str = "key") -> str:
    name = component.get(attr)
    if not isinstance(name, str) or not _KEY.match(name):
        raise FormDefinitionError(
            key,
            f"field key {name!r} ({component.get('label') or component.get('type')}) must be letters, "
            "digits and _, starting with a letter",
        )
    if keyword.iskeyword(name) or name in _RESERVED:
        raise FormDefinitionError(key, f"field key '{name}' is reserved")
    return name


def _choices(key: str, name: str, component: dict[str, Any], props: dict[str, str]) -> tuple:
    if component.get("valuesKey") or component.get("valuesExpression"):
        raise FormDefinitionError(key, f"field '{name}': choices must be listed in the form (static options)")
    values = component.get("values")
    if not isinstance(values, list) or not values:
        raise FormDefinitionError(key, f"field '{name}' has no options")
    choices: list[tuple[str, dict[str, str]]] = []
    for item in values:
        value = item.get("value") if isinstance(item, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            raise FormDefinitionError(key, f"field '{name}': every option needs a non-empty value")
        if any(value == v for v, _ in choices):
            raise FormDefinitionError(key, f"field '{name}': option '{value}' is listed twice")
        choices.append((value, _texts(item.get("label"), props.get(f"label_en.{value}"), value)))
    return tuple(choices)


def _number_bound(key: str, name: str, value: Any, whole: bool) -> int | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormDefinitionError(key, f"field '{name}': min and max must be numbers")
    if whole and not float(value).is_integer():
        raise FormDefinitionError(key, f"field '{name}': min and max of a whole number must be whole")
    return int(value) if whole else value


def _hide_if(key: str, name: str, component: dict[str, Any]) -> tuple[tuple | None, str | None]:
    conditional = component.get("conditional")
    if not conditional:
        return None, None
    text = conditional.get("hide") if isinstance(conditional, dict) else None
    if not isinstance(text, str) or not text.strip():
        return None, None
    try:
        return parse_condition(text), text.strip()
    except ConditionError as err:
        raise FormDefinitionError(key, f"field '{name}': the condition that hides it cannot be used: {err}") from err


def _pattern(key: str, name: str, validate: dict[str, Any]) -> str | None:
    pattern = validate.get("pattern")
    kind = validate.get("validationType")
    if kind == "email":
        pattern = r"[^@\s]+@[^@\s]+\.[^@\s]+"
    elif kind == "phone":
        pattern = r"\+?[0-9][0-9 \-]{5,19}"
    elif kind not in (None, "", "custom"):
        raise FormDefinitionError(key, f"field '{name}': validation type '{kind}' is not known here")
    if pattern in (None, ""):
        return None
    if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN_LENGTH:
        raise FormDefinitionError(key, f"field '{name}': a pattern is at most {MAX_PATTERN_LENGTH} characters")
    try:
        re.compile(pattern)
    except re.error as err:
        raise FormDefinitionError(key, f"field '{name}': the pattern is not a valid regular expression: {err}") from err
    return pattern


def _field(key: str, component: dict[str, Any], section: dict[str, str] | None, in_rows: bool) -> FieldDef:
    kind = component.get("type")
    name = _name(key, component, "path" if kind == "dynamiclist" else "key")
    props = _properties(key, component, f"field '{name}'")
    validate = component.get("validate") or {}
    if not isinstance(validate, dict):
        raise FormDefinitionError(key, f"field '{name}': validate must be an object")
    settings: dict[str, Any] = {
        "name": name,
        "label": _texts(component.get("label"), props.get("label_en"), name),
        "required": bool(validate.get("required", False)),
        "readonly": bool(component.get("readonly") or component.get("disabled")),
        "section": section,
    }
    description = component.get("description")
    if _text(description) or props.get("description_en"):
        settings["help"] = _texts(description, props.get("description_en"), "")
    if settings["readonly"]:
        settings["required"] = False
    hide_if, hide_text = _hide_if(key, name, component)
    settings.update(hide_if=hide_if, hide_text=hide_text)
    if kind in ("textfield", "textarea"):
        settings["type"] = "string" if kind == "textfield" else "text"
        for attr, setting in (("minLength", "min_length"), ("maxLength", "max_length")):
            value = validate.get(attr)
            if value not in (None, ""):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise FormDefinitionError(key, f"field '{name}': {attr} must be a whole number")
                settings[setting] = value or None
        settings["pattern"] = _pattern(key, name, validate)
        if settings["pattern"] and props.get("pattern_message"):
            settings["pattern_message"] = _texts(props["pattern_message"], props.get("pattern_message_en"), "")
    elif kind == "number":
        digits = component.get("decimalDigits")
        adorners = " ".join(str(v) for v in (component.get("appearance") or {}).values())
        money = props.get("money") in ("true", "1", "yes") or any(mark in adorners for mark in MONEY_MARKS)
        whole = digits == 0 and not money
        settings["type"] = "integer" if whole else "decimal"
        settings["money"] = money
        settings["min"] = _number_bound(key, name, validate.get("min"), whole)
        settings["max"] = _number_bound(key, name, validate.get("max"), whole)
        if settings["min"] is not None and settings["max"] is not None and settings["min"] > settings["max"]:
            raise FormDefinitionError(key, f"field '{name}': min is greater than max")
    elif kind == "datetime":
        subtype = component.get("subtype", "date")
        if subtype not in ("date", "datetime"):
            raise FormDefinitionError(key, f"field '{name}': only a date or a date and time can be asked for")
        settings["type"] = subtype
    elif kind in ("select", "radio"):
        settings["type"] = "choice"
        settings["choices"] = _choices(key, name, component, props)
    elif kind in ("checklist", "taglist"):
        settings["type"] = "multichoice"
        settings["choices"] = _choices(key, name, component, props)
    elif kind == "checkbox":
        settings["type"] = "boolean"
    elif kind == "filepicker":
        if in_rows:
            raise FormDefinitionError(key, f"field '{name}': a file cannot be asked for inside table rows")
        settings["type"] = "file"
        settings["max_files"] = None if component.get("multiple") else 1
    elif kind == "dynamiclist":
        if in_rows:
            raise FormDefinitionError(key, f"field '{name}': table rows cannot hold further table rows")
        settings["type"] = "rows"
        columns = tuple(_components(key, component.get("components"), None, in_rows=True))
        if not columns or len(columns) > MAX_ROWS_COLUMNS:
            raise FormDefinitionError(key, f"field '{name}': table rows need 1 to {MAX_ROWS_COLUMNS} fields")
        settings["columns"] = columns
    else:
        raise FormDefinitionError(key, f"field '{name}': the component type '{kind}' cannot be used here")
    default = component.get("defaultValue")
    field = FieldDef(**settings)
    if default not in (None, "", []) and field.type not in ("file", "rows"):
        if field.type == "decimal" and isinstance(default, int):
            default = float(default)
        field = FieldDef(**{**settings, "default": default})
        _check_default(key, field)
    return field


def _components(key: str, raw: Any, section: dict[str, str] | None, in_rows: bool = False) -> list[FieldDef]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FormDefinitionError(key, "components must be a list")
    fields: list[FieldDef] = []
    pending = section
    for component in raw:
        if not isinstance(component, dict):
            raise FormDefinitionError(key, "every component must be an object")
        kind = component.get("type")
        if kind in DISPLAY_ONLY:
            continue
        if kind in GROUPS:
            if in_rows:
                raise FormDefinitionError(key, "a section cannot sit inside table rows")
            props = _properties(key, component, "a section")
            heading = _texts(component.get("label"), props.get("label_en"), key)
            inner = _components(key, component.get("components"), heading)
            fields.extend(inner)
            pending = None
            continue
        fields.append(_field(key, component, pending, in_rows))
        pending = None
    return fields


def compile_designed(key: str, raw: dict[str, Any]) -> FormDef:
    """A form designer schema as a FormDef; FormDefinitionError names the component at fault."""
    if raw.get("type", "default") != "default":
        raise FormDefinitionError(key, "the schema's type must be 'default'")
    declared = raw.get("id")
    if declared not in (None, "", key):
        raise FormDefinitionError(key, f"the form declares id '{declared}'; it must be '{key}'")
    fields = _components(key, raw.get("components"), None)
    if not fields:
        raise FormDefinitionError(key, "a form needs at least one field")
    names = [f.name for f in fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FormDefinitionError(key, f"duplicate field keys: {', '.join(duplicates)}")
    for field in fields:
        if field.hide_if is not None:
            unknown = sorted(fields_of(field.hide_if) - set(names))
            if field.name in fields_of(field.hide_if):
                raise FormDefinitionError(key, f"field '{field.name}' is hidden by a condition on itself")
            if unknown and not all(_KEY.match(u) for u in unknown):
                raise FormDefinitionError(key, f"field '{field.name}': its condition names {', '.join(unknown)}")
    title = raw.get("title")
    if isinstance(title, dict):
        title_texts = _texts(title.get("zh_CN"), title.get("en"), key)
    else:
        title_texts = _texts(title, raw.get("title_en"), key)
    return FormDef(key=key, title=title_texts, fields=tuple(fields))


def parse_form(key: str, raw: Any, resolve: Any = None) -> FormDef:
    """Either format: a designer schema, or a JSON form as in forms/ (which may extend another form)."""
    if is_designed(raw):
        return compile_designed(key, raw)
    return parse_definition(key, raw, resolve)
