"""FormDef -> WTForms. One field builder serves the HTML page (FlaskForm, with CSRF) and the JSON
API (plain Form, no request needed), so a value refused on one is refused on the other."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, Form
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import Select

from .conditions import fields_of, holds
from .definitions import NUMERIC, FieldDef, FormDef, condition_key
from .fields import (
    CENT,
    ChoiceField,
    IsoDateField,
    IsoDateTimeField,
    MoneyField,
    MultiCheckboxField,
    TrimmedStringField,
    TrimmedTextAreaField,
    WholeNumberField,
    as_decimal,
    company_tz,
    earliest_day,
    has_hidden_characters,
    localized,
    message,
    normalize_locale,
    now,
    reader_locale,
    readonly_class,
    show_number,
)
from .rows import MAX_FILES, MAX_ROWS, FileRefsField, RowsField

# Another machine's clock (the browser's, an API client's) may run a little ahead of ours.
CLOCK_SLACK = timedelta(minutes=5)


def _is_blank(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


class _Rules:
    """Every rule of one field definition, as a single WTForms validator."""

    def __init__(self, field_def: FieldDef, context: Mapping[str, Any], locale: str) -> None:
        self.field_def = field_def
        self.context = context
        self.locale = locale

    def _context(self, form: Form) -> Mapping[str, Any]:
        """The process data the rules check against: the form's own, when its class serves many checks."""
        carried = getattr(form, "process_context", None)
        return self.context if carried is None else carried

    def _needed(self, form: Form) -> bool:
        if self.field_def.required:
            return True
        for other, values in self.field_def.required_if:
            current = form[other].data if other in form else self._context(form).get(other)
            current = current if isinstance(current, list) else [current]
            if any(v is not None and condition_key(v) in values for v in current):
                return True
        return False

    def _hidden(self, form: Form) -> bool:
        """A field a condition hides is not asked: nothing is required of it and nothing of it is kept."""
        condition = self.field_def.hide_if
        if condition is None:
            return False
        values = dict(self._context(form))
        values.update({name: form[name].data for name in fields_of(condition) if name in form})
        return holds(condition, values)

    def _fail(self, key: str, **values: Any) -> ValidationError:
        return ValidationError(message(key, self.locale, **values))

    def __call__(self, form: Form, field: Field) -> None:
        if field.process_errors:
            raise StopValidation()  # the parse error already says what is wrong
        fdef, value = self.field_def, field.data
        if self._hidden(form):
            raise StopValidation()
        if fdef.type == "file" and getattr(field, "uploads", None):
            value = [*value, *field.uploads]
        if _is_blank(value):
            raise StopValidation(message("required", self.locale) if self._needed(form) else None)
        if fdef.type in NUMERIC:
            self._check_number(Decimal(str(value)), self._context(form))
        elif fdef.type in ("string", "text"):
            if fdef.max_length is not None and len(value) > fdef.max_length:
                raise self._fail("length", limit=fdef.max_length)
            if fdef.min_length is not None and len(value) < fdef.min_length:
                raise self._fail("short", limit=fdef.min_length)
            if fdef.pattern is not None and re.fullmatch(fdef.pattern, value) is None:
                if fdef.pattern_message:
                    raise ValidationError(localized(fdef.pattern_message, self.locale, ""))
                raise self._fail("pattern")
            if has_hidden_characters(value, multiline=fdef.type == "text"):
                raise self._fail("control")
        elif fdef.type in ("choice", "multichoice"):
            allowed = {v for v, _ in fdef.choices}
            bad = [str(v) for v in (value if isinstance(value, list) else [value]) if v not in allowed]
            if bad:
                raise self._fail("choice", value=", ".join(bad))
        elif isinstance(value, date):
            self._check_not_too_early(value)
            if fdef.not_after_now:
                self._check_not_future(value)

    def _check_not_too_early(self, value: date) -> None:
        # Compared as written, before any time-zone arithmetic, which overflows near year 1.
        earliest = earliest_day()
        day = value.date() if isinstance(value, datetime) else value
        if day < earliest:
            raise self._fail("early", limit=earliest.isoformat())

    def _check_not_future(self, value: date) -> None:
        current = now() + CLOCK_SLACK
        if isinstance(value, datetime):
            late = value > current
        else:
            late = value > current.astimezone(company_tz()).date()
        if late:
            raise self._fail("future")

    def _check_number(self, number: Decimal, context: Mapping[str, Any]) -> None:
        fdef = self.field_def
        if fdef.min is not None and number < Decimal(str(fdef.min)):
            raise self._fail("min", limit=show_number(Decimal(str(fdef.min)), fdef.type))
        if fdef.max is not None and number > Decimal(str(fdef.max)):
            raise self._fail("max", limit=show_number(Decimal(str(fdef.max)), fdef.type))
        if fdef.max_from is None or context.get(fdef.max_from) is None:
            return
        cap = as_decimal(context[fdef.max_from])
        if cap is None:
            # Fail closed: a broken cap in the process data must not let any amount through.
            raise self._fail("cap_unusable", name=fdef.max_from)
        if number > cap:
            raise self._fail("cap", name=fdef.max_from, limit=show_number(cap, fdef.type))


