"""``wengu backup OUT`` and ``wengu restore BACKUP``: see :mod:`app.backup`."""

from __future__ import annotations

from pathlib import Path

import click

from app import backup as backups
from app.cli.common import app_context


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def backup(out: Path, force: bool) -> None:
    """Copy the database to OUT while wengu keeps running (SQLite; PostgreSQL: pg_dump)."""
    with app_context() as app:
        try:
            backups.backup(app.config["DATABASE_URL"], out, replace=force)
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"backed up to {out} ({out.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
def restore(source: Path, yes: bool) -> None:
    """Replace the database with the backup SOURCE (the current one is kept beside it)."""
    with app_context() as app:
        url = app.config["DATABASE_URL"]
        try:
            database = backups.sqlite_path(url)
            if database.exists() and not yes:
                click.confirm(f"Replace everything in {database} with {source}?", abort=True)
            kept = backups.restore(url, source)
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from None
    if kept is not None:
        click.echo(f"the database as it was is kept in {kept}")
    click.echo(f"restored {source}")
