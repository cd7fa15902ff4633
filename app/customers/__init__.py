from flask import Blueprint

bp = Blueprint("customers", __name__, template_folder="templates")

from . import exports, routes  # noqa: E402,F401
