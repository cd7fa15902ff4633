"""The command-line set-up steps, as the README's run command uses them."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.extensions import db
from app.models import ProcessVersion, User

from .conftest import login


def test_demo_seed_creates_the_company_and_refuses_a_short_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--password", "short"])
    assert result.exit_code != 0 and "at least 8" in result.output
    result = runner.invoke(args=["demo", "seed", "--password", "another-pass-9"])
    assert result.exit_code == 0, result.output
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    expected = {
        "salesperson",
        "salesperson2",
        "sales_manager",
        "finance_director",
        "general_manager",
        "sales_vp",
        "cs_director",
        "production_manager",
        "logistics_director",
        "service_owner",
        "credit_controller",
        "process_owner",
        "admin",
    }
    assert expected <= set(users)
    assert users["salesperson2"].supervisor.username == "sales_manager"
    assert users["sales_manager"].supervisor.username == "sales_vp"
    assert users["credit_controller"].supervisor.username == "finance_director"
    assert users["general_manager"].supervisor is None
    assert users["salesperson2"].role_keys == {"salesperson"}
    assert users["admin"].password_hash != "another-pass-9"
    # A few customers with finance's records: the finance director's page shows the cap and the headroom.
    assert "3 demo customers with receivables" in result.output
    again = runner.invoke(args=["demo", "seed", "--password", "another-pass-9"])
    assert again.exit_code == 0 and "demo customers" not in again.output  # nothing made twice
    client = app.test_client()
    login(client, "finance_director", "another-pass-9")
    page = client.get("/customers").get_data(as_text=True)
    assert "¥400,000.00" in page and 'id="headroom"' in page  # 1 January receivables: 180k + 120k + 100k


def test_bpmn_sync_reports_each_process(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["bpmn", "sync"])
    assert result.exit_code == 0, result.output
    assert "credit_application: version 1 (unchanged)" in result.output
    assert "overdue_escalation: version 1 (unchanged)" in result.output
    deployed = set(db.session.scalars(db.select(ProcessVersion.process_key)))
    assert deployed == {
        "credit_application",
        "overdue_escalation",
        "complaint_handling",
        "complaint_monthly_report",
        "complaint_penalty_review",
        "phone_inquiry",
        "phone_call_log",
        "satisfaction_survey",
        "deployment_approval",
        "credit_limit_adjustment",
        "credit_over_limit",
        "credit_one_off_allowance",
        "credit_renewal",
        "credit_quarterly_review",
        "credit_monthly_review",
        "credit_quarterly_summary",
    }
    assert db.session.scalar(db.select(db.func.count(ProcessVersion.id))) == len(deployed)


def test_health_endpoint_answers_without_login(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.json["status"]) == (200, "ok")
    # On PostgreSQL with the log-in limits counted in each worker's memory, the answer says so (see
    # test_login_throttle); on the embedded SQLite, with one process, nothing needs saying.
    shared = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    in_memory = app.config["RATELIMIT_STORAGE_URI"].startswith("memory")
    assert ("warnings" in response.json) == (shared and in_memory)


def test_health_endpoint_reports_a_dead_database(tmp_path: Any) -> None:
    from app import create_app

    from .conftest import _config

    broken = create_app(_config(f"sqlite:///{tmp_path}/missing-dir/nothing.db"))
    with broken.app_context():
        response = broken.test_client().get("/healthz")
    assert (response.status_code, response.json) == (503, {"status": "database unavailable"})


def test_the_scheduler_ticks_only_in_serving_processes_and_never_in_tests(app: Flask) -> None:
    from app.scheduler import start_scheduler

    assert start_scheduler(app) is None  # testing
    app.testing = False
    app.config["SCHEDULER_ENABLED"] = False
    assert start_scheduler(app) is None  # switched off for this host
    app.config["SCHEDULER_ENABLED"] = True
    app.debug = True  # the reloader's watcher process has no WERKZEUG_RUN_MAIN
    assert start_scheduler(app) is None
    app.debug = False
    scheduler = start_scheduler(app)
    try:
        assert scheduler is not None and scheduler.running
        assert [job.id for job in scheduler.get_jobs()] == ["tick"]
        assert start_scheduler(app) is None  # once per process
    finally:
        scheduler.shutdown(wait=False)
        app.testing = True


def test_clock_at_fixes_the_apps_now_and_refuses_an_instant_without_offset(tmp_path: Any) -> None:
    import pytest

    from app import create_app
    from app.clock import now

    from .conftest import _config

    config = {**_config(f"sqlite:///{tmp_path}/clock.db"), "CLOCK": None}
    fixed = create_app({**config, "CLOCK_AT": "2026-10-09T18:30:00+08:00"})
    with fixed.app_context():
        assert now().isoformat() == "2026-10-09T10:30:00+00:00"
    with pytest.raises(RuntimeError, match="CLOCK_AT needs an offset"):
        create_app({**config, "CLOCK_AT": "2026-10-09T18:30:00"})
    with pytest.raises(RuntimeError, match="CLOCK_AT must be an ISO 8601 instant"):
        create_app({**config, "CLOCK_AT": "next tuesday"})
