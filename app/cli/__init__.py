"""The ``wengu`` command line.

Each command lives in a module of its own under ``app/cli``; commands that
need the database build the app with :func:`app.cli.common.app_context`.
"""

from __future__ import annotations

import click

from app.cli.add import add
from app.cli.backup import backup, restore
from app.cli.caches import caches
from app.cli.db import db
from app.cli.export import export
from app.cli.extract import extract
from app.cli.fsrs import fsrs
from app.cli.importer import import_command
from app.cli.serve import serve
from app.cli.stats import stats
from app.cli.user import user


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """wengu (温故): spaced repetition for people who keep notes."""


main.add_command(add)
main.add_command(backup)
main.add_command(caches)
main.add_command(db)
main.add_command(export)
main.add_command(extract)
main.add_command(fsrs)
main.add_command(import_command)
main.add_command(restore)
main.add_command(serve)
main.add_command(stats)
main.add_command(user)
