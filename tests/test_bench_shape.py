"""The benchmark still runs end to end at its quick size and prints every figure with its floor and ratio.

Nothing here is timed: speed is the benchmark's business, whether it still measures is this test's.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bench import run

from .conftest import PG_URL

FIGURES = [
    "task completion, service layer",
    "instance start, service layer",
    "task completion, JSON API, 1 gunicorn worker",
    "2 workers against 1, SQLite",
    "2 workers against 1, PostgreSQL",
    "inbox page, HTML",
    "instance page, HTML",
]


def test_the_quick_benchmark_prints_each_figure_next_to_its_floor() -> None:
    server = PG_URL.rsplit("/", 1)[0] if PG_URL else None
    rows = run.run("quick", server)
    expected = [f for f in FIGURES if server or "PostgreSQL" not in f]
    assert [next(f for f in FIGURES if f in row[0]) for row in rows] == expected
    for figure, value, floor, ratio in rows:
        assert re.match(r"^\d+(\.\d+)?", value), figure
        assert re.search(r"\d", floor), figure
        assert re.match(r"^\d+\.\d\d×? \(target [≥≤] \d(\.\d+)?×?\)$", ratio), (figure, ratio)
        if "2 workers against 1" in figure:
            # Each round says what the machine, and two copies of the product sharing nothing, gave.
            assert re.search(r"machine \d+\.\d\d×, product alone twice \d+\.\d\d×, idle \d+%", floor), floor
    table = run.table(rows)
    assert table.count("\n") == len(rows) + 1


def test_the_data_layer_breakdown_splits_each_use_case_and_leaves_sqlalchemy_as_it_was() -> None:
    before = (Session.execute, Session.commit, Connection.execute)
    rows = run.data_layer_rows(12, warm_up=3)
    assert [row[0] for row in rows] == ["task completion", "instance start"]
    for name, whole, own, driver, ratio in rows:
        total, sqlalchemy = float(whole), float(own.split()[0])
        # The parts are parts of the whole: SQLAlchemy's own work and the driver's are each inside it.
        assert 0 < sqlalchemy < total, name
        assert 0 < float(driver) < total, name
        assert re.match(r"^\d+\.\d\d: \d+\.\d\d now, \d+\.\d\d with SQLAlchemy's own work at zero$", ratio), ratio
    assert (Session.execute, Session.commit, Connection.execute) == before
    assert run.table(rows, run.DATA_LAYER_COLUMNS).count("\n") == len(rows) + 1
