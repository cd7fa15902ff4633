from . import forms_routes, migration_routes, new_routes, proposal_routes, routes  # noqa: F401 - their routes attach themselves to bp
from .blueprint import bp

__all__ = ["bp"]
