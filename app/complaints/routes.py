from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField
from wtforms.validators import DataRequired, Length

from .. import clock
from ..clock import company_tz
from ..extensions import db
from ..models import Complaint
from ..services.common.errors import DomainError, ValidationFailed
from ..services.complaints import case_clock, penalties, phone_inquiries
from ..services.complaints import cases as complaint_service
from ..services.people import stand_ins
from ..services.people.access import complaint_instances_of, sees_complaint_register
from .blueprint import bp


class StandInForm(FlaskForm):
    username = StringField(_l("Stand-in"), validators=[DataRequired(), Length(max=64)])
    starts_at = DateTimeLocalField(_l("From"), validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Until"), validators=[DataRequired()])


def _require_register() -> None:
    """The statistics cover the whole register: only for those who may read all of it."""
    if not sees_complaint_register(current_user):
        abort(403)


def _month() -> tuple[int, int]:
    text = request.args.get("month")
    if text:
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            abort(400, _("month must look like 2026-10"))
        return int(match.group(1)), int(match.group(2))
    return complaint_service.previous_month(clock.now(), company_tz())


@bp.route("/complaints")
@login_required
def index() -> str:
    query = db.select(Complaint).order_by(Complaint.received_at.desc()).limit(200)
    visible = complaint_instances_of(current_user)
    if visible is not None:
        query = query.where(Complaint.instance_id.in_(visible))
    rows = db.session.scalars(query).all()
    now = clock.now()
    return render_template(
        "complaints/index.html",
        complaints=rows,
        clocks={c.id: case_clock.clock_of(c, now) for c in rows},
        at_risk=case_clock.at_risk(now) if case_clock.may_watch(current_user) else None,
        now=now,
        form=StandInForm(),
        stand_ins=stand_ins.current("cs_director"),
        names=complaint_service.CATEGORY_NAMES,
        whole_register=visible is None,
    )


@bp.route("/complaints/stand-in", methods=["POST"])
@login_required
def stand_in() -> Response:
    stand_ins.require_may_name(current_user, "cs_director")
    form = StandInForm()
    if not form.validate_on_submit():
        flash(_("Give the stand-in and the period"), "error")
        return redirect(url_for("complaints.index"))
    tz = company_tz()
    try:
        stand_ins.name_stand_in(
            current_user,
            "cs_director",
            form.username.data or "",
            form.starts_at.data.replace(tzinfo=tz),
            form.ends_at.data.replace(tzinfo=tz),
        )
        flash(_("Stand-in named"), "info")
    except ValidationFailed as err:
        flash("; ".join(f"{k}: {' '.join(v)}" for k, v in err.errors.items()), "error")
    except DomainError as err:
        abort(err.status)
    return redirect(url_for("complaints.index"))


@bp.route("/complaints/stats")
@login_required
def stats() -> str:
    _require_register()
    year, month = _month()
    data = complaint_service.statistics(year, month, company_tz())
    top = max(data["by_category"].values(), default=0)
    return render_template("complaints/stats.html", stats=data, top=top, names=complaint_service.CATEGORY_NAMES)


@bp.route("/complaints/stats.csv")
@login_required
def stats_csv() -> Response:
    _require_register()
    year, month = _month()
    body = complaint_service.statistics_csv(year, month, company_tz())
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=complaints-{year}-{month:02d}.csv"},
    )


def _day() -> date:
    text = request.args.get("day")
    if not text:
        yesterday = clock.now().astimezone(company_tz()).date() - timedelta(days=1)
        return yesterday
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400, _("day must look like 2026-10-09"))


@bp.route("/complaints/calls")
@login_required
def calls() -> str:
    day = _day()
    try:
        rows = phone_inquiries.read_log(current_user, day)
    except DomainError as err:
        abort(err.status)
    return render_template("complaints/calls.html", calls=rows, day=day)


@bp.route("/complaints/calls.xlsx")
@login_required
def calls_xlsx() -> Response:
    day = _day()
    try:
        rows = phone_inquiries.read_log(current_user, day)
    except DomainError as err:
        abort(err.status)
    return Response(
        phone_inquiries.log_xlsx(rows, day),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=calls-{day.isoformat()}.xlsx"},
    )


@bp.route("/complaints/penalties")
@login_required
def penalty_notices() -> str:
    """The published penalties (人事公布单): everyone may read them; each read is recorded."""
    return render_template(
        "complaints/penalties.html",
        reviews=penalties.published(current_user),
        names=complaint_service.CATEGORY_NAMES,
        parties=penalties.PARTY_NAMES,
    )
