"""``flask create-center``, ``flask create-staff`` and ``flask prune-tokens``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.auth import Role
from core.db import db, utcnow
from core.errors import DomainError
from identity import service, sessions, staff_accounts


def _fail(error: DomainError) -> None:
    messages = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (error.errors or {}).items())
    raise click.ClickException(messages or str(error.detail))


@click.command("create-center")
@click.argument("name")
@click.option("--address", default=None, help="Street address.")
@with_appcontext
def create_center(name: str, address: str | None) -> None:
    """Create a center; prints its id last."""
    try:
        center = service.create_center(name, address)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created center {center.name!r}")
    click.echo(center.id)


@click.command("create-staff")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--center", "center_id", type=int, default=None, help="Center id.")
@click.option("--name", "display_name", default=None, help="Display name.")
@click.password_option(help="Asked for when not given.")
@with_appcontext
def create_staff(
    username: str, role: str, center_id: int | None, display_name: str | None, password: str
) -> None:
    """Create a staff account; prints its id last."""
    try:
        staff = staff_accounts.create_staff(username, password, role, center_id, display_name)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created {staff.role} {staff.username!r}")
    click.echo(staff.id)


@click.command("prune-tokens")
@with_appcontext
def prune_tokens() -> None:
    """Forget refresh tokens past their expiry (daily; they can no longer be used anyway)."""
    pruned = sessions.prune(utcnow())
    db.session.commit()
    click.echo(f"Pruned {pruned} expired refresh token(s).")


commands = (create_center, create_staff, prune_tokens)
