"""``wengu import FILE.apkg|FILE.colpkg --user NAME [--deck NAME]``: an Anki collection.

Each package is imported as an import job (:mod:`app.notes.jobs`), like an
upload: refused while another import of the user's runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from flask import Flask, current_app
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from app.cli.common import app_context, find_user, new_session
from app.models import ImportJob
from app.notes.anki import AnkiReport, import_anki_package
from app.notes.importer import Progress as JobProgress
from app.notes.jobs import ImportBusyError, run_job, start_job


class PackageRefused(Exception):
    """The package was not imported, for the reason the message gives."""


def _import_one(app: Flask, path: Path, user_name: str, deck: str | None,
                console: Console) -> AnkiReport:
    session = new_session()
    try:
        user_id = find_user(session, user_name).id
        try:
            job_id = start_job(session, user_id, 0, app.config["IMPORT_JOB_TIMEOUT_S"]).id
        except ImportBusyError as busy:
            raise click.ClickException(
                f"an import for {user_name} is still running (job {busy.job_id}); "
                "wait for it to finish"
            ) from None
    finally:
        session.close()
    with Progress(
        TextColumn(f"[progress.description]{path.name}"), BarColumn(),
        MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True,
    ) as bar:
        task = bar.add_task("importing", total=None)

        def work(import_session: Session, progress: JobProgress) -> AnkiReport:
            def advance(done: int, total: int) -> None:
                progress(done, total, path.name)
                bar.update(task, completed=done, total=total)

            return import_anki_package(
                import_session, user_id, path, deck=deck, progress=advance,
                max_bytes=current_app.config["IMPORT_MAX_UNCOMPRESSED"],
                max_files=current_app.config["IMPORT_MAX_FILES"],
            )

        report = run_job(app, job_id, work)
    if report is None:
        session = new_session()
        try:
            job = session.get(ImportJob, job_id)
            raise PackageRefused(job.error if job is not None and job.error else "stopped")
        finally:
            session.close()
    return report


def import_anki_files(packages: Sequence[Path], user_name: str, deck: str | None) -> None:
    """Import each package in turn, with a progress bar, and print its report."""
    if deck is not None:
        deck = "::".join(part.strip() for part in deck.split("::") if part.strip())
        if not deck:
            raise click.BadParameter("a deck needs a name", param_hint="--deck")
    console = Console(stderr=True)
    failed = False
    with app_context() as app:
        for path in packages:
            try:
                report = _import_one(app, path, user_name, deck, console)
            except PackageRefused as error:
                click.echo(f"{path}: not imported: {error}", err=True)
                failed = True
                continue
            click.echo(f"{path}:")
            click.echo("\n".join(report.lines()))
    if failed:
        raise SystemExit(1)
