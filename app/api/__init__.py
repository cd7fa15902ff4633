"""The JSON API under /api/v1. Its OpenAPI document is generated from these routes (reference.py)."""

from . import (  # noqa: F401 - their routes attach themselves to bp
    admin,
    collaboration,
    complaints,
    customers,
    forms,
    inbox_routes,
    lists,
    migration,
    models,
    reference,
    routes,
)
from .blueprint import bp

__all__ = ["bp"]
