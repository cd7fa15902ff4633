"""The JSON API under /api/v1. Its OpenAPI document is generated from these routes (reference.py)."""

from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, template_folder="templates")

from . import collaboration, inbox_routes, models, reference, routes  # noqa: E402,F401
