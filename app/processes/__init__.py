from flask import Blueprint

bp = Blueprint("processes", __name__, template_folder="templates")

from . import record_routes, routes  # noqa: E402,F401
