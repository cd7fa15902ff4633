"""The WTForms fields a definition compiles to, and the messages they speak in both languages."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    Field,
    Form,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

CENT = Decimal("0.01")

MESSAGES = {
    "required": {"zh_CN": "此项必填", "en": "This field is required."},
    "number": {"zh_CN": "请输入有效的数字", "en": "Not a valid number."},
    "integer": {"zh_CN": "请输入整数", "en": "Not a valid whole number."},
    "min": {"zh_CN": "不能小于 {limit}", "en": "Must be at least {limit}."},
    "max": {"zh_CN": "不能大于 {limit}", "en": "Must be at most {limit}."},
    "cap": {"zh_CN": "不能超过上限 {name}（{limit}）", "en": "Must not exceed the cap {name} ({limit})."},
    "cap_unusable": {"zh_CN": "上限 {name} 不是有效数字，无法核对", "en": "The cap {name} is not a number."},
    "choice": {"zh_CN": "无效选项：{value}", "en": "Not a valid choice: {value}."},
    "length": {"zh_CN": "最多 {limit} 个字符", "en": "At most {limit} characters."},
    "unknown": {"zh_CN": "未知字段", "en": "Unknown field."},
    "date": {"zh_CN": "日期格式应为 YYYY-MM-DD", "en": "Not a valid date (YYYY-MM-DD)."},
    "datetime": {"zh_CN": "时间格式应为 YYYY-MM-DD HH:MM", "en": "Not a valid date and time (YYYY-MM-DD HH:MM)."},
    "future": {"zh_CN": "不能晚于当前时间", "en": "Must not be in the future."},
    "early": {"zh_CN": "不能早于 {limit}", "en": "Must not be before {limit}."},
    "control": {
        "zh_CN": "不能包含控制字符或文字方向控制符",
        "en": "Must not contain control or text-direction characters.",
    },
    "boolean": {"zh_CN": "应为 true 或 false", "en": "Must be true or false."},
    "list": {"zh_CN": "应为选项值的列表", "en": "Must be a list of choice values."},
    "text": {"zh_CN": "应为文本", "en": "Must be text."},
    "short": {"zh_CN": "至少 {limit} 个字符", "en": "At least {limit} characters."},
    "pattern": {"zh_CN": "格式不正确", "en": "Not in the required format."},
    "row": {"zh_CN": "第 {row} 行 {label}：{problem}", "en": "Row {row}, {label}: {problem}"},
    "rows": {"zh_CN": "应为行的列表，每行是一个对象", "en": "Must be a list of rows, each an object."},
    "rows_max": {"zh_CN": "最多 {limit} 行", "en": "At most {limit} rows."},
    "file_ref": {"zh_CN": "应为已上传附件的编号列表", "en": "Must be a list of numbers of attached files."},
    "file_unknown": {"zh_CN": "附件 {value} 不属于此申请", "en": "File {value} is not attached to this request."},
    "files_max": {"zh_CN": "最多 {limit} 个文件", "en": "At most {limit} files."},
}


def normalize_locale(locale: str) -> str:
    return "zh_CN" if locale.lower().startswith("zh") else locale.replace("-", "_")


def reader_locale() -> str:
    """The language of whoever is reading: the request's, or English for the CLI and workers."""
    if not has_app_context() or "babel" not in current_app.extensions:
        return "en"
    from ..i18n import current_locale

    return current_locale()


def message(key: str, locale: str, **values: Any) -> str:
    texts = MESSAGES[key]
    return texts.get(normalize_locale(locale), texts["en"]).format(**values)


def localized(texts: Mapping[str, str] | None, locale: str, fallback: str) -> str:
    if not texts:
        return fallback
    return texts.get(normalize_locale(locale)) or texts.get("en") or fallback


def show_number(number: Decimal, kind: str) -> str:
    if kind == "integer" and number == number.to_integral_value():
        return str(int(number))
    return f"{number:.2f}"


def as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


