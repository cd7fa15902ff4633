from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..services.common.errors import ValidationFailed
from ..services.deadlines import calendar_admin
from .blueprint import bp


class _PrefixedForm(FlaskForm):
    def submit_ok(self) -> bool:
        """Validated, and this form (not the other one on the page) was the one sent."""
        sent = any(key.startswith(f"{self._prefix}") for key in request.form)
        return self.is_submitted() and sent and self.validate()


class DayForm(_PrefixedForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    is_workday = BooleanField(_l("Working day"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class RemoveForm(FlaskForm):
    day = DateField(validators=[DataRequired()])


class YearForm(_PrefixedForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar() -> str | Response | tuple[str, int]:
    days, years = calendar_admin.listing(current_user)
    form, year_form = DayForm(prefix="day"), YearForm(prefix="year")
    if form.submit_ok():
        try:
            calendar_admin.set_day(current_user, form.day.data, bool(form.is_workday.data), form.note.data or "")
            flash(_("Saved"), "info")
            return redirect(url_for("admin.calendar"))
        except ValidationFailed as err:
            form.note.errors = err.errors.get("note", [])
    if year_form.submit_ok():
        calendar_admin.declare_year(current_user, int(year_form.year.data), year_form.note.data or "")
        flash(_("Saved"), "info")
        return redirect(url_for("admin.calendar"))
    status = 422 if (form.is_submitted() and (form.errors or year_form.errors)) else 200
    return render_template(
        "admin/calendar.html", days=days, years=years, form=form, year_form=year_form, remove_form=RemoveForm()
    ), status


@bp.route("/calendar/remove", methods=["POST"])
@login_required
def remove_day() -> Response:
    calendar_admin.require_admin(current_user)
    form = RemoveForm()
    if form.validate_on_submit():
        calendar_admin.remove_day(current_user, form.day.data)
        flash(_("Removed"), "info")
    else:
        flash(_("Invalid date"), "error")
    return redirect(url_for("admin.calendar"))
