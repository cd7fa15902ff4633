"""Reading and checking `forms/<key>.json`: a broken definition must fail loudly at load time,
never turn into a form that quietly accepts the wrong data."""

from __future__ import annotations

import builtins
import json
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_wtf import FlaskForm

FIELD_TYPES = ("string", "text", "integer", "decimal", "boolean", "choice", "multichoice", "date", "datetime")
NUMERIC = ("integer", "decimal")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Field names become process variables and form attributes, so they must not hide a builtin
# that diagram scripts call (min, len, ...) or a FlaskForm attribute (data, errors, ...).
_RESERVED = {n for n in dir(builtins) if n.islower()} | {n for n in dir(FlaskForm) if n.islower()} | {"csrf_token"}
_FORM_KEYS = {"key", "title", "fields", "extends", "prefill", "bulk"}
_FIELD_KEYS = {
    "name",
    "type",
    "label",
    "help",
    "required",
    "choices",
    "min",
    "max",
    "max_length",
    "min_length",
    "default",
    "required_if",
    "max_from",
    "readonly",
    "not_after_now",
    "money",
    "section",
}
# Settings that only make sense for some types; anywhere else they are a mistake in the definition.
_ONLY_FOR = {
    "choices": ("choice", "multichoice"),
    "min": NUMERIC,
    "max": NUMERIC,
    "max_from": NUMERIC,
    "max_length": ("string", "text"),
    "min_length": ("string", "text"),
    "not_after_now": ("date", "datetime"),
    "money": NUMERIC,
}


class FormDefinitionError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(key, message)
        self.key = key
        self.message = message

    def __str__(self) -> str:
        return f"form '{self.key}': {self.message}"


class FormNotFound(FormDefinitionError, KeyError):
    """Also a KeyError, so callers may treat the registry like a mapping."""


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: dict[str, str]
    required: bool = False
    choices: tuple[tuple[str, dict[str, str]], ...] = ()
    min: int | float | None = None
    max: int | float | None = None
    max_length: int | None = None
    min_length: int | None = None
    default: Any = None
    required_if: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_from: str | None = None
    readonly: bool = False
    help: dict[str, str] | None = None
    not_after_now: bool = False
    money: bool = False  # an amount in yuan: pages write it as the reader's currency format
    section: dict[str, str] | None = None  # this field opens a group of the form, under this heading
    # Designed forms (the form designer's schema) add these:
    min_length: int | None = None
    pattern: str | None = None  # the whole text must match this regular expression
    pattern_message: dict[str, str] | None = None
    hide_if: tuple | None = None  # a parsed condition (taskforms.conditions): when it holds, the field is not asked
    hide_text: str | None = None  # the same condition as written, for the page's script
    columns: tuple[FieldDef, ...] = ()  # a "rows" field: the fields of each row
    max_files: int | None = None  # a "file" field: at most this many files


@dataclass(frozen=True)
class FormDef:
    key: str
    title: dict[str, str]
    fields: tuple[FieldDef, ...]
    prefill: bool = False  # the task form opens with the current process data (a correction)
    bulk: bool = False  # several tasks of this form may be decided at once with one opinion

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)


