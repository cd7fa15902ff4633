"""Command-line entry points in the Flask convention: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .cli_robots import robots_cli
from .clock import FixedClock
from .engine import DiagramError
from .services.common.errors import ValidationFailed
from .services.credit import demo as demo_credit
from .services.credit import demo_contacts
from .services.modeling import deployment
from .services.people import accounts as user_service

bpmn_cli = AppGroup("bpmn", help="Deploy process diagrams.")
scheduler_cli = AppGroup("scheduler", help="Timers, escalations and mail.")
users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="A role key, e.g. admin (repeatable).")
@click.option("--password", default=None, help="Leave out to have one generated and shown once.")
@click.option("--email", default=None)
def users_create(username: str, roles: tuple[str, ...], password: str | None, email: str | None) -> None:
    """Create an account, e.g. the first administrator."""
    try:
        user, secret = user_service.create_user(username, list(roles), password, email)
    except ValidationFailed as err:
        raise click.ClickException("; ".join(f"{k}: {' '.join(v)}" for k, v in err.errors.items())) from err
    click.echo(f"created {user.username} ({', '.join(roles)})")
    if password is None:
        click.echo(f"password (shown once, not stored): {secret}")


demo_cli = AppGroup("demo", help="Demo company data.")


@bpmn_cli.command("sync")
def bpmn_sync() -> None:
    """Deploy every diagram in bpmn/ whose content changed, as a new version."""
    try:
        results = deployment.sync_directory(current_app.config["BPMN_DIR"])
    except DiagramError as err:
        for element, message in err.problems:
            click.echo(f"  {element or 'diagram'}: {message}", err=True)
        raise click.ClickException("nothing was deployed") from err
    for result in results:
        state = "deployed" if result.created else "unchanged"
        click.echo(f"{result.process_key}: version {result.version} ({state})")


@demo_cli.command("seed")
@click.option("--password", required=True, help="Password for every demo user (at least 8 characters).")
@click.option("--no-work", is_flag=True, help="Only the users and the org chart, no applications or complaints.")
def demo_seed(password: str, no_work: bool) -> None:
    """One demo user per role (user name = role key), the org chart, a few customers and a day's work."""
    from .services.demo.working_day import seed_working_day

    try:
        users = user_service.seed_demo(password)
    except ValidationFailed as err:
        raise click.BadParameter("; ".join(err.errors["password"]), param_hint="--password") from err
    click.echo(f"{len(users)} demo users: " + ", ".join(u.username for u in users))
    customers = demo_credit.seed_customers()
    if customers:
        click.echo(f"{len(customers)} demo customers with receivables: " + ", ".join(c.code for c in customers))
    demo_contacts.seed_contacts()
    if no_work:
        return
    # The day's work runs on the diagrams, so they are deployed first (unchanged ones stay as they are).
    deployment.sync_directory(current_app.config["BPMN_DIR"])
    if seed_working_day():
        click.echo("a working day of applications, complaints, an escalation and a delegation")
    else:
        click.echo("the demo's work exists already")


@scheduler_cli.command("tick")
@click.option("--at", "at", default=None, help="Run as of this ISO-8601 instant (with offset), e.g. to catch up.")
def scheduler_tick(at: str | None) -> None:
    """Run one pass: fire due timers, escalate overdue tasks, send mail."""
    from .services.deadlines.scheduling import tick

    if at is not None:
        try:
            instant = datetime.fromisoformat(at)
        except ValueError as err:
            raise click.BadParameter(f"'{at}' is not an ISO-8601 date and time", param_hint="--at") from err
        if instant.tzinfo is None:
            raise click.BadParameter("give the offset too, e.g. 2026-10-09T18:30:00+08:00", param_hint="--at")
        current_app.extensions["clock"] = FixedClock(instant)
    report = tick()
    click.echo(
        f"timers fired: {report.timers_fired}, timer starts: {report.timer_starts}, "
        f"escalations: {report.escalations_started}, "
        f"digests: {report.digests_queued}, reports: {report.reports_made}, mails sent: {report.mails_sent}, "
        f"late cases: {report.late_cases_escalated}, credit checks: {report.credit_checks}, errors: {report.errors}"
    )


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write an online backup of the SQLite database to PATH (PostgreSQL: prints the pg_dump to use)."""
    from .services.common.backup import BackupNotSupported, backup_sqlite

    try:
        size = backup_sqlite(path)
    except BackupNotSupported as err:
        raise click.ClickException(str(err)) from err
    except FileExistsError as err:
        raise click.BadParameter(str(err), param_hint="PATH") from err
    click.echo(f"backup written to {path} ({size} bytes)")


@users_cli.command("app-role-grants")
@click.argument("role")
def app_role_grants(role: str) -> None:
    """Print the PostgreSQL grants for the role the app connects as (no UPDATE/DELETE on the audit trail)."""
    from .services.common.database_roles import app_role_grants as grants

    try:
        statements = grants(role)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="ROLE") from err
    for statement in statements:
        click.echo(f"{statement};")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(bpmn_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(robots_cli)
