"""The administrator's roles page, and the departments page with the org chart."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..services.common.errors import Conflict, NotFound, ValidationFailed
from ..services.people import organisation, staff
from ..services.people.finding import matches
from .blueprint import bp


@bp.route("/roles", methods=["GET", "POST"])
@login_required
def roles() -> str | Response | tuple[str, int]:
    staff.require_admin(current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            role = organisation.add_role(current_user, dict(request.form))
        except ValidationFailed as err:
            errors = err.errors
        else:
            flash(_("Role %(key)s added", key=role.key), "info")
            return redirect(url_for("admin.roles"))
    return render_template("admin/roles.html", roles=organisation.roles(), errors=errors, values=request.form), (
        422 if errors else 200
    )


@bp.route("/roles/retire", methods=["POST"])
@login_required
def retire_role() -> Response | tuple[str, int]:
    staff.require_admin(current_user)
    key = request.form.get("key", "")
    try:
        organisation.retire_role(current_user, key)
    except (Conflict, NotFound) as err:
        flash(err.message, "error")
        return render_template("admin/roles.html", roles=organisation.roles(), errors={}, values={}), err.status
    flash(_("Role %(key)s retired", key=key), "info")
    return redirect(url_for("admin.roles"))


@bp.route("/departments", methods=["GET", "POST"])
@login_required
def departments() -> str | Response | tuple[str, int]:
    staff.require_admin(current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            department = organisation.add_department(current_user, dict(request.form))
        except ValidationFailed as err:
            errors = err.errors
        else:
            flash(_("Department %(key)s added", key=department.key), "info")
            return redirect(url_for("admin.departments"))
    units, roots = organisation.org_chart()
    q = request.args.get("q", "").strip()
    found = {n.user.id for n in _walk(roots) if q and matches(n.user, q)}
    return render_template(
        "admin/departments.html",
        departments=units,
        roots=roots,
        q=q,
        found=found,
        errors=errors,
        values=request.form,
    ), (422 if errors else 200)


def _walk(nodes: list[organisation.ChartNode]) -> list[organisation.ChartNode]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.reports))
    return out
