"""A worker process for the crash tests: does one kind of work unit by unit, printing after each commit,
so the test can kill it with SIGKILL at a chosen point without sleeping."""

from __future__ import annotations

import sys
from datetime import datetime

from app import create_app
from app.clock import FixedClock
from app.extensions import db
from app.models import HumanTask, User
from app.services.deadlines import timers
from app.services.desk import tasks


def main(kind: str, url: str, at: str) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "CLOCK": FixedClock(datetime.fromisoformat(at))}
    )
    with app.app_context():
        if kind == "complete":
            manager = db.session.scalars(db.select(User).where(User.username == "sales_manager")).one()
            open_ids = db.session.scalars(
                db.select(HumanTask.id)
                .where(HumanTask.status == "open", HumanTask.role == "sales_manager")
                .order_by(HumanTask.id)
            ).all()
            for task_id in open_ids:
                tasks.complete(task_id, manager, {"decision": "approve", "comment": "crash test"})
                print(f"completed {task_id}", flush=True)
        elif kind == "timers":
            while True:
                claimed = timers.claim_due_timers(limit=1)
                if not claimed:
                    break
                print(f"claimed {claimed[0]}", flush=True)
                timers.fire(claimed[0])
                print(f"fired {claimed[0]}", flush=True)
        print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
