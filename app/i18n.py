"""Simplified Chinese and English: who sees which, and the message catalogs behind it.

Source strings are English; each area keeps its Chinese in its own
`translations/zh_Hans_CN/LC_MESSAGES/messages.po`, so areas never edit one shared file.
(Babel reads the locale zh_CN as zh_Hans_CN, and looks for catalogs under that name.)
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.dates import DateTimePattern
from babel.dates import parse_pattern as parse_date_pattern
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import parse_pattern
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_currency, format_date, format_decimal, get_locale, get_timezone, refresh
from flask_login import current_user

APP_ROOT = Path(__file__).resolve().parent
LOCALES = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LOCALE = "zh_CN"
LOCALE_COOKIE = "locale"


def translation_directories() -> list[Path]:
    return sorted(p for p in APP_ROOT.glob("**/translations") if p.is_dir())


def compile_catalogs() -> list[Path]:
    """Write a .mo beside every .po that is newer than it; returns what was written."""
    written = []
    for directory in translation_directories():
        for po_path in directory.glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parent.parent.name)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            written.append(mo_path)
    return written


def _api_locale() -> str:
    # API clients say what they want with Accept-Language; without it, the token holder's choice.
    asked = request.accept_languages.best_match(["zh_CN", "zh", "en"]) if request.accept_languages else None
    if asked:
        return DEFAULT_LOCALE if asked.startswith("zh") else "en"
    user = g.get("api_user")
    chosen = getattr(user, "locale", None)
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def select_locale() -> str:
    # Outside a request (CLI, scheduler, worker) messages are for logs and operators: English.
    if not has_request_context():
        return "en"
    if request.path.startswith(("/api/", "/engine-rest/")):
        return _api_locale()
    # A signed-in user's choice wins; before login, the switch on the login page sets a cookie.
    if current_user and current_user.is_authenticated:
        # The login page's choice for this session first, then the one kept in the profile.
        for chosen in (session.get("locale"), getattr(current_user, "locale", None)):
            if chosen in LOCALES:
                return chosen
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    return DEFAULT_LOCALE


@functools.cache
def _parsed(identifier: str) -> Locale:
    return Locale.parse(identifier)


def selected_locale() -> Locale:
    """The reader's language as Babel's object, parsed once per process: parsing a name looks it up
    among all of Babel's locales, which cost a millisecond per request here, twice per use case."""
    return _parsed(select_locale())


def current_locale() -> str:
    """The reader's language as this app names it: "zh_CN" or "en"."""
    locale = get_locale()
    if locale is None:
        return "en"
    return DEFAULT_LOCALE if locale.language == "zh" else "en"


# (date and time, date): unambiguous in both languages, 24-hour as offices here keep time.
_PATTERNS = {"zh_CN": ("y年M月d日 HH:mm", "y年M月d日"), "en": ("d MMM y, HH:mm", "d MMM y")}


@functools.cache
def _date_pattern(text: str) -> DateTimePattern:
    return parse_date_pattern(text)


def _in_company_time(value: datetime, pattern: str) -> str:
    # Babel's own pattern, parsed once: a long page writes a time on every row of its history, and
    # going through the per-call lookups each time cost more than the writing itself.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # rows keep UTC
    return _date_pattern(pattern).apply(aware.astimezone(get_timezone()), get_locale())


def format_datetime_local(value: datetime | None) -> str:
    """Company time, in the reader's way of writing dates (2026年11月23日 09:00 / Nov 23, 2026, 09:00)."""
    if value is None:
        return ""
    return _in_company_time(value, _PATTERNS[current_locale()][0])


def format_iso_datetime(value: str | None) -> str:
    """A time kept as ISO text in process data (UTC when it carries no offset)."""
    if not value:
        return ""
    try:
        return format_datetime_local(datetime.fromisoformat(value))
    except ValueError:
        return value


def format_date_local(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _in_company_time(value, _PATTERNS[current_locale()][1])
    return format_date(value, _PATTERNS[current_locale()][1])


def format_number_local(value: int | float | Decimal | None, places: int | None = None) -> str:
    if value is None:
        return "—"
    if places is None:
        return format_decimal(value)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern)


# Parsed once: Babel parses a pattern given as text on every call, and a long record shows a hundred amounts.
_CNY_PATTERN = parse_pattern("¤#,##0.00")


def format_cny(value: int | float | Decimal | None) -> str:
    """Amounts in yuan, always with two decimals: ¥1,234.50 for Chinese readers, CN¥1,234.50 in English
    (the locale's own symbol, so an English reader never takes it for yen)."""
    if value is None:
        return "—"
    return format_currency(value, "CNY", format=_CNY_PATTERN, currency_digits=False)


def in_reader_language(texts: dict[str, str] | None) -> str:
    """A text a definition carries in both languages (a form's section heading), in the reader's."""
    if not texts:
        return ""
    return texts.get(current_locale()) or texts.get("en") or next(iter(texts.values()), "")


def _percent(value: float | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return format_number_local(value * 100, places) + "%"


def localized(texts: dict[str, str] | None) -> str:
    """One of a definition's own texts ({"zh_CN": ..., "en": ...}) in the reader's language."""
    if not texts:
        return ""
    return texts.get(current_locale()) or texts.get("en") or next(iter(texts.values()), "")


def _fresh_locale() -> None:
    # A context reused across requests (tests keep one open) must not keep the last reader's language.
    refresh()


def configure(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["COMPANY_TIMEZONE"])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(str(p) for p in translation_directories()))
    app.before_request(_fresh_locale)
    app.jinja_env.filters.update(
        datetime=format_datetime_local,
        dt=format_datetime_local,
        iso_datetime=format_iso_datetime,
        date=format_date_local,
        number=format_number_local,
        cny=format_cny,
        percent=_percent,
        in_locale=in_reader_language,
        localized=localized,
    )
    app.jinja_env.globals.update(locales=LOCALES)
