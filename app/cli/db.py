"""``wengu db``: apply, revert and check the Alembic migrations.

Reverting a migration drops what it added, with the data in it, so
``downgrade`` names the revisions it would revert and asks first (``--yes``
skips the question), and never goes below the first revision: that would
drop every table. Each run is one transaction (see ``migrations/env.py``):
a step that fails leaves the database at the revision it was.
"""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory

from app.cli.common import app_context
from app.db import make_engine

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


@db.command(context_settings={"ignore_unknown_options": True})  # "-1" is a revision
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask (reverting drops data).")
def downgrade(revision: str, yes: bool) -> None:
    """Revert migrations down to REVISION (an id, or -N for N steps back)."""
    with app_context() as app:
        url = app.config["DATABASE_URL"]
        config = alembic_config(url)
        reverted = revisions_to_revert(ScriptDirectory.from_config(config),
                                       current_revision(url), revision)
        if not reverted:
            click.echo(f"nothing to revert: the database is at {revision}")
            return
        click.echo("reverting (what these added is dropped, with its data):")
        for script in reverted:
            click.echo(f"  {script.revision}  {script.doc}")
        if not yes:
            click.confirm(f"Revert {len(reverted)} migration(s) of {_display_url(url)}?",
                          abort=True)
        command.downgrade(config, revision)
        click.echo(f"database at {reverted[-1].down_revision}: {_display_url(url)}")


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None: no migrations applied)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def revisions_to_revert(script: ScriptDirectory, current: str | None, target: str) -> list[Script]:
    """The revisions going from ``current`` down to ``target``, newest first.

    Raises a CLI error for a target that is unknown, above the current revision,
    or below the first revision (``base``).
    """
    if current is None:
        raise click.ClickException("the database has no migrations applied")
    chain: list[Script] = []
    walk: Script | None = script.get_revision(current)
    while walk is not None:
        chain.append(walk)
        down = walk.down_revision
        assert down is None or isinstance(down, str), "wengu's migrations are one line"
        walk = script.get_revision(down) if down else None
    first = chain[-1].revision
    if target.startswith("-") and target[1:].isdigit():
        steps = int(target[1:])
    elif target == "base" or target not in {s.revision for s in chain} | {current}:
        known = {s.revision for s in script.walk_revisions()}
        if target == "base":
            reason = "would drop every table"
        elif target in known:
            reason = f"is not below the current revision {current}"
        else:
            reason = "is not a known revision"
        raise click.ClickException(
            f"{target} {reason}; the lowest revision to go down to is {first}")
    else:
        steps = [s.revision for s in chain].index(target)
    if steps >= len(chain):
        raise click.ClickException(
            f"{target} goes below the first revision {first} (that would drop every table)")
    return chain[:steps]


@db.command()
def check() -> None:
    """Fail if the models have changes that no migration covers."""
    with app_context() as app:
        command.check(alembic_config(app.config["DATABASE_URL"]))


def _display_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
