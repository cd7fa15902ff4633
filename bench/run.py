"""The benchmark: each figure measured through the path users take, next to its floor from the same run.

    .venv/bin/python bench/run.py [--scale quick|full] [--postgres URL|''] [--profile N]

`quick` runs every path with small counts in well under a minute (the test suite runs it to keep the
benchmark working, and asserts nothing about speed); `full` uses the sizes the targets name. The ratio
column is floor ÷ figure for the "≥" rows (1.0 is the limit) and figure ÷ floor for the "≤" rows.
The scaling rows measure one worker and two in turn, in rounds (three at `full`); their ratio is the
median of the rounds' own ratios, and each round's pair is printed beside it, with how much more work
two busy processes got done than one on the machine in that round, the same for two copies of the
product's own work sharing nothing (`bench.ceiling`; both are ceilings for the ratio) and the share
of CPU time left idle while the two workers ran.
`--profile N` instead profiles N completions through the service layer with fresh contexts (cProfile).
`--breakdown N` instead times N completions and N starts at SQLAlchemy's entry points (`bench.breakdown`):
how much of each is SQLAlchemy's own work, and what its ratio would be if that work cost nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SCHEDULER_ENABLED", "0")

from flask import Flask  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from app.extensions import db  # noqa: E402
from bench import breakdown, ceiling, pages, use_cases, workers  # noqa: E402
from bench.product import CONFIG, product_app  # noqa: E402

SIZES: dict[str, dict[str, int]] = {
    "quick": {
        "completions": 20,
        "starts": 20,
        "http": 20,
        "scaling": 20,
        "scaling_rounds": 1,
        "machine_pairs": 1,
        "warm_up": 3,
        "open_small": 200,
        "open_large": 2_000,
        "page_samples": 5,
        "steps_few": 5,
        "steps_many": 9,
    },
    "full": {
        "completions": 400,
        "starts": 200,
        "http": 300,
        "scaling": 300,
        "scaling_rounds": 3,
        "machine_pairs": 3,
        "warm_up": 20,
        "open_small": 1_000,
        "open_large": 100_000,
        "page_samples": 100,
        "steps_few": 5,
        "steps_many": 50,
    },
}
Row = tuple[str, str, str, str]


def _ratio(floor: float, figure: float, target: str) -> str:
    return f"{floor / figure:.2f} (target {target})"


def _growth(figure: float, floor: float, target: str) -> str:
    return f"{figure / floor:.2f}× (target {target})"


def service_rows(app: Flask, path: Path, tmp: Path, sizes: dict[str, int]) -> tuple[list[Row], float]:
    done = use_cases.completions(app, path, tmp, sizes["completions"], sizes["warm_up"])
    started = use_cases.starts(app, path, tmp, sizes["starts"], sizes["warm_up"])
    engine = statistics.median(done.engine)
    commit = statistics.median(done.commit)
    rows = [
        (
            "task completion, service layer, fresh app + request context (ms, p50)",
            f"{done.product_ms:.2f} ({done.statements:.1f} statements)",
            f"engine step {engine:.2f} + durable commit {commit:.2f} = {done.floor_ms:.2f}",
            _ratio(done.floor_ms, done.product_ms, "≥ 0.5"),
        ),
        (
            "instance start, service layer, fresh app + request context (ms, p50)",
            f"{started.product_ms:.2f} ({started.statements:.1f} statements)",
            f"engine start + durable commit {started.floor_ms:.2f}",
            _ratio(started.floor_ms, started.product_ms, "≥ 0.5"),
        ),
    ]
    return rows, done.product_ms


def http_rows(app: Flask, url: str, sizes: dict[str, int], service_ms: float) -> list[Row]:
    times = workers.api_latencies(url, use_cases.file_applications(app, sizes["http"]), sizes["warm_up"])
    http_ms = statistics.median(times)
    measured = _scaling(app, url, sizes)
    return [
        (
            "task completion, JSON API, 1 gunicorn worker, keep-alive client (ms, p50)",
            f"{http_ms:.2f}",
            f"service layer {service_ms:.2f}",
            _ratio(service_ms, http_ms, "≥ 0.7"),
        ),
        _scaling_row("SQLite", measured),
    ]


def _scaling(app: Flask, url: str, sizes: dict[str, int]) -> workers.Scaling:
    return workers.scaling(
        url,
        lambda n: use_cases.file_applications(app, n),
        sizes["scaling"],
        lambda: ceiling.product_parallelism(sizes["scaling"]),
        sizes["scaling_rounds"],
        sizes["machine_pairs"],
    )


def _scaling_row(database: str, measured: workers.Scaling) -> Row:
    """The median of the rounds' ratios; each round's own figures beside it, with the machine's own
    parallelism (two busy processes against one), the product's (two copies of its work, each on its
    own database) and the CPU left idle while two workers ran."""
    rounds = "; ".join(
        f"{two.per_second:.0f}/{one.per_second:.0f} (machine {machine:.2f}×, product alone twice {product:.2f}×,"
        f" idle {two.idle:.0%})"
        for one, two, machine, product in zip(
            measured.one, measured.two, measured.machine, measured.product, strict=True
        )
    )
    return (
        f"completions/s, JSON API, 2 workers against 1, {database}",
        f"{statistics.median(m.per_second for m in measured.two):.0f}",
        f"1 worker {statistics.median(m.per_second for m in measured.one):.0f}; each round 2 against 1: {rounds}",
        f"{measured.ratio:.2f}× (target ≥ 1.7×)",
    )


def postgres_row(server_url: str, sizes: dict[str, int]) -> Row | None:
    try:
        with workers.throwaway_postgres(server_url) as url:
            app = product_app(url)
            measured = _scaling(app, url, sizes)
            with app.app_context():
                db.engine.dispose()
    except OperationalError as err:
        print(f"PostgreSQL not measured: {err.orig}", file=sys.stderr)
        return None
    return _scaling_row("PostgreSQL", measured)


def page_rows(app: Flask, tmp: Path, sizes: dict[str, int]) -> list[Row]:
    small = pages.inbox_app(f"sqlite:///{tmp / 'inbox_small.db'}", sizes["open_small"], CONFIG)
    large = pages.inbox_app(f"sqlite:///{tmp / 'inbox_large.db'}", sizes["open_large"], CONFIG)
    inbox_small, inbox_large = pages.inbox_pages(small, large, sizes["page_samples"])
    few, many = sizes["steps_few"], sizes["steps_many"]
    page_few, page_many = pages.instance_pages(app, few, many, sizes["page_samples"])
    return [
        (
            f"inbox page, HTML, whole request, {sizes['open_large']:,} open tasks (ms, p50)",
            f"{inbox_large:.2f}",
            f"{inbox_small:.2f} at {sizes['open_small']:,}",
            _growth(inbox_large, inbox_small, "≤ 1.3×"),
        ),
        (
            f"instance page, HTML, chain and history, {many} steps (ms, p50)",
            f"{page_many:.2f}",
            f"{page_few:.2f} with {few} steps",
            _growth(page_many, page_few, "≤ 2×"),
        ),
    ]


def run(scale: str, postgres: str | None) -> list[Row]:
    """Every figure of the table, in the order printed."""
    sizes = SIZES[scale]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "bench.db"
        app = product_app(f"sqlite:///{path}")
        rows, service_ms = service_rows(app, path, tmp, sizes)
        rows += http_rows(app, f"sqlite:///{path}", sizes, service_ms)
        if postgres:
            row = postgres_row(postgres, sizes)
            if row is not None:
                rows.append(row)
        rows += page_rows(app, tmp, sizes)
        with app.app_context():
            db.engine.dispose()
    return rows


def table(
    rows: list[tuple[str, ...]], columns: tuple[str, ...] = ("figure", "value", "floor, same run", "ratio")
) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


@contextmanager
def _temporary_app() -> Iterator[tuple[Flask, Path, Path]]:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        app = product_app(f"sqlite:///{tmp / 'bench.db'}")
        yield app, tmp / "bench.db", tmp


def profile(n: int, top: int = 40) -> None:
    """cProfile of `n` completions through the service layer, each in a fresh app and request context."""
    with _temporary_app() as (app, _path, _tmp):
        ids = use_cases.file_applications(app, n)
        manager_id = use_cases.user_id(app, "sales_manager")
        profiler = cProfile.Profile()

        def one(task_id: int) -> None:
            use_cases.complete_as(app, manager_id, task_id)

        for task_id in ids[:10]:
            one(task_id)
        profiler.enable()
        for task_id in ids[10:]:
            one(task_id)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)


def data_layer_rows(n: int, warm_up: int = 20) -> list[tuple[str, str, str, str, str]]:
    """Each service-layer use case split between SQLAlchemy, the driver and the rest, beside its floor."""
    with _temporary_app() as (app, path, tmp), breakdown.timing_sqlalchemy() as split:
        done = use_cases.completions(app, path, tmp, n, warm_up, split)
        started = use_cases.starts(app, path, tmp, n, warm_up, split)
    return [breakdown.row("task completion", done), breakdown.row("instance start", started)]


DATA_LAYER_COLUMNS = (
    "use case, service layer (ms, p50)",
    "whole",
    "SQLAlchemy's own work (share)",
    "driver",
    "floor: ratio",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SIZES, default="quick")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"),
        help="a PostgreSQL server URL without a database ('' to leave PostgreSQL out)",
    )
    parser.add_argument("--profile", type=int, default=0, help="profile this many completions instead")
    parser.add_argument(
        "--breakdown", type=int, default=0, help="split this many completions and starts by data layer instead"
    )
    arguments = parser.parse_args()
    if arguments.profile:
        profile(arguments.profile)
        return
    if arguments.breakdown:
        print(table(data_layer_rows(arguments.breakdown), DATA_LAYER_COLUMNS))
        return
    with open("/proc/loadavg") as load:
        print(f"load average before: {load.read().strip()}", file=sys.stderr)
    print(table(run(arguments.scale, arguments.postgres or None)))
    with open("/proc/loadavg") as load:
        print(f"load average after: {load.read().strip()}", file=sys.stderr)


if __name__ == "__main__":
    main()
