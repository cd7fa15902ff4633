"""Command-line entry points in the Flask convention: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .engine import DiagramError
from .services import deployment
from .services import users as user_service
from .services.errors import ValidationFailed

bpmn_cli = AppGroup("bpmn", help="Deploy process diagrams.")
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
def demo_seed(password: str) -> None:
    """Create one demo user per role (user name = role key) and the demo org chart."""
    try:
        users = user_service.seed_demo(password)
    except ValidationFailed as err:
        raise click.BadParameter("; ".join(err.errors["password"]), param_hint="--password") from err
    click.echo(f"{len(users)} demo users: " + ", ".join(u.username for u in users))


def register_cli(app: Flask) -> None:
    app.cli.add_command(bpmn_cli)
    app.cli.add_command(demo_cli)
