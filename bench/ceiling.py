"""The most two workers could give on this machine, for this product's own work.

Two busy processes do not get twice the work of one done on every machine: cores may be shared with
other guests, and a process with the product's working set competes for caches that a small loop does
not touch. So beside the pure interpreter loop (`workers.machine_parallelism`), this runs the product's
own work twice at once: the service-layer completion loop, fresh contexts and all, alone and then as two
processes, each on its own SQLite database so that they share nothing but the machine. Two workers
serving one database cannot beat that figure; what they lose below it is what sharing the database costs.

    .venv/bin/python -m bench.ceiling N     (one process: prints "ready", waits for a line, then its rate)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from bench import use_cases
from bench.product import product_app

ROOT = Path(__file__).resolve().parent.parent


def _completion_loop(n: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        app = product_app(f"sqlite:///{Path(name) / 'alone.db'}")
        manager_id = use_cases.user_id(app, "sales_manager")
        ids = use_cases.file_applications(app, n)
        print("ready", flush=True)
        sys.stdin.readline()
        start = time.perf_counter()
        for task_id in ids:
            use_cases.complete_as(app, manager_id, task_id)
        print(f"{n / (time.perf_counter() - start):.3f}", flush=True)


def _pipe(stream: IO[str] | None) -> IO[str]:
    assert stream is not None, "started with pipes"
    return stream


def _rates(processes: int, n: int) -> list[float]:
    """Completions/s of each of `processes` loops started together once all are ready."""
    command = [sys.executable, "-m", "bench.ceiling", str(n)]
    running = [
        subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        for _ in range(processes)
    ]
    try:
        for process in running:
            if _pipe(process.stdout).readline().strip() != "ready":
                raise RuntimeError("a completion loop did not start")
        for process in running:
            _pipe(process.stdin).write("go\n")
            _pipe(process.stdin).flush()
        return [float(_pipe(process.stdout).readline()) for process in running]
    finally:
        for process in running:
            process.communicate()


def product_parallelism(n: int, pairs: int = 1) -> float:
    """How much more of the product's work two processes sharing nothing get done than one, now: the
    median over `pairs` of (the two's completions/s together) / (one alone's), each pair back to back."""
    ratios = []
    for _ in range(pairs):
        (alone,) = _rates(1, n)
        ratios.append(sum(_rates(2, n)) / alone)
    return statistics.median(ratios)


if __name__ == "__main__":
    _completion_loop(int(sys.argv[1]))
