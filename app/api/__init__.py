from flask import Blueprint

bp = Blueprint("api", __name__)

from . import admin, collaboration, inbox_routes, models, routes  # noqa: E402,F401
