"""Lists as Excel downloads: the rows a page shows, in the reader's language, as an .xlsx response."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Response, render_template
from flask_babel import gettext as _

from .clock import company_tz
from .i18n import current_locale
from .services.common.errors import ValidationFailed
from .services.common.spreadsheet import MIME
from .services.desk.lists import ListRow
from .services.instances.lifecycle import process_name
from .services.people.directory import ROLES
from .views import describe


def refused(err: ValidationFailed) -> tuple[str, int]:
    """A filter the export cannot read: the error page names the field, in the reader's language."""
    return render_template("error.html", message=describe(err), status=422), 422


def xlsx_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=MIME)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def company_time(value: datetime | None) -> datetime | None:
    return value.astimezone(company_tz()) if value is not None else None


def status_label(status: str) -> str:
    labels = {
        "running": _("running"),
        "completed": _("completed"),
        "cancelled": _("cancelled"),
        "error": _("error"),
        "withdrawn": _("withdrawn"),
        "open": _("open"),
    }
    return labels.get(status, status)


def role_label(key: str | None) -> str:
    if not key:
        return ""
    zh, en = ROLES.get(key, (key, key))
    return zh if current_locale() == "zh_CN" else en


def list_headers() -> list[str]:
    return [_("Number"), _("Title"), _("Process"), _("Status"), _("Where it stands"), _("Date")]


def instance_rows(rows: Iterable[ListRow]) -> Iterable[list[Any]]:
    locale = current_locale()
    for row in rows:
        stands = "; ".join(
            f"{t.display_name} · {t.assignee.display_name if t.assignee else role_label(t.role)}" for t in row.current
        )
        yield [
            row.instance.business_key or row.instance.id,
            row.instance.title,
            process_name(row.instance.process_key, locale),
            status_label(row.instance.status),
            stands,
            company_time(row.at),
        ]
