"""Named operations that service tasks in a diagram may call.

Diagrams reach the outside world only through this registry, so a process owner
can wire a step to "write the credit file" without any Python in the diagram.
Operations run inside the calling use case's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...models import ProcessInstance, User
from ..deadlines.workdays import WorkCalendar


@dataclass
class OperationContext:
    instance: ProcessInstance
    actor: User | None
    now: datetime
    calendar: WorkCalendar


Operation = Callable[[OperationContext, dict[str, Any], dict[str, Any]], dict[str, Any]]


# Filled by each business area's package (credit, complaints, escalation) through `register`.
OPERATIONS: dict[str, Operation] = {}


def register(name: str) -> Callable[[Operation], Operation]:
    """Add an operation from another module (keeps this registry free of import cycles)."""

    def add(fn: Operation) -> Operation:
        OPERATIONS[name] = fn
        return fn

    return add
