"""Simplified Chinese and English: who sees which, and the message catalogs behind it.

Source strings are English; each area keeps its Chinese in its own
`translations/zh_Hans_CN/LC_MESSAGES/messages.po`, so areas never edit one shared file.
(Babel reads the locale zh_CN as zh_Hans_CN, and looks for catalogs under that name.)
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
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


def select_locale() -> str:
    # A signed-in user's choice wins; before login, the switch on the login page sets a cookie.
    if current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "locale", None)
        if chosen in LOCALES:
            return chosen
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    return DEFAULT_LOCALE


def configure(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["COMPANY_TIMEZONE"])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(str(p) for p in translation_directories()))