def condition_key(value: Any) -> str:
    """How required_if compares values, so `true` in JSON matches a ticked checkbox."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _texts(key: str, value: Any, what: str) -> dict[str, str]:
    if isinstance(value, str) and value:
        return {"zh_CN": value, "en": value}
    if (
        not isinstance(value, dict)
        or not value
        or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items())
    ):
        raise FormDefinitionError(key, f'{what} must be a non-empty text or {{"zh_CN": ..., "en": ...}}')
    return dict(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _choices(key: str, name: str, kind: str, raw: Any) -> tuple[tuple[str, dict[str, str]], ...]:
    if not isinstance(raw, list) or not raw:
        raise FormDefinitionError(key, f"field '{name}' is a {kind} field without choices")
    choices: list[tuple[str, dict[str, str]]] = []
    for choice in raw:
        if not isinstance(choice, dict) or not isinstance(choice.get("value"), str) or not choice["value"]:
            raise FormDefinitionError(key, f"field '{name}': every choice needs a non-empty text value")
        if set(choice) - {"value", "label"}:
            raise FormDefinitionError(key, f"field '{name}': a choice has only a value and a label")
        if any(value == choice["value"] for value, _ in choices):
            raise FormDefinitionError(key, f"field '{name}': choice '{choice['value']}' is listed twice")
        label = _texts(key, choice.get("label", choice["value"]), f"the label of choice '{choice['value']}'")
        choices.append((choice["value"], label))
    return tuple(choices)


def _check_default(key: str, field: FieldDef) -> None:
    value, kind = field.default, field.type
    allowed = {v for v, _ in field.choices}
    if kind in ("string", "text"):
        ok = isinstance(value, str) and (field.max_length is None or len(value) <= field.max_length)
        ok = ok and (field.min_length is None or len(value) >= field.min_length)
    elif kind in NUMERIC:
        ok = _is_number(value) and (kind != "integer" or isinstance(value, int))
        ok = ok and (field.min is None or value >= field.min) and (field.max is None or value <= field.max)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "choice":
        ok = value in allowed
    elif kind == "multichoice":
        ok = isinstance(value, list) and all(isinstance(v, str) and v in allowed for v in value)
    else:
        parse = date.fromisoformat if kind == "date" else datetime.fromisoformat
        try:
            ok = isinstance(value, str) and bool(parse(value))
        except ValueError:
            ok = False
    if not ok:
        raise FormDefinitionError(key, f"field '{field.name}': default {value!r} is not a valid {kind} value")


def _field_def(key: str, raw: Any) -> FieldDef:
    if not isinstance(raw, dict):
        raise FormDefinitionError(key, "every field must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise FormDefinitionError(key, f"field name {name!r} must be lower-case letters, digits and _")
    if keyword.iskeyword(name) or name in _RESERVED:
        raise FormDefinitionError(key, f"field name '{name}' is reserved")
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise FormDefinitionError(key, f"field '{name}' has unknown settings: {', '.join(sorted(unknown))}")
    kind = raw.get("type", "string")
    if kind not in FIELD_TYPES:
        raise FormDefinitionError(
            key, f"field '{name}' has unknown type '{kind}' (use one of {', '.join(FIELD_TYPES)})"
        )
    for setting, kinds in _ONLY_FOR.items():
        if setting in raw and kind not in kinds:
            raise FormDefinitionError(key, f"field '{name}': {setting} does not apply to a {kind} field")
    for flag in ("required", "readonly", "not_after_now", "money"):
        if not isinstance(raw.get(flag, False), bool):
            raise FormDefinitionError(key, f"field '{name}': {flag} must be true or false")
    for bound in ("min", "max"):
        value = raw.get(bound)
        if value is not None and not (_is_number(value) and (kind != "integer" or isinstance(value, int))):
            raise FormDefinitionError(key, f"field '{name}': {bound} must be a {'whole ' * (kind == 'integer')}number")
    if raw.get("min") is not None and raw.get("max") is not None and raw["min"] > raw["max"]:
        raise FormDefinitionError(key, f"field '{name}': min is greater than max")
    max_length = raw.get("max_length")
    if max_length is not None and (not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1):
        raise FormDefinitionError(key, f"field '{name}': max_length must be a positive whole number")
    min_length = raw.get("min_length")
    if min_length is not None and (not isinstance(min_length, int) or isinstance(min_length, bool) or min_length < 1):
        raise FormDefinitionError(key, f"field '{name}': min_length must be a positive whole number")
    max_from = raw.get("max_from")
    if max_from is not None and (not isinstance(max_from, str) or not _NAME.match(max_from)):
        raise FormDefinitionError(key, f"field '{name}': max_from must name a process variable")
    required_if = raw.get("required_if", {})
    if not isinstance(required_if, dict) or not all(
        isinstance(values, list) and values and all(isinstance(v, str | bool | int) for v in values)
        for values in required_if.values()
    ):
        raise FormDefinitionError(key, f"field '{name}': required_if must map a field to a list of values")
    if raw.get("readonly") and (raw.get("required") or required_if):
        raise FormDefinitionError(key, f"field '{name}': a readonly field cannot be required")
    field = FieldDef(
        name=name,
        type=kind,
        label=_texts(key, raw.get("label", name), f"the label of field '{name}'"),
        required=raw.get("required", False),
        choices=_choices(key, name, kind, raw.get("choices")) if kind in ("choice", "multichoice") else (),
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=max_length,
        min_length=min_length,
        default=raw.get("default"),
        required_if=tuple((other, tuple(condition_key(v) for v in values)) for other, values in required_if.items()),
        max_from=max_from,
        readonly=raw.get("readonly", False),
        help=_texts(key, raw["help"], f"the help of field '{name}'") if "help" in raw else None,
        not_after_now=raw.get("not_after_now", False),
        money=raw.get("money", False),
        section=_texts(key, raw["section"], f"the section heading at field '{name}'") if "section" in raw else None,
    )
    if field.default is not None:
        _check_default(key, field)
    return field


def parse_definition(key: str, raw: Any, resolve: Callable[[str], FormDef] | None = None) -> FormDef:
    """Check one definition; `resolve` loads the form named by "extends"."""
    if not isinstance(raw, dict):
        raise FormDefinitionError(key, "a form definition must be a JSON object")
    unknown = set(raw) - _FORM_KEYS
    if unknown:
        raise FormDefinitionError(key, f"unknown settings: {', '.join(sorted(unknown))}")
    if raw.get("key", key) != key:
        raise FormDefinitionError(key, f"the file declares key '{raw['key']}'; it must match the file name")
    if not isinstance(raw.get("prefill", False), bool):
        raise FormDefinitionError(key, "prefill must be true or false")
    if not isinstance(raw.get("bulk", False), bool):
        raise FormDefinitionError(key, "bulk must be true or false")
    fields: list[FieldDef] = []
    parent = raw.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or resolve is None:
            raise FormDefinitionError(key, "extends must name another form in the same folder")
        try:
            fields.extend(resolve(parent).fields)
        except FormNotFound as err:
            raise FormDefinitionError(key, f"extends unknown form '{parent}'") from err
    raw_fields = raw.get("fields", [])
    if not isinstance(raw_fields, list):
        raise FormDefinitionError(key, "fields must be a list")
    fields.extend(_field_def(key, f) for f in raw_fields)
    if not fields:
        raise FormDefinitionError(key, "a form needs at least one field")
    names = [f.name for f in fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FormDefinitionError(key, f"duplicate field names: {', '.join(duplicates)}")
    for field in fields:
        for other, _ in field.required_if:
            if other not in names or other == field.name:
                raise FormDefinitionError(key, f"field '{field.name}' depends on unknown field '{other}'")
    return FormDef(
        key=key,
        title=_texts(key, raw.get("title", key), "title"),
        fields=tuple(fields),
        prefill=raw.get("prefill", False),
        bulk=raw.get("bulk", False),
    )


_Stamp = tuple[int, int] | None


def _stamp(path: Path) -> _Stamp:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


class FormRegistry:
    """The forms in one folder, re-read when a file (or a form it extends) changes on disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._cache: dict[str, tuple[FormDef, tuple[tuple[Path, _Stamp], ...]]] = {}

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.json") if _NAME.match(p.stem))

    def has(self, key: str) -> bool:
        """Whether `key` is one of `keys()`, without listing the folder (every start asks)."""
        return isinstance(key, str) and bool(_NAME.match(key)) and (self.directory / f"{key}.json").is_file()

    def get(self, key: str) -> FormDef:
        return self._load(key, ())[0]

    def _load(self, key: str, chain: tuple[str, ...]) -> tuple[FormDef, tuple[tuple[Path, _Stamp], ...]]:
        if key in chain:
            raise FormDefinitionError(chain[0], f"extends itself: {' -> '.join((*chain, key))}")
        path = self.directory / f"{key}.json"
        # The pattern check also keeps keys such as "../x" from reaching outside the folder.
        if not isinstance(key, str) or not _NAME.match(key) or not path.is_file():
            raise FormNotFound(str(key), "no such form")
        cached = self._cache.get(key)
        if cached and all(_stamp(p) == stamp for p, stamp in cached[1]):
            return cached
        # Stamped before reading, so a write racing with the read forces a reload next time.
        stamps: list[tuple[Path, _Stamp]] = [(path, _stamp(path))]
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise FormDefinitionError(key, f"not valid JSON: {err}") from err

        def resolve(parent: str) -> FormDef:
            form, parent_stamps = self._load(parent, (*chain, key))
            stamps.extend(parent_stamps)
            return form

        entry = (parse_definition(key, raw, resolve), tuple(stamps))
        self._cache[key] = entry
        return entry
