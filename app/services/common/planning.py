"""Steering SQLite's query planner where it has no statistics to go by.

SQLite plans without statistics unless someone runs ANALYZE, and then prefers any index that reads
rows in the order asked for, even when another condition picks out a handful of rows by id. Written
`+column`, a condition no index answers, so the planner starts from the condition that can. Other
databases keep their statistics themselves and get the column as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FunctionElement


class unindexed(FunctionElement[Any]):  # noqa: N801 - used like a SQL function
    """The column's value, which SQLite must not look up through an index."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _plain(element: unindexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unary_plus(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"
