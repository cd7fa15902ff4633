"""The administrator's chat robots page: who hears what on 企业微信, 钉钉 or 飞书, add one, switch one off."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..services.common.errors import NotFound, ValidationFailed
from ..services.notifications import robot_settings
from ..services.people import organisation, staff
from .blueprint import bp


def _page(errors: dict[str, list[str]], values: dict[str, str]) -> str:
    return render_template(
        "admin/robots.html",
        robots=robot_settings.listing(current_user),
        kinds=robot_settings.KIND_NAMES,
        roles=organisation.roles(),
        masked=robot_settings.masked,
        errors=errors,
        values=values,
    )


@bp.route("/robots", methods=["GET", "POST"])
@login_required
def robots() -> str | Response | tuple[str, int]:
    staff.require_admin(current_user)
    if request.method == "POST":
        try:
            robot_settings.add(current_user, dict(request.form))
        except ValidationFailed as err:
            return _page(err.errors, dict(request.form)), 422
        flash(_("Chat robot added"), "info")
        return redirect(url_for("admin.robots"))
    return _page({}, {})


@bp.route("/robots/<int:robot_id>/off", methods=["POST"])
@login_required
def robot_off(robot_id: int) -> Response | tuple[str, int]:
    staff.require_admin(current_user)
    try:
        robot_settings.switch_off(current_user, robot_id)
    except NotFound as err:
        flash(err.message, "error")
        return _page({}, {}), 404
    flash(_("Chat robot switched off"), "info")
    return redirect(url_for("admin.robots"))
