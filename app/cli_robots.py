"""`flask --app wsgi robots add`: give a person or a role a chat robot (企业微信, 钉钉 or 飞书 group robot)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .services.common.errors import ValidationFailed
from .services.notifications import robots

robots_cli = AppGroup("robots", help="Chat robots that hear what a person or a role is told.")


@robots_cli.command("add")
@click.option("--kind", type=click.Choice(robots.KINDS), required=True)
@click.option("--url", required=True, help="The robot's webhook address, as the chat app shows it.")
@click.option("--user", "username", default=None, help="The person whose messages it hears.")
@click.option("--role", default=None, help="The role whose queue it announces, e.g. finance_director.")
@click.option("--secret", default=None, help="The signing secret, for a 钉钉 or 飞书 robot set to check signatures.")
def robots_add(kind: str, url: str, username: str | None, role: str | None, secret: str | None) -> None:
    try:
        hook = robots.add_robot(kind, url, username=username, role=role, secret=secret)
    except ValidationFailed as err:
        raise click.UsageError("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in err.errors.items())) from err
    click.echo(f"robot {hook.id} added")
