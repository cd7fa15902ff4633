"""Camunda 7's REST API, the parts its clients use, under /engine-rest.

Programs written against Camunda (external-task workers, small REST clients) talk to the app
unchanged: same paths, typed variables, status codes and error bodies as Camunda's for what is
implemented, and a 501 naming the path for what is not. Callers authenticate with HTTP Basic, a
user name and one of that user's API tokens as the password, as Camunda clients send it.
"""

from __future__ import annotations

from . import external, routes  # noqa: F401 - their routes attach themselves to bp
from .blueprint import bp

__all__ = ["bp"]
