"""Working together on an instance: return, delegate, comment, attach files, keep drafts."""

from . import routes  # noqa: F401 - their routes attach themselves to bp
from .blueprint import bp

__all__ = ["bp"]
