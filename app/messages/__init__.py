"""The message centre (the bell in the top bar): what each person has been told, unread first in mind."""

from flask import Blueprint

bp = Blueprint("messages", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
