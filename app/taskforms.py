"""Declarative task forms: `forms/<key>.json` compiled into WTForms.

A process owner describes a form once (fields, types, required, choices, limits, both
languages); the HTML page and the JSON API validate with the very same WTForms
fields, so a value refused on one is refused on the other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    Form,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

FIELD_TYPES = ("string", "text", "integer", "decimal", "boolean", "choice", "multichoice", "date")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KEYS = {
    "name",
    "type",
    "label",
    "help",
    "required",
    "choices",
    "min",
    "max",
    "max_length",
    "default",
    "required_if",
    "max_from",
    "readonly",
}

MESSAGES = {
    "required": {"zh_CN": "此项必填", "en": "This field is required."},
    "number": {"zh_CN": "请输入数字", "en": "Not a valid number."},
    "integer": {"zh_CN": "请输入整数", "en": "Not a valid whole number."},
    "min": {"zh_CN": "不能小于 {limit}", "en": "Must be at least {limit}."},
    "max": {"zh_CN": "不能大于 {limit}", "en": "Must be at most {limit}."},
    "cap": {"zh_CN": "不能超过上限 {name} = {limit}", "en": "Must not exceed the cap {name} = {limit}."},
    "choice": {"zh_CN": "不是有效选项：{value}", "en": "Not a valid choice: {value}."},
    "length": {"zh_CN": "最多 {limit} 个字符", "en": "At most {limit} characters."},
    "unknown": {"zh_CN": "未知字段", "en": "Unknown field."},
    "date": {"zh_CN": "日期格式应为 YYYY-MM-DD", "en": "Not a valid date (YYYY-MM-DD)."},
    "boolean": {"zh_CN": "应为 true 或 false", "en": "Must be true or false."},
    "list": {"zh_CN": "应为选项列表", "en": "Must be a list of choices."},
    "text": {"zh_CN": "应为文本", "en": "Must be text."},
}


def _msg(key: str, locale: str, **values: Any) -> str:
    texts = MESSAGES[key]
    return texts.get(locale, texts["en"]).format(**values)


class FormDefinitionError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"form '{key}': {message}")
        self.key = key
        self.message = message


class FormNotFound(FormDefinitionError):
    pass


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: dict[str, str]
    required: bool = False
    choices: tuple[tuple[str, dict[str, str]], ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    default: Any = None
    required_if: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_from: str | None = None
    readonly: bool = False
    help: dict[str, str] | None = None


@dataclass(frozen=True)
class FormDef:
    key: str
    title: dict[str, str]
    fields: tuple[FieldDef, ...]
    prefill: bool = False

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)


def _texts(key: str, value: Any, what: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"zh_CN": value, "en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise FormDefinitionError(key, f"{what} must be a text or {{zh_CN, en}}")
    return dict(value)


def _field_def(key: str, raw: Any) -> FieldDef:
    if not isinstance(raw, dict):
        raise FormDefinitionError(key, "every field must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise FormDefinitionError(key, f"field name {name!r} must be lower-case letters, digits and _")
    unknown = set(raw) - _KEYS
    if unknown:
        raise FormDefinitionError(key, f"field '{name}' has unknown settings: {', '.join(sorted(unknown))}")
    kind = raw.get("type", "string")
    if kind not in FIELD_TYPES:
        raise FormDefinitionError(
            key, f"field '{name}' has unknown type '{kind}' (use one of {', '.join(FIELD_TYPES)})"
        )
    choices: list[tuple[str, dict[str, str]]] = []
    if kind in ("choice", "multichoice"):
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or not raw_choices:
            raise FormDefinitionError(key, f"field '{name}' is a {kind} field without choices")
        for choice in raw_choices:
            if not isinstance(choice, dict) or not isinstance(choice.get("value"), str):
                raise FormDefinitionError(key, f"field '{name}': every choice needs a text value")
            choices.append((choice["value"], _texts(key, choice.get("label", choice["value"]), "a choice label")))
    required_if = raw.get("required_if") or {}
    if not isinstance(required_if, dict):
        raise FormDefinitionError(key, f"field '{name}': required_if must map a field to its values")
    for number in ("min", "max"):
        if raw.get(number) is not None and not isinstance(raw[number], int | float):
            raise FormDefinitionError(key, f"field '{name}': {number} must be a number")
    return FieldDef(
        name=name,
        type=kind,
        label=_texts(key, raw.get("label", name), "a label"),
        required=bool(raw.get("required", False)),
        choices=tuple(choices),
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=raw.get("max_length"),
        default=raw.get("default"),
        required_if=tuple((other, tuple(values)) for other, values in required_if.items()),
        max_from=raw.get("max_from"),
        readonly=bool(raw.get("readonly", False)),
        help=_texts(key, raw["help"], "help") if raw.get("help") else None,
    )


def parse_definition(key: str, raw: Any, resolve: Any = None) -> FormDef:
    if not isinstance(raw, dict):
        raise FormDefinitionError(key, "a form definition must be a JSON object")
    fields: list[FieldDef] = []
    if raw.get("extends"):
        if resolve is None:
            raise FormDefinitionError(key, "extends needs a registry")
        fields.extend(resolve(raw["extends"]).fields)
    raw_fields = raw.get("fields", [])
    if not isinstance(raw_fields, list):
        raise FormDefinitionError(key, "fields must be a list")
    fields.extend(_field_def(key, f) for f in raw_fields)
    names = [f.name for f in fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FormDefinitionError(key, f"duplicate field names: {', '.join(duplicates)}")
    for field in fields:
        for other, _ in field.required_if:
            if other not in names:
                raise FormDefinitionError(key, f"field '{field.name}' depends on unknown field '{other}'")
    if not fields:
        raise FormDefinitionError(key, "a form needs at least one field")
    return FormDef(
        key=key,
        title=_texts(key, raw.get("title", key), "title"),
        fields=tuple(fields),
        prefill=bool(raw.get("prefill", False)),
    )


class FormRegistry:
    """The forms in a folder, re-read when a file changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._cache: dict[str, tuple[float, FormDef]] = {}

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.json"))

    def get(self, key: str) -> FormDef:
        if not _NAME.match(key):
            raise FormNotFound(key, "no such form")
        path = self.directory / f"{key}.json"
        if not path.exists():
            raise FormNotFound(key, "no such form")
        mtime = path.stat().st_mtime
        cached = self._cache.get(key)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise FormDefinitionError(key, f"not valid JSON: {err}") from err
        form = parse_definition(key, raw, resolve=self.get)
        self._cache[key] = (mtime, form)
        return form


