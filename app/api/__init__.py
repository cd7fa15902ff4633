from flask import Blueprint

bp = Blueprint("api", __name__)

from . import collaboration, inbox_routes, lists, models, routes  # noqa: E402,F401
