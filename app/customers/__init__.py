from . import contacts, exports, review_sheets, routes  # noqa: F401 - their routes attach themselves to bp
from .blueprint import bp

__all__ = ["bp"]
