"""How much of a use case is SQLAlchemy's own work, timed at its entry points rather than sampled.

Every call the product makes into SQLAlchemy (a session's execute, scalars, commit, rollback, add and
the rest, and a connection's execute) is timed from its outermost entry to its return; the time the
database driver spent inside it (executing, committing, rolling back) is timed apart. What is left of
those calls is SQLAlchemy's own Python work. The bound that follows is what the service-layer ratio
would be if that work cost nothing at all: the median of each sample less its SQLAlchemy part,
against the floor of the same run. No data layer costs nothing, so a ratio still short of its target
at that bound cannot reach it by changing how the product talks to its database.

Sampling profilers disagree here (one pauses the process at every sample and inflates system calls,
the other misses many samples), and cProfile inflates every small function. The wrappers add about
0.25 µs to each call they see: about 60 calls, 15 µs, per completion or start.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from bench.use_cases import Paired

_SESSION_ENTRY_POINTS = (
    "execute",
    "scalars",
    "scalar",
    "get",
    "commit",
    "rollback",
    "flush",
    "add",
    "expunge",
    "expire",
    "connection",
    "close",
)
_DRIVER_CALLS = ("do_execute", "do_executemany", "do_commit", "do_rollback")


@dataclass
class Split:
    """Milliseconds inside SQLAlchemy's entry points and, of those, inside the driver, since `take`."""

    inside: float = 0.0
    driver: float = 0.0
    _depth: int = 0

    def take(self) -> tuple[float, float]:
        taken = (self.inside * 1000, self.driver * 1000)
        self.inside = self.driver = 0.0
        return taken

    def outermost(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return method(*args, **kwargs)
            self._depth = 1
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.inside += time.perf_counter() - start
                self._depth = 0

        return timed

    def driver_call(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.driver += time.perf_counter() - start

        return timed


@contextmanager
def timing_sqlalchemy() -> Iterator[Split]:
    """Time SQLAlchemy's entry points and the driver's calls while the block runs; restored after it."""
    split = Split()
    patched: list[tuple[type, str, Any]] = []

    def patch(owner: type, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        original = owner.__dict__[name]
        patched.append((owner, name, original))
        setattr(owner, name, wrap(original))

    try:
        for name in _SESSION_ENTRY_POINTS:
            patch(Session, name, split.outermost)
        patch(Connection, "execute", split.outermost)
        for name in _DRIVER_CALLS:
            patch(DefaultDialect, name, split.driver_call)
        yield split
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def row(name: str, measured: Paired) -> tuple[str, str, str, str, str]:
    """A use case measured with a `Split`: its median, SQLAlchemy's and the driver's medians, and its
    ratio to the floor now and with SQLAlchemy's own work taken out of each sample."""
    total = statistics.median(measured.product)
    own = statistics.median(measured.sqlalchemy)
    share = statistics.median(s / t for s, t in zip(measured.sqlalchemy, measured.product, strict=True))
    without = statistics.median(t - s for s, t in zip(measured.sqlalchemy, measured.product, strict=True))
    return (
        name,
        f"{total:.2f}",
        f"{own:.2f} ({share:.0%})",
        f"{statistics.median(measured.driver):.2f}",
        f"{measured.floor_ms:.2f}: {measured.floor_ms / total:.2f} now, "
        f"{measured.floor_ms / without:.2f} with SQLAlchemy's own work at zero",
    )