class _Trimmed:
    """Leading and trailing blanks are never meaningful, and "   " must not pass as an answer."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = str(valuelist[0]).strip()


class TrimmedStringField(_Trimmed, StringField):
    pass


class TrimmedTextAreaField(_Trimmed, TextAreaField):
    pass


class _Parsed:
    """A blank box means "not given" (the rules decide if that is allowed); anything else that
    does not parse is reported in the user's language instead of WTForms' English."""

    invalid = "number"

    def __init__(self, *args: Any, locale: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale = locale

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = self.parse(text)
        except (ValueError, ArithmeticError) as err:
            self.data = None
            raise ValueError(message(self.invalid, self.locale)) from err


class WholeNumberField(_Parsed, IntegerField):
    invalid = "integer"

    def parse(self, text: str) -> int:
        return int(text)


class MoneyField(_Parsed, DecimalField):
    def parse(self, text: str) -> Decimal:
        number = Decimal(text)
        if not number.is_finite():
            raise ValueError(text)
        # Rounded before the limits are checked, so the value checked is the value stored.
        return number.quantize(CENT, rounding=ROUND_HALF_UP)

    def process_data(self, value: Any) -> None:
        number = as_decimal(value) if value is not None else None
        self.data = number.quantize(CENT, rounding=ROUND_HALF_UP) if number is not None else None


class IsoDateField(_Parsed, DateField):
    invalid = "date"

    def parse(self, text: str) -> date:
        return datetime.strptime(text, "%Y-%m-%d").date()

    def process_data(self, value: Any) -> None:
        # Prefilled process data holds dates as ISO strings; rendering needs a date.
        try:
            self.data = date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            self.data = None


def company_tz() -> tzinfo:
    """Times typed without an offset are company time, as the people typing them mean it."""
    name = current_app.config.get("COMPANY_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Asia/Shanghai")


def now() -> datetime:
    clock = current_app.extensions.get("clock") if has_app_context() else None
    return clock.now() if clock is not None else datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=company_tz())


class IsoDateTimeField(_Parsed, DateTimeLocalField):
    """Accepts the browser's "YYYY-MM-DDTHH:MM" and any ISO 8601 time from the API; the data is
    always an aware datetime, so the process never has to guess a time zone."""

    invalid = "datetime"

    def parse(self, text: str) -> datetime:
        return _aware(datetime.fromisoformat(text))

    def process_data(self, value: Any) -> None:
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            parsed = None
        self.data = _aware(parsed) if isinstance(parsed, datetime) else None

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(company_tz()).strftime("%Y-%m-%dT%H:%M") if self.data else ""


class ChoiceField(SelectField):
    def pre_validate(self, form: Form) -> None:
        pass  # _Rules checks the choice so that its message names the bad value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Form) -> None:
        pass  # as in ChoiceField


@functools.cache
def readonly_class(cls: type[Field]) -> type[Field]:
    """Same name as `cls` (templates dispatch on field.type), but submitted input is ignored:
    a readonly value comes from the process, never from the browser."""

    def process_formdata(self: Field, valuelist: list[Any]) -> None:
        pass

    return type(cls.__name__, (cls,), {"process_formdata": process_formdata})


def earliest_day() -> date:
    """No date a form accepts lies before the company's first day (COMPANY_FIRST_DAY)."""
    setting = current_app.config.get("COMPANY_FIRST_DAY") if has_app_context() else None
    return date.fromisoformat(setting or "2000-01-01")


# Characters that change how text is displayed without being seen: bidirectional embeddings,
# overrides and isolates, and the direction marks.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_hidden_characters(text: str, multiline: bool = False) -> bool:
    """True if `text` holds a control character (NUL and the like) or a bidi control.

    Such characters let a code or a name look like another one, and PostgreSQL refuses NUL outright.
    A multi-line text may keep its line breaks and tabs."""
    allowed = "\n\r\t" if multiline else ""
    return any((ord(c) < 32 or 127 <= ord(c) < 160) and c not in allowed or c in _BIDI for c in text)
