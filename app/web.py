"""Shared web behaviour: login wiring, template helpers, HTML error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request, send_from_directory, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .i18n import current_locale
from .models import ProcessInstance, User
from .services.common.errors import DomainError
from .services.desk import inbox as inbox_service
from .services.instances import lifecycle
from .services.instances.chain import OWN_LINES, DoneStep
from .services.people import accounts
from .services.people.directory import role_names as known_roles
from .views import entered_rows


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = accounts.signed_in_user(int(user_id))
    if user is None or not user.active:
        return None
    # A session made before the user's last logout, password change or disabling is void.
    if session.get("epoch") != user.session_epoch:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in")


ERROR_PAGES = {
    400: (_l("Bad request"), _l("The request could not be read. Reload the page and try again.")),
    403: (_l("Not allowed"), _l("You may not open this page.")),
    404: (_l("Not found"), _l("There is no such page, or it no longer exists.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What was sent is larger than allowed.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time: please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("The server could not finish this; nothing was changed. Please try again.")),
}


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

    @app.get("/favicon.ico")
    def _favicon() -> Response:
        # Browsers ask for this path before reading the page's own icon link.
        return send_from_directory(app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml")

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

        def instance_title(instance: ProcessInstance) -> str:
            return lifecycle.instance_title(instance, locale)

        def step_facts(step: DoneStep) -> list[tuple[str, Any]]:
            return entered_rows(step.form, step.details, OWN_LINES)

        def role_labels() -> dict[str, str]:
            return {key: role_name(key) for key in known_roles()}

        def user_name(username: str) -> str:
            # Records keep login names; pages show the person as the reader knows them.
            return accounts.display_name_of(username)

        return {
            "open_task_count": open_count,
            "role_names": known_roles() if current_user.is_authenticated else {},
            "role_name": role_name,
            "process_name": process_name,
            "instance_title": instance_title,
            "step_facts": step_facts,
            "user_name": user_name,
            "role_labels": role_labels,
            "current_locale": locale,
        }

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Any:
        # Framework refusals (no such page, no rights, too many attempts) in the reader's language.
        code = err.code or 500
        if request.path.startswith("/api/"):
            return {"error": err.description}, code
        if code not in ERROR_PAGES:
            return err
        title, message = ERROR_PAGES[code]
        if isinstance(err, CSRFError):
            message = _l("The form has expired or did not come from this site: reload the page and send it again.")
        return render_template("error.html", title=title, message=message, status=code), code

    @app.errorhandler(500)
    def _server_error(_err: Exception) -> Any:
        db.session.rollback()
        title, message = ERROR_PAGES[500]
        if request.path.startswith("/api/"):
            return {"error": str(message)}, 500
        return render_template("error.html", title=title, message=message, status=500), 500

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError) -> tuple[str, int] | Response:
        if err.status in (404, 403):
            title = ERROR_PAGES[err.status][0]
            return render_template("error.html", title=title, message=err.message, status=err.status), err.status
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