def _field(fdef: FieldDef, context: Mapping[str, Any], locale: str) -> Field:
    kwargs: dict[str, Any] = {
        "label": localized(fdef.label, locale, fdef.name),
        "description": localized(fdef.help, locale, ""),
        "default": fdef.default,
    }
    # Browser hints only, so people learn of a limit while typing; _Rules stays the authority.
    render_kw: dict[str, Any] = {"maxlength": fdef.max_length} if fdef.max_length else {}
    if fdef.min_length:
        render_kw["minlength"] = fdef.min_length
    if fdef.type == "decimal":
        render_kw["step"] = "0.01"
    if fdef.readonly:
        kwargs["default"] = context.get(fdef.name, fdef.default)
        render_kw.update(readonly=True, disabled=True)
    else:
        kwargs["validators"] = [_Rules(fdef, context, locale)]
    kwargs["render_kw"] = render_kw or None
    choices = [SelectChoice(value, localized(label, locale, value)) for value, label in fdef.choices]
    cls: type[Field]
    if fdef.type == "rows":
        row_def = FormDef(key=fdef.name, title=fdef.label, fields=fdef.columns)
        cls, kwargs["row_form"] = RowsField, _form_class(Form, row_def, context, locale)
        kwargs["columns"], kwargs["locale"] = fdef.columns, locale
    elif fdef.type == "file":
        cls, kwargs["locale"], kwargs["max_files"] = FileRefsField, locale, fdef.max_files
    elif fdef.type == "string":
        cls = TrimmedStringField
    elif fdef.type == "text":
        cls = TrimmedTextAreaField
    elif fdef.type == "integer":
        cls, kwargs["locale"] = WholeNumberField, locale
    elif fdef.type == "decimal":
        cls, kwargs["locale"], kwargs["places"] = MoneyField, locale, 2
    elif fdef.type == "boolean":
        cls = BooleanField
    elif fdef.type == "choice":
        cls, kwargs["choices"] = ChoiceField, [SelectChoice("", "—"), *choices]
    elif fdef.type == "multichoice":
        cls, kwargs["choices"] = MultiCheckboxField, choices
        if fdef.readonly:
            kwargs["widget"] = Select(multiple=True)  # a disabled list, not live checkboxes
    elif fdef.type == "date":
        cls, kwargs["locale"], kwargs["format"] = IsoDateField, locale, "%Y-%m-%d"
    else:
        cls, kwargs["locale"] = IsoDateTimeField, locale
    return (readonly_class(cls) if fdef.readonly else cls)(**kwargs)


def _form_class(
    base: type[Form], form_def: FormDef, context: Mapping[str, Any] | None, locale: str | None
) -> type[Form]:
    locale = normalize_locale(locale or reader_locale())
    # A copy: the validators must check against the context as it was when the form was built.
    frozen = dict(context or {})
    # Readonly fields are display only, and only the HTML page displays anything.
    fields = [f for f in form_def.fields if base is FlaskForm or not f.readonly]
    attrs = {f.name: _field(f, frozen, locale) for f in fields}
    name = "".join(part.title() for part in form_def.key.split("_")) + "Form"
    return type(name, (base,), attrs)


# The plain forms that check JSON submissions, by form definition (the registry hands out the same
# object until the form changes) and language. Building one costs as much as checking with it.
_CHECKING_FORMS: dict[tuple[int, str], tuple[FormDef, type[Form] | None]] = {}
_CHECKING_FORMS_KEPT = 512


def _checking_form(
    form_def: FormDef, context: Mapping[str, Any] | None, locale: str, formdata: MultiDict[str, str]
) -> Form:
    """A plain form holding a submission, to check against `context`; its class is built once per form and
    language, except for a form with rows, whose row forms are built with the data itself."""
    key = (id(form_def), locale)
    cached = _CHECKING_FORMS.get(key)
    if cached is None or cached[0] is not form_def:
        if len(_CHECKING_FORMS) >= _CHECKING_FORMS_KEPT:
            _CHECKING_FORMS.clear()
        has_rows = any(f.type == "rows" for f in form_def.fields)
        cached = (form_def, None if has_rows else _form_class(Form, form_def, {}, locale))
        _CHECKING_FORMS[key] = cached
    if cached[1] is None:
        return _form_class(Form, form_def, context, locale)(formdata=formdata)
    form = cached[1](formdata=formdata)
    form.process_context = dict(context or {})  # a copy: the check sees the data as it was handed in
    return form


def build_form_class(
    form_def: FormDef, context: Mapping[str, Any] | None = None, locale: str | None = None
) -> type[FlaskForm]:
    """The HTML form (CSRF from FlaskForm); `context` is the process data for caps and readonly values.
    Labels, help, choices and messages speak `locale`, by default the reader's language."""
    return _form_class(FlaskForm, form_def, context, locale)


