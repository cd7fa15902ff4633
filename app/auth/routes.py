from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import limiter
from ..services import users as user_service
from ..services.errors import ValidationFailed
from . import bp


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(), Length(max=200)])


class LogoutForm(FlaskForm):
    pass


class PasswordForm(FlaskForm):
    current_password = PasswordField("当前密码 Current password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("新密码 New password", validators=[DataRequired(), Length(max=200)])


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
            form.password.errors = ["用户名或密码错误 Wrong user name or password"]
        else:
            session.clear()  # a fresh session at login: nothing carried over from before
            login_user(user)
            session["epoch"] = user.session_epoch
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    if LogoutForm().validate_on_submit():
        user_service.log_out_everywhere(current_user.id)
        logout_user()
        session.clear()
        flash("已退出 Logged out", "info")
    return redirect(url_for("auth.login"))


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
        flash("密码已修改，请重新登录 Password changed: please log in again", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form), (422 if form.is_submitted() else 200)
