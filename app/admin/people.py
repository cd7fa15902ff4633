"""The administrator's people pages: the list, a new person, editing one, resetting a password."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..i18n import LOCALES
from ..services.common.errors import ValidationFailed
from ..services.people import organisation, staff
from ..services.people.accounts import user_named
from ..views import describe
from .blueprint import bp

_TEXT_FIELDS = ("display_name", "display_name_en", "email", "department", "supervisor")


def _body_from_form(creating: bool) -> dict[str, Any]:
    """The form as the service's body: the same checks as the API, so both refuse the same input."""
    body: dict[str, Any] = {key: request.form.get(key, "") for key in _TEXT_FIELDS}
    body["roles"] = request.form.getlist("roles")
    if creating:
        body["username"] = request.form.get("username", "").strip()
        body["password"] = request.form.get("password") or None
    else:
        body["locale"] = request.form.get("locale", "")
        body["active"] = request.form.get("active") == "on"
    return body


def _choices() -> dict[str, Any]:
    departments = organisation.departments()
    return {
        "roles": organisation.roles(),
        "departments": departments,
        "department_names": {d.key: (d.name_zh, d.name_en) for d in departments},
        "locales": LOCALES,
    }


@bp.route("/people", methods=["GET", "POST"])
@login_required
def people() -> str | Response | tuple[str, int]:
    staff.require_admin(current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            user, secret = staff.create(current_user, _body_from_form(creating=True))
        except ValidationFailed as err:
            errors = err.errors
        else:
            if not request.form.get("password"):
                flash(
                    _(
                        "%(name)s created; their first password, shown only now: %(password)s",
                        name=user.username,
                        password=secret,
                    ),
                    "info",
                )
            else:
                flash(_("%(name)s created", name=user.username), "info")
            return redirect(url_for("admin.person", username=user.username))
    q = request.args.get("q", "")
    no_supervisor, no_role = request.args.get("no_supervisor") == "1", request.args.get("no_role") == "1"
    status = 422 if errors else 200
    try:
        page = staff.page_number(request.args.get("page"))
    except ValidationFailed as err:
        flash(describe(err), "error")
        page, status = 1, 422
    listed = staff.listing(current_user, q, no_supervisor=no_supervisor, no_role=no_role, page=page)
    return render_template(
        "admin/people.html",
        people=listed.people,
        listed=listed,
        q=q,
        no_supervisor=no_supervisor,
        no_role=no_role,
        errors=errors,
        values=request.form,
        **_choices(),
    ), status


@bp.route("/people/<username>", methods=["GET", "POST"])
@login_required
def person(username: str) -> str | Response | tuple[str, int]:
    staff.require_admin(current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            staff.edit(current_user, username, _body_from_form(creating=False))
        except ValidationFailed as err:
            errors = err.errors
        else:
            flash(_("Saved"), "info")
            return redirect(url_for("admin.person", username=username))
    user = user_named(username)
    if user is None:
        return render_template("error.html", message=_("no user '%(name)s'", name=username), status=404), 404
    return render_template("admin/person.html", person=user, errors=errors, **_choices()), (422 if errors else 200)


@bp.route("/people/<username>/password", methods=["POST"])
@login_required
def reset_password(username: str) -> Response:
    secret = staff.reset_password(current_user, username)
    flash(
        _(
            "New password for %(name)s, shown only now: %(password)s. They must change it when they log in.",
            name=username,
            password=secret,
        ),
        "info",
    )
    return redirect(url_for("admin.person", username=username))