def _text(texts: Mapping[str, str] | None, locale: str, fallback: str = "") -> str:
    if not texts:
        return fallback
    return texts.get(locale) or texts.get("en") or fallback


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _make_validator(fdef: FieldDef, context: Mapping[str, Any], locale: str) -> Any:
    def check(form: Form, field: Field) -> None:
        value = field.data
        needed = fdef.required or any(str(getattr(form, other).data) in values for other, values in fdef.required_if)
        if fdef.type == "boolean":
            return
        if _is_empty(value) or (fdef.type in ("string", "text") and not str(value).strip()):
            typed = [v for v in (field.raw_data or []) if str(v).strip()]
            if typed and field.errors:
                return  # something was typed and could not be read: that message stands
            field.errors[:] = []  # "not a number" for an empty box is noise: say "required" or nothing
            if needed:
                raise ValidationError(_msg("required", locale))
            return
        if fdef.type in ("integer", "decimal"):
            if fdef.min is not None and value < Decimal(str(fdef.min)):
                raise ValidationError(_msg("min", locale, limit=fdef.min))
            if fdef.max is not None and value > Decimal(str(fdef.max)):
                raise ValidationError(_msg("max", locale, limit=fdef.max))
            cap = context.get(fdef.max_from) if fdef.max_from else None
            if cap is not None and value > Decimal(str(cap)):
                raise ValidationError(_msg("cap", locale, name=fdef.max_from, limit=cap))
        if fdef.max_length is not None and len(str(value)) > fdef.max_length:
            raise ValidationError(_msg("length", locale, limit=fdef.max_length))
        allowed = {v for v, _ in fdef.choices}
        if fdef.type == "choice" and value not in allowed:
            raise ValidationError(_msg("choice", locale, value=value))
        if fdef.type == "multichoice":
            bad = [v for v in value if v not in allowed]
            if bad:
                raise ValidationError(_msg("choice", locale, value=", ".join(bad)))

    return check


class _LenientSelect(SelectField):
    """Leaves choice checking to our validator, so its message names the bad value."""

    def pre_validate(self, form: Form) -> None:
        pass


class _LenientMultiSelect(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Form) -> None:
        pass


