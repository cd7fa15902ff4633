from flask import Blueprint

bp = Blueprint("inbox", __name__, template_folder="templates")

from . import exports, list_routes, my_lists, routes  # noqa: E402,F401
