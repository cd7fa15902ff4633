from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..services import users as user_service
from . import bp


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(), Length(max=200)])


class LogoutForm(FlaskForm):
    pass


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
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
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    if LogoutForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("已退出 Logged out", "info")
    return redirect(url_for("auth.login"))