def clean_value(field_def: FieldDef, value: Any) -> Any:
    kind = field_def.type
    if kind == "rows":
        return [_clean_row(field_def.columns, row) for row in value or []]
    if kind == "file":
        return list(dict.fromkeys(int(v) for v in value or []))
    if kind == "boolean":
        return bool(value)
    if kind == "multichoice":
        return list(dict.fromkeys(str(v) for v in value or []))
    if value is None or value == "":
        return None
    if kind == "integer":
        return int(value)
    if kind == "decimal":
        return float(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))
    if kind == "datetime" and isinstance(value, datetime):
        # Company time with its offset: readable in the process data, and still unambiguous.
        return value.astimezone(company_tz()).isoformat(timespec="seconds")
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _clean_row(columns: tuple[FieldDef, ...], row: Form) -> dict[str, Any]:
    values = {c.name: clean_value(c, row[c.name].data) for c in columns if not c.readonly}
    return _without_hidden(columns, values, {})


def _without_hidden(fields: tuple[FieldDef, ...], values: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    hidden = {f.name for f in fields if f.hide_if is not None and holds(f.hide_if, {**context, **values})}
    return {name: value for name, value in values.items() if name not in hidden}


def form_to_data(form: Form, form_def: FormDef, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Clean data from a validated form, in the same shapes as `validate_data` returns; a field its
    condition hides is left out."""
    values = {f.name: clean_value(f, form[f.name].data) for f in form_def.fields if not f.readonly}
    return _without_hidden(form_def.fields, values, context or {})


def _pairs(fdef: FieldDef, value: Any, name: str, locale: str, pairs: list[tuple[str, str]]) -> str | None:
    """One JSON value as the browser would post it under `name`; the problem's message key if the JSON
    type is one the field cannot hold (a browser cannot send `3` for a checkbox, so the form alone
    would not catch it)."""
    if fdef.type == "boolean":
        if not isinstance(value, bool):
            return "boolean"
        if value:
            pairs.append((name, "y"))
    elif fdef.type == "multichoice":
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return "list"
        pairs.extend((name, v) for v in value)
    elif fdef.type == "file":
        if not (isinstance(value, list) and len(value) <= MAX_FILES and all(_whole(v) for v in value)):
            return "file_ref"
        pairs.extend((name, str(v)) for v in value)
    elif fdef.type == "rows":
        if not (isinstance(value, list) and all(isinstance(row, dict) for row in value)):
            return "rows"
        if len(value) > MAX_ROWS:
            return "rows_max"
        for index, row in enumerate(value):
            known = {c.name: c for c in fdef.columns}
            for cell, cell_value in row.items():
                column = known.get(cell)
                if column is None or column.readonly or cell_value is None:
                    continue
                problem = _pairs(column, cell_value, f"{name}-{index}-{cell}", locale, pairs)
                if problem:
                    return problem
    elif fdef.type in NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return "number"
        if fdef.type == "integer" and isinstance(value, float):
            if not value.is_integer():
                return "integer"
            value = int(value)
        pairs.append((name, str(value)))
    elif isinstance(value, str):
        pairs.append((name, value))
    else:
        return "text"
    return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**12


def _json_to_formdata(
    form_def: FormDef, data: Mapping[str, Any], locale: str
) -> tuple[MultiDict[str, str], dict[str, list[str]]]:
    """JSON values as the browser would post them, refusing JSON types a field cannot hold."""
    pairs: list[tuple[str, str]] = []
    errors: dict[str, list[str]] = {}
    for fdef in form_def.fields:
        if fdef.readonly:
            continue
        value = data.get(fdef.name)
        if value is None:
            value = fdef.default
        if value is None:
            continue
        problem = _pairs(fdef, value, fdef.name, locale, pairs)
        if problem:
            errors[fdef.name] = [message(problem, locale, limit=MAX_ROWS)]
    return MultiDict(pairs), errors


def validate_data(
    form_def: FormDef,
    data: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
    locale: str | None = None,
    files: Collection[int] | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a JSON object with the HTML form's rules; returns (clean data, errors by field).
    Omitted or null values take the definition's default; readonly fields are ignored.
    Messages speak `locale`, by default the caller's language (English outside a request).
    With `files`, a file field may only name those attachments (the instance's own).

    This is the one entry point for checking a submission against any form definition (a JSON form,
    a designed one, or any other format compiled to a FormDef)."""
    locale = normalize_locale(locale or reader_locale())
    known = {f.name for f in form_def.fields}
    errors = {str(name): [message("unknown", locale)] for name in data if name not in known}
    formdata, type_errors = _json_to_formdata(form_def, data, locale)
    errors.update(type_errors)
    form = _checking_form(form_def, context, locale, formdata)
    form.validate()
    for name, messages in form.errors.items():
        errors.setdefault(str(name), [str(m) for m in messages])
    clean = form_to_data(form, form_def, context) if not errors else {}
    if files is not None:
        for fdef in (f for f in form_def.fields if f.type == "file"):
            stray = [str(v) for v in clean.get(fdef.name) or [] if v not in files]
            if stray:
                errors[fdef.name] = [message("file_unknown", locale, value=", ".join(stray))]
    if errors:
        return {}, errors
    return clean, {}
