"""The JSON API under /api/v1. Its OpenAPI document is generated from these routes (reference.py)."""

from . import collaboration, inbox_routes, migration, models, reference, routes  # noqa: F401 - their routes attach themselves to bp
from .blueprint import bp

__all__ = ["bp"]
