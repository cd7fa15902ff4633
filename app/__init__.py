"""The approval system: `create_app()` builds a configured Flask application."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime
from typing import Any

from apiflask import APIFlask
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from . import clock, i18n
from .clock import Clock, FixedClock
from .config import PROJECT_ROOT, Config
from .engine import configure_expression_clock, configure_limits
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .json_bodies import BoundedJSONProvider


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; the busy timeout makes a
    # second writer wait instead of failing at once.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def _configured_clock(at: str | None) -> Clock:
    if not at:
        return Clock()
    try:
        instant = datetime.fromisoformat(at)
    except ValueError as err:
        raise RuntimeError(f"CLOCK_AT must be an ISO 8601 instant with an offset, not {at!r}") from err
    if instant.tzinfo is None:
        raise RuntimeError(f"CLOCK_AT needs an offset such as +08:00: {at!r}")
    return FixedClock(instant)


def _secret_key(app: Flask) -> str:
    """A per-installation key kept in instance/, so the embedded setup needs no configuration."""
    path = PROJECT_ROOT / "instance" / "secret_key"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class _RowId(IntegerConverter):
    """Row ids in URLs: a number the database can hold, so a huge one is a 404, not a crash."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def _startup_warnings(app: Flask) -> list[str]:
    """Settings that work but would not hold in production; logged, and shown on /healthz."""
    warnings = []
    shared_database = not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if shared_database and app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        warnings.append(
            "RATELIMIT_STORAGE_URI is unset: each worker counts log-in attempts on its own, so the "
            "limits multiply by the number of workers; set it to redis://127.0.0.1:6379"
        )
    for warning in warnings:
        app.logger.warning(warning)
    return warnings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # APIFlask generates the API's OpenAPI document from its routes; the API serves it and its
    # reference page itself (app/api/reference.py), and web pages keep their own error pages.
    app = APIFlask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        spec_path=None,
        docs_path=None,
        json_errors=False,
    )
    app.json = BoundedJSONProvider(app)
    app.url_map.converters["id"] = _RowId
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    # A request carrying the largest allowed attachment (plus its form fields) must get through.
    app.config["MAX_CONTENT_LENGTH"] = max(app.config["MAX_CONTENT_LENGTH"], app.config["ATTACHMENT_MAX_BYTES"] + 65536)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)

    app.extensions["startup_warnings"] = _startup_warnings(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A database file on this machine does not drop connections: a ping before every use only costs.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.configure(app)
    babel.init_app(app, locale_selector=i18n.selected_locale)

    from .services.modeling.form_versions import VersionedFormRegistry

    app.extensions["clock"] = app.config.get("CLOCK") or _configured_clock(app.config.get("CLOCK_AT"))
    configure_limits(app.config["SCRIPT_TIME_LIMIT_MS"], app.config["SCRIPT_VALUE_LIMIT_BYTES"])
    # Diagram expressions read the same clock as the rest of the app, in company time.
    configure_expression_clock(clock.now, clock.company_tz)
    app.extensions["forms"] = VersionedFormRegistry(app.config["FORMS_DIR"])

    from . import models  # noqa: F401 - registers the tables with the metadata
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .api.reference import configure as configure_api_reference
    from .auth import bp as auth_bp
    from .cli import register_cli
    from .collaboration import bp as collaboration_bp
    from .complaints import bp as complaints_bp
    from .customers import bp as customers_bp
    from .engine_rest import bp as engine_rest_bp
    from .inbox import bp as inbox_bp
    from .messages import bp as messages_bp
    from .modeler import bp as modeler_bp
    from .processes import bp as processes_bp
    from .services.complaints import (
        cases,  # noqa: F401 - registers its service-task operations
        committee,  # noqa: F401 - registers its service-task operations
        penalties,  # noqa: F401 - registers its service-task operations
        phone_inquiries,  # noqa: F401 - registers its service-task operations
        survey,  # noqa: F401 - registers its service-task operations
    )
    from .services.credit import (  # noqa: F401 - register the credit operations and rules
        adjustments,
        allowances,
        decisions,
        monthly,
        over_limit,
        policy,
        quarterly,
        renewal,
        summary,
    )
    from .services.deadlines import escalation  # noqa: F401 - registers its service-task operations
    from .services.modeling import proposals  # noqa: F401 - registers the change approval's operations
    from .supervision import bp as supervision_bp
    from .web import register_web

    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(processes_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(supervision_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(collaboration_bp)
    app.register_blueprint(modeler_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens only, never cookies
    app.register_blueprint(engine_rest_bp, url_prefix="/engine-rest")
    csrf.exempt(engine_rest_bp)  # HTTP Basic with an API token, never cookies
    configure_api_reference(app)
    register_web(app)
    register_cli(app)
    return app
