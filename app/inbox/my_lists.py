"""The lists beside the inbox (已办 / 我发起的 / 抄送我的) and every inbox list as an Excel workbook."""

from __future__ import annotations

from flask import Response, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..exports import instance_rows, list_headers, refused, xlsx_response
from ..services.common import spreadsheet
from ..services.common.errors import ValidationFailed
from ..services.desk import inbox as inbox_service
from ..services.desk import lists as list_service
from ..services.people import search as people_search
from ..services.people.search import department_label
from ..views import describe
from .blueprint import bp


@bp.route("/my/<any(started, done, copied):scope>")
@login_required
def my_list(scope: str) -> tuple[str, int]:
    status = 200
    try:
        query = list_service.parse_query({**request.args, "scope": scope})
    except ValidationFailed as err:
        flash(describe(err), "error")
        query, status = list_service.ListQuery(scope=scope), 422
    return render_template(
        "inbox/my_list.html",
        query=query,
        scope=scope,
        rows=list_service.rows_for(current_user, query),
        unread_copies=list_service.unread_copies(current_user),
        processes=inbox_service.processes_in_inbox(current_user),
    ), status


@bp.route("/my/<any(started, done, copied):scope>.xlsx")
@login_required
def my_list_export(scope: str) -> Response | tuple[str, int]:
    try:
        query = list_service.parse_query({**request.args, "scope": scope})
    except ValidationFailed as err:
        return refused(err)
    rows = list_service.rows_for(current_user, query)
    titles = {"started": _("Started by me"), "done": _("Done"), "copied": _("Copied to me")}
    return xlsx_response(spreadsheet.workbook(titles[scope], list_headers(), instance_rows(rows)), f"{scope}.xlsx")


@bp.route("/people")
@login_required
def people() -> tuple[dict[str, object], int]:
    """The picker's answers for a signed-in page; the API's /users gives the same to token holders."""
    raw_task = request.args.get("task") or ""
    try:
        if raw_task and (not raw_task.isdigit() or len(raw_task) > 9):
            raise ValidationFailed({"task": [_("must be a task number")]})
        found = people_search.search(
            request.args.get("q", ""),
            request.args.get("for", "copy"),
            current_user,
            int(raw_task) if raw_task else None,
        )
    except ValidationFailed as err:
        return {"errors": {k: [str(m) for m in v] for k, v in err.errors.items()}}, 422
    return {
        "users": [
            {
                "username": f.user.username,
                "display_name": f.user.display_name,
                "department": department_label(f.department),
            }
            for f in found
        ]
    }, 200
