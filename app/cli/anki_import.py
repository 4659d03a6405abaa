"""``wengu import FILE.apkg|FILE.colpkg --user NAME [--deck NAME]``: an Anki collection."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from flask import current_app
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.cli.common import app_context, find_user, new_session
from app.notes.anki import AnkiImportError, AnkiReport, import_anki_package


def _import_one(path: Path, user_name: str, deck: str | None, console: Console) -> AnkiReport:
    session = new_session()
    try:
        user_id = find_user(session, user_name).id
        session.rollback()
        with Progress(
            TextColumn(f"[progress.description]{path.name}"), BarColumn(),
            MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True,
        ) as bar:
            task = bar.add_task("importing", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return import_anki_package(
                session, user_id, path, deck=deck, progress=advance,
                max_bytes=current_app.config["IMPORT_MAX_UNCOMPRESSED"],
                max_files=current_app.config["IMPORT_MAX_FILES"],
            )
    finally:
        session.close()


def import_anki_files(packages: Sequence[Path], user_name: str, deck: str | None) -> None:
    """Import each package in turn, with a progress bar, and print its report."""
    if deck is not None:
        deck = "::".join(part.strip() for part in deck.split("::") if part.strip())
        if not deck:
            raise click.BadParameter("a deck needs a name", param_hint="--deck")
    console = Console(stderr=True)
    failed = False
    with app_context():
        for path in packages:
            try:
                report = _import_one(path, user_name, deck, console)
            except AnkiImportError as error:
                click.echo(f"{path}: not imported: {error}", err=True)
                failed = True
                continue
            click.echo(f"{path}:")
            click.echo("\n".join(report.lines()))
    if failed:
        raise SystemExit(1)
