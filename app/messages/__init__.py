"""The message centre (the bell in the top bar): what each person has been told, unread first in mind."""

from . import routes  # noqa: F401 - its routes attach themselves to bp
from .blueprint import bp

__all__ = ["bp"]
