from flask import Blueprint

bp = Blueprint("modeler", __name__, template_folder="templates")

from . import forms_routes, routes  # noqa: E402,F401
