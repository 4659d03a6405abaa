"""``wengu db``: apply, revert and check the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config

from app.cli.common import app_context

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for wengu's migrations against ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    with app_context() as app:
        command.upgrade(alembic_config(app.config["DATABASE_URL"]), revision)
        click.echo(f"database at {revision}: {_display_url(app.config['DATABASE_URL'])}")
        if revision == "head":  # the models are the schema: derived data can be made
            from app.cli.stats import rebuild_rollups

            rebuilt = rebuild_rollups()
            if rebuilt:
                click.echo(f"statistics rollup rebuilt for {rebuilt} users")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. base)."""
    with app_context() as app:
        command.downgrade(alembic_config(app.config["DATABASE_URL"]), revision)


@db.command()
def check() -> None:
    """Fail if the models have changes that no migration covers."""
    with app_context() as app:
        command.check(alembic_config(app.config["DATABASE_URL"]))


def _display_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
