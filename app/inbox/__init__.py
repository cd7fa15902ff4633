from . import exports, list_routes, my_lists, routes  # noqa: F401 - their routes attach themselves to bp
from .blueprint import bp

__all__ = ["bp"]
