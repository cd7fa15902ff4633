from flask import Blueprint

bp = Blueprint("api", __name__)

from . import models, routes  # noqa: E402,F401
