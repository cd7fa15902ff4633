from flask import Blueprint

bp = Blueprint("api", __name__)

from . import collaboration, routes  # noqa: E402,F401
