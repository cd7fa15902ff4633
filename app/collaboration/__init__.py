"""Working together on an instance: return, delegate, comment, attach files, keep drafts."""

from flask import Blueprint

bp = Blueprint("collaboration", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