class _Decimal(DecimalField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and str(valuelist[0]).strip() == "":
            self.data = None
            return
        super().process_formdata(valuelist)
        if valuelist and isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


def _wtforms_field(fdef: FieldDef, context: Mapping[str, Any], locale: str) -> Field:
    label = _text(fdef.label, locale, fdef.name)
    kwargs: dict[str, Any] = {
        "label": label,
        "validators": [_make_validator(fdef, context, locale)],
        "description": _text(fdef.help, locale),
        "default": fdef.default,
        "render_kw": {"readonly": True, "disabled": True} if fdef.readonly else None,
    }
    choices = [SelectChoice(v, _text(lbl, locale, v)) for v, lbl in fdef.choices]
    if fdef.type == "string":
        return StringField(**kwargs)
    if fdef.type == "text":
        return TextAreaField(**kwargs)
    if fdef.type == "integer":
        return IntegerField(**kwargs)
    if fdef.type == "decimal":
        return _Decimal(places=2, **kwargs)
    if fdef.type == "boolean":
        return BooleanField(**kwargs)
    if fdef.type == "choice":
        return _LenientSelect(choices=[SelectChoice("", "—"), *choices], **kwargs)
    if fdef.type == "multichoice":
        return _LenientMultiSelect(choices=choices, **kwargs)
    return DateField(**kwargs)


def _form_class(base: type, form_def: FormDef, context: Mapping[str, Any] | None, locale: str) -> type:
    attrs = {f.name: _wtforms_field(f, context or {}, locale) for f in form_def.fields if not f.readonly}
    return type(f"{form_def.key.title().replace('_', '')}Form", (base,), attrs)


def build_form_class(form_def: FormDef, context: Mapping[str, Any] | None = None, locale: str = "zh_CN") -> type:
    """A FlaskForm (with CSRF) for the HTML page."""
    return _form_class(FlaskForm, form_def, context, locale)


def _clean_value(fdef: FieldDef, value: Any) -> Any:
    if value is None or value == "":
        return None if fdef.type != "multichoice" else []
    if fdef.type == "decimal":
        return float(Decimal(value).quantize(Decimal("0.01")))
    if fdef.type == "integer":
        return int(value)
    if fdef.type == "boolean":
        return bool(value)
    if fdef.type == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if fdef.type == "multichoice":
        return [str(v) for v in value]
    return str(value).strip() if fdef.type in ("string", "text") else str(value)


def form_to_data(form: Form, form_def: FormDef) -> dict[str, Any]:
    """Clean data from a validated form: the same shapes as `validate_data` returns."""
    return {f.name: _clean_value(f, getattr(form, f.name).data) for f in form_def.fields if not f.readonly}


def _to_formdata(form_def: FormDef, data: Mapping[str, Any], locale: str) -> tuple[MultiDict, dict[str, list[str]]]:
    """Turn a JSON object into form data, refusing JSON types that a field cannot hold."""
    pairs: list[tuple[str, str]] = []
    errors: dict[str, list[str]] = {}
    for fdef in form_def.fields:
        if fdef.readonly or fdef.name not in data or data[fdef.name] is None:
            continue
        value = data[fdef.name]
        if fdef.type == "boolean":
            if not isinstance(value, bool):
                errors[fdef.name] = [_msg("boolean", locale)]
            elif value:
                pairs.append((fdef.name, "y"))
        elif fdef.type == "multichoice":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[fdef.name] = [_msg("list", locale)]
            else:
                pairs.extend((fdef.name, v) for v in value)
        elif fdef.type in ("integer", "decimal"):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                errors[fdef.name] = [_msg("number", locale)]
            elif fdef.type == "integer" and isinstance(value, float) and not value.is_integer():
                errors[fdef.name] = [_msg("integer", locale)]
            else:
                pairs.append(
                    (fdef.name, str(int(value)) if isinstance(value, float) and fdef.type == "integer" else str(value))
                )
        elif not isinstance(value, str):
            errors[fdef.name] = [_msg("text", locale)]
        else:
            pairs.append((fdef.name, value))
    return MultiDict(pairs), errors


def validate_data(
    form_def: FormDef, data: Mapping[str, Any], context: Mapping[str, Any] | None = None, locale: str = "en"
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a JSON object with the same rules as the HTML form; returns (clean data, errors)."""
    known = {f.name for f in form_def.fields}
    errors: dict[str, list[str]] = {k: [_msg("unknown", locale)] for k in data if k not in known}
    formdata, type_errors = _to_formdata(form_def, data, locale)
    errors.update(type_errors)
    form = _form_class(Form, form_def, context, locale)(formdata=formdata)
    if not form.validate():
        for name, messages in form.errors.items():
            if name not in errors:
                errors[name] = [_plain_message(m, locale) for m in messages]
    if errors:
        return {}, errors
    return form_to_data(form, form_def), {}


def _plain_message(message: Any, locale: str) -> str:
    text = str(message)
    if "valid integer" in text:
        return _msg("integer", locale)
    if "valid decimal" in text or "valid float" in text:
        return _msg("number", locale)
    if "valid date" in text:
        return _msg("date", locale)
    return text


__all__ = [
    "FieldDef",
    "FormDef",
    "FormDefinitionError",
    "FormNotFound",
    "FormRegistry",
    "build_form_class",
    "form_to_data",
    "validate_data",
]
