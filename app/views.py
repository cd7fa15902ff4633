"""Helpers that turn process data into what a page shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import abort, flash
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .i18n import current_locale, format_cny, format_number_local
from .models import ProcessInstance
from .services.common.errors import DomainError, ValidationFailed
from .services.common.wording import english_beside
from .services.instances import lifecycle as instance_service
from .services.people.search import department_label
from .system_facts import has_system_facts, system_facts
from .taskforms import FieldDef, FormDef

# Values the policy tables add to a credit application, shown beside the filed facts.
DERIVED_LABELS = {
    "grade": _l("Grade"),
    "grade_reason": _l("Grade reason"),
    "policy_reason": _l("Policy"),
    "limit_cap": _l("Limit cap"),
    "term_cap_days": _l("Term cap (days)"),
    "approved_limit": _l("Approved limit"),
    "approved_term_days": _l("Approved term (days)"),
    "decision": _l("Decision"),
    "rejection_reason": _l("Rejection reason"),
}
# The derived values that are amounts in yuan (the filed ones say so in their form with "money").
DERIVED_MONEY = {"limit_cap", "approved_limit"}
# Derived values kept as keys in the data, and how a reader says them.
DERIVED_CHOICES = {"decision": {"approve": _l("Approved"), "reject": _l("Rejected"), "return": _l("Returned")}}


# A page labels hundreds of values (a long record): the reader's language is looked up once per list
# and handed down to these helpers, not asked again for every label.
def _label(field_label: dict[str, str], name: str, locale: str | None = None) -> str:
    return field_label.get(locale or current_locale()) or field_label.get("en") or name


def _display(
    value: Any, choices: dict[str, str] | None = None, money: bool = False, locale: str | None = None
) -> str | Markup:
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list):
        locale = locale or current_locale()
        separator = "、" if locale == "zh_CN" else ", "
        return separator.join(_display(v, choices, locale=locale) for v in value) or "—"
    if value is None or value == "":
        return "—"
    if money and isinstance(value, int | float):
        return format_cny(value)
    if isinstance(value, float):
        return format_number_local(value, 2)
    if choices and str(value) in choices:
        return choices[str(value)]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return Markup('<a href="{0}">{0}</a>').format(value)  # e.g. the monthly report attached to a task
    return str(value)


def data_rows(instance: ProcessInstance) -> list[tuple[str, str | Markup]]:
    """The instance's data as labelled rows: the start form's fields first, then derived values."""
    if has_system_facts(instance):
        # A process the system starts (督办, the monthly report) has its own table of what it is about.
        return system_facts(instance)
    rows: list[tuple[str, str | Markup]] = []
    data = instance.data or {}
    form: FormDef | None
    try:
        form = instance_service.start_form(instance.process_key).form
    except DomainError:
        form = None
    locale = current_locale()
    if form is not None:
        for field in form.fields:
            if field.name in data:
                rows.append((_label(field.label, field.name, locale), _field_value(field, data[field.name], locale)))
    english = locale == "en"
    for key, label in DERIVED_LABELS.items():
        if key in data:
            choices = {value: str(text) for value, text in DERIVED_CHOICES.get(key, {}).items()}
            value = (english and english_beside(data, key)) or data[key]
            rows.append((str(label), _display(value, choices, money=key in DERIVED_MONEY)))
    return rows


def _field_value(field: FieldDef, value: Any, locale: str | None = None) -> str | Markup:
    locale = locale or current_locale()
    if field.type == "rows" and isinstance(value, list):
        # Each row as its labelled cells, never as the data's own keys.
        colon, comma, semicolon = ("：", "，", "；") if locale == "zh_CN" else (": ", ", ", "; ")
        rows = [
            comma.join(
                f"{_label(c.label, c.name, locale)}{colon}{_field_value(c, row[c.name], locale)}"
                for c in field.columns
                if row.get(c.name) not in (None, "", [])
            )
            for row in value
            if isinstance(row, dict)
        ]
        return semicolon.join(r for r in rows if r) or "—"
    if field.type == "file" and isinstance(value, list):
        return str(_l("%(count)s files attached", count=len(value))) if value else "—"
    if field.name == "department" and isinstance(value, str) and value:
        return department_label(value)  # a department is written by its key, read by its name
    choices = {v: _label(label, v, locale) for v, label in field.choices}
    return _display(value, choices, field.money, locale)


def entered_rows(form: FormDef | None, values: dict[str, Any], leave_out: set[str]) -> list[tuple[str, str | Markup]]:
    """What someone entered in one form, labelled by that form, in its order; unknown keys never show."""
    if form is None:
        return []
    locale = current_locale()
    return [
        (_label(f.label, f.name, locale), _field_value(f, values[f.name], locale))
        for f in form.fields
        if f.name in values and f.name not in leave_out and values[f.name] not in (None, "", [])
    ]


# The fields refusals name, as the reader knows them (the keys are the request's own names).
FIELD_NAMES = {
    "file": _l("File"),
    "user": _l("Colleague"),
    "comment": _l("Opinion"),
    "body": _l("Comment"),
    "reason": _l("Reason"),
    "assignee": _l("New holder"),
    "delegate": _l("Delegate"),
    "starts_at": _l("From"),
    "ends_at": _l("Until"),
    "target": _l("Return to"),
    "note": _l("Note"),
    "name": _l("Name"),
    "definition": _l("Definition"),
    "position": _l("Position"),
    "phone": _l("Telephone"),
    "email": _l("E-mail"),
    "website": _l("Website"),
    "grade": _l("Grade"),
    "responsible": _l("Responsible salesperson"),
    "over_limit": _l("Over the limit"),
    "expiring_within": _l("Credit expiring within (days)"),
    "page": _l("Page number"),
}


def describe(err: ValidationFailed) -> str:
    """The refusal as one line that names each field in the reader's language."""
    colon, semicolon = ("：", "；") if current_locale() == "zh_CN" else (": ", "; ")
    parts = []
    for key, messages in err.errors.items():
        text = " ".join(str(m) for m in messages)
        if key in FIELD_NAMES:
            parts.append(f"{FIELD_NAMES[key]}{colon}{text}")
        elif re.fullmatch(r"[a-z_][a-z0-9_]*", key):
            parts.append(text)  # a data key no name is known for is never shown
        else:
            parts.append(f"{key}{colon}{text}")  # already words for people, such as "第 3 行"
    return semicolon.join(parts)


def run_action(action: Callable[[], object], done: str, raise_invalid: bool = False) -> None:
    """Run one use case for a form post: flash the outcome; refusals of who-may-act become 403/404 pages.

    With `raise_invalid` a ValidationFailed goes back to the caller, to answer with the page and 422.
    """
    try:
        action()
        flash(done, "info")
    except ValidationFailed as err:
        if raise_invalid:
            raise
        flash(describe(err), "error")
    except DomainError as err:
        if err.status in (403, 404):
            abort(err.status)
        flash(err.message, "error")
