"""The product as the benchmark runs it: the demo company with its deployed diagrams, on a fresh database."""

from __future__ import annotations

from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.services.modeling import deployment
from app.services.people import accounts
from bench.workers import PASSWORD

CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def product_app(url: str) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **CONFIG})
    with app.app_context():
        upgrade()
        accounts.seed_demo(PASSWORD)
        deployment.sync_directory(app.config["BPMN_DIR"])
    return app
