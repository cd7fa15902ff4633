"""The in-process tick: APScheduler only says "now"; the database decides who fires what."""

from __future__ import annotations

import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

log = logging.getLogger(__name__)
_started = threading.Lock()


def _run_tick(app: Flask) -> None:
    from .services.deadlines.scheduling import tick

    with app.app_context():
        try:
            report = tick()
            if any(vars(report).values()):
                log.info("scheduler tick: %s", report)
        except Exception:  # noqa: BLE001 - one failed pass must not stop the next
            log.exception("scheduler tick failed")


def start_scheduler(app: Flask) -> BackgroundScheduler | None:
    """Start ticking in this process, once; never in tests nor in the reloader's watcher process."""
    if not app.config["SCHEDULER_ENABLED"] or app.testing:
        return None
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    if not _started.acquire(blocking=False):
        return None
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        _run_tick,
        "interval",
        args=[app],
        seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
        max_instances=1,
        coalesce=True,
        id="tick",
    )
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    return scheduler
