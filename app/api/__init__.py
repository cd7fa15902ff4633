from flask import Blueprint

bp = Blueprint("api", __name__)

from . import collaboration, customers, inbox_routes, models, routes  # noqa: E402,F401
