"""The message centre's pages: the list, following a line, marking lines read."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..services.notifications import centre
from .blueprint import bp


class ReadForm(FlaskForm):
    """Carries only the CSRF token; which lines to mark comes from the `id` fields."""


@bp.app_context_processor
def _bell() -> dict[str, int]:
    """The unread count beside the bell in the top bar, on every signed-in page."""
    if current_user.is_authenticated and not request.path.startswith("/api/"):
        return {"unread_notifications": centre.unread_count(current_user)}
    return {"unread_notifications": 0}


@bp.route("/notifications")
@login_required
def index() -> str:
    lines = centre.list_for(current_user, unread_only=request.args.get("unread") == "1")
    names = centre.actor_names(lines)
    return render_template(
        "messages/index.html",
        lines=[(n, centre.describe(n, names.get(n.actor_id or 0))) for n in lines],
        form=ReadForm(),
        unread_only=request.args.get("unread") == "1",
    )


@bp.route("/notifications/<id:notification_id>")
@login_required
def open_line(notification_id: int) -> Response:
    line = centre.open_line(current_user, notification_id)
    if line is None:
        abort(404)
    if line.task_id is not None:
        return redirect(url_for("inbox.task", task_id=line.task_id))
    if line.instance_id is not None:
        return redirect(url_for("processes.instance", instance_id=line.instance_id))
    return redirect(url_for("messages.index"))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read() -> Response:
    if not ReadForm().validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("id") if v.isdigit() and len(v) < 10]
    centre.mark_read(current_user, ids or None)
    return redirect(url_for("messages.index"))
