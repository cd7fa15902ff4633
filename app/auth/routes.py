from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..extensions import limiter
from ..i18n import LOCALE_COOKIE, LOCALES
from ..services.common.errors import ValidationFailed
from ..services.people import accounts as user_service
from .blueprint import bp

# A year: the choice outlives sessions, it is only which language the login page speaks.
LOCALE_COOKIE_AGE = 365 * 24 * 3600


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class LogoutForm(FlaskForm):
    pass


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class LanguageForm(FlaskForm):
    # Each language named in itself, so a reader finds theirs whatever the page speaks now.
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LOCALES.items()],
        validators=[DataRequired()],
    )


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


def _login_name() -> str:
    return f"user:{(request.form.get('username') or '').strip().lower()}"


def _limit_per_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _limit_per_user() -> str:
    return current_app.config["LOGIN_LIMIT_PER_USER"]


def _remember_locale(response: Response, locale: str) -> Response:
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_AGE,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit_per_address, methods=["POST"])
@limiter.limit(_limit_per_user, key_func=_login_name, methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_service.authenticate(form.username.data or "", form.password.data or "")
        if user is None:
            form.password.errors = [_("Wrong user name or password")]
        else:
            session.clear()  # a fresh session at login: nothing carried over from before
            login_user(user)
            session["epoch"] = user.session_epoch
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, language_form=LanguageForm())


@bp.route("/language", methods=["POST"])
def language() -> Response:
    """The login page's switch: before anyone is signed in, the choice lives in a cookie."""
    form = LanguageForm()
    response = redirect(url_for("auth.login"))
    if form.validate_on_submit():
        _remember_locale(response, form.locale.data)
        if current_user.is_authenticated:
            user_service.set_locale(current_user.id, form.locale.data)
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    if LogoutForm().validate_on_submit():
        user_service.log_out_everywhere(current_user.id)
        logout_user()
        session.clear()
        flash(_("Logged out"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response | tuple[str, int]:
    form = LanguageForm(data={"locale": current_user.locale} if request.method == "GET" else None)
    if form.validate_on_submit():
        user_service.set_locale(current_user.id, form.locale.data)
        refresh()  # the confirmation speaks the language just chosen
        flash(_("Language saved"), "info")
        return _remember_locale(redirect(url_for("auth.account")), form.locale.data)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/account.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response | tuple[str, int]:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user_service.change_password(
                current_user.id, form.current_password.data or "", form.new_password.data or ""
            )
        except ValidationFailed as err:
            form.current_password.errors = err.errors.get("current_password", [])
            form.new_password.errors = err.errors.get("password", [])
            return render_template("auth/password.html", form=form), 422
        logout_user()
        session.clear()
        flash(_("Password changed: please log in again"), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form), (422 if form.is_submitted() else 200)
