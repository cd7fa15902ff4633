"""Shared web behaviour: login wiring, template helpers, HTML error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .i18n import current_locale
from .models import User
from .services.common.errors import DomainError
from .services.desk import inbox as inbox_service
from .services.instances import lifecycle
from .services.people.directory import role_names as known_roles


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    # A session made before the user's last logout, password change or disabling is void.
    if session.get("epoch") != user.session_epoch:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in")


def register_web(app: Flask) -> None:
    @app.before_request
    def _start_serving_process() -> None:
        # Once per serving process: CLI commands and the reloader's watcher never get here.
        if app.extensions.get("serving_process_ready"):
            return
        app.extensions["serving_process_ready"] = True
        from .scheduler import start_scheduler

        start_scheduler(app)
        if app.config["WORKER_MEMORY_LIMIT_MB"] and not app.testing:
            from .engine.limits import cap_process_memory

            cap_process_memory(app.config["WORKER_MEMORY_LIMIT_MB"])

    @app.get("/healthz")
    def _healthz() -> tuple[dict[str, Any], int]:
        # For load balancers and monitors: no login, no data, just whether the database answers,
        # and any setting the app warned about at start-up.
        warnings = {"warnings": app.extensions["startup_warnings"]} if app.extensions["startup_warnings"] else {}
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return {"status": "database unavailable", **warnings}, 503
        finally:
            db.session.rollback()
        return {"status": "ok", **warnings}, 200

    @app.context_processor
    def _globals() -> dict[str, Any]:
        open_count = 0
        if current_user.is_authenticated and not request.path.startswith("/api/"):
            open_count = inbox_service.open_count_label(current_user)
        locale = current_locale()

        def role_name(key: str) -> str:
            names = known_roles().get(key, (key, key))
            return names[0] if locale == "zh_CN" else names[1]

        def process_name(key: str) -> str:
            return lifecycle.process_name(key, locale)

        return {
            "open_task_count": open_count,
            "role_names": known_roles() if current_user.is_authenticated else {},
            "role_name": role_name,
            "process_name": process_name,
            "current_locale": locale,
        }

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError) -> tuple[str, int] | Response:
        if err.status in (404, 403):
            return render_template("error.html", message=err.message, status=err.status), err.status
        flash(err.message, "error")
        return redirect(request.referrer or url_for("inbox.index"))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'",
        )
        return response
