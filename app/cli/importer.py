"""``wengu import PATH... --user NAME [--deck NAME]``: notes folders into decks."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from app.cli.anki_import import import_anki_files
from app.cli.common import app_context, find_user, new_session
from app.notes.anki import is_anki_package
from app.notes.importer import OUTCOMES, ImportReport, import_notes, read_paths
from app.notes.importer import Progress as ImportProgress
from app.notes.jobs import ImportBusyError, run_job, start_job

PROGRESS_FROM = 5  # files: a progress bar for imports larger than this

OUTCOME_LABELS = {
    "new": "new",
    "updated": "updated",
    "unchanged": "unchanged",
    "retired": "retired",
    "restored": "restored",
    "conflicts": "conflicts (your edit kept)",
    "tombstoned": "thrown away earlier, not brought back",
}


@click.command("import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--user", "user_name", required=True, help="Whose collection to import into.")
@click.option("--deck", default=None, help="Put every card in this deck (default: one per folder).")
@click.option("--reparse", is_flag=True,
              help="Read unchanged notes too (after upgrading wengu's extractor).")
def import_command(
    paths: tuple[Path, ...], user_name: str, deck: str | None, reparse: bool
) -> None:
    """Import markdown notes (folders or files) into decks, keeping every card's history.

    Run it again whenever the notes change: unchanged files are skipped,
    changed cards are updated in place, vanished ones retired. Anki packages
    (.apkg, .colpkg) come in with their scheduling and review history.
    """
    packages = [path for path in paths if is_anki_package(path.name)]
    if packages:
        if len(packages) != len(paths):
            raise click.UsageError("import Anki packages and notes folders separately")
        import_anki_files(packages, user_name, deck)
        return
    console = Console(stderr=True)
    files, roots, load_asset = read_paths(paths)
    if deck is not None and not deck.strip(" :"):
        raise click.BadParameter("a deck needs a name", param_hint="--deck")
    with app_context() as app:
        session = new_session()
        try:
            user_id = find_user(session, user_name).id
            try:
                job = start_job(session, user_id, len(files), app.config["IMPORT_JOB_TIMEOUT_S"])
            except ImportBusyError as busy:
                raise click.ClickException(
                    f"an import for {user_name} is still running (job {busy.job_id}); "
                    "wait for it to finish"
                ) from None
        finally:
            session.close()
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True,
            disable=len(files) <= PROGRESS_FROM,
        ) as bar:
            task = bar.add_task("importing", total=len(files))

            def work(import_session: Session, progress: ImportProgress) -> ImportReport:
                def advance(done: int, total: int, path: str) -> None:
                    progress(done, total, path)
                    bar.update(task, completed=done, total=total)

                return import_notes(import_session, user_id, files, roots=roots,
                                    deck=deck.strip() if deck else None, load_asset=load_asset,
                                    progress=advance, reparse=reparse,
                                    max_note_bytes=app.config["IMPORT_MAX_NOTE_BYTES"])

            report = run_job(app, job.id, work)
    if report is None:
        raise click.ClickException("the import stopped: an unexpected error (see the log)")
    click.echo(format_report(report))
    if report.files_failed:
        raise SystemExit(1)


def format_report(report: ImportReport) -> str:
    """The report as plain text lines."""
    lines = [
        f"files: {report.files_read} read, {report.files_skipped} unchanged (skipped), "
        f"{len(report.files_failed)} failed, {report.files_moved} moved, "
        f"{len(report.files_missing)} missing",
        "cards: " + ", ".join(f"{report.counts[o]} {OUTCOME_LABELS[o]}" for o in OUTCOMES
                              if report.counts[o] or o in ("new", "updated", "retired")),
    ]
    for path, reason in report.files_failed:
        lines.append(f"  failed: {path}: {reason}")
    for path in report.files_missing[:5]:
        lines.append(f"  missing: {path}")
    for outcome in OUTCOMES:
        if outcome == "unchanged":
            continue
        for example in report.examples[outcome]:
            where = f"{example.path}:{example.line}" if example.line else example.path
            lines.append(f"  {outcome}: {where}  {example.front}")
    for path, warning in report.warnings[:5]:
        lines.append(f"  warning: {path}: {warning}")
    return "\n".join(lines)
