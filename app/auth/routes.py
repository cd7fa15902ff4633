from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from ..i18n import LOCALE_COOKIE, LOCALES
from ..services.common.errors import NotFound, ValidationFailed
from ..services.people import accounts as user_service
from ..services.people import login_throttle
from ..services.people.login_throttle import TooManyGuesses
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


class RevokeTokenForm(FlaskForm):
    token_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


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


# What a person whose password was reset may still reach before choosing a new one.
_BEFORE_NEW_PASSWORD = {"auth.change_password", "auth.logout", "auth.language", "static"}


@bp.before_app_request
def _new_password_first() -> Response | None:
    """After an administrator's reset, the next page is the password page, whatever was asked for."""
    if request.path.startswith("/api/") or request.endpoint in _BEFORE_NEW_PASSWORD:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@login_throttle.per_address
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = login_throttle.guarded_authenticate(
                form.username.data or "", form.password.data or "", get_remote_address()
            )
        except TooManyGuesses as err:
            form.password.errors = [err.message]
            return render_template("auth/login.html", form=form, language_form=LanguageForm()), 429
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
    return _account_page(form), status


def _account_page(form: LanguageForm) -> str:
    return render_template(
        "auth/account.html", form=form, tokens=user_service.tokens_of(current_user), revoke_form=RevokeTokenForm()
    )


@bp.route("/account/tokens/revoke", methods=["POST"])
@login_required
def revoke_token() -> Response:
    form = RevokeTokenForm()
    if form.validate_on_submit():
        try:
            user_service.revoke_token(current_user, form.token_id.data)
            flash(_("API token revoked"), "info")
        except NotFound as err:
            flash(err.message, "error")
    else:
        flash(_("Choose a token to revoke"), "error")
    return redirect(url_for("auth.account"))


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
