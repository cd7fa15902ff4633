from flask import Blueprint

bp = Blueprint("supervision", __name__, template_folder="templates")

from . import exports, routes  # noqa: E402,F401
