"""An Anki package uploaded on the import page: kept in a temporary file, imported as a job.

The upload is written to a temporary file (a package can be far larger than
memory should hold), then imported by :func:`app.notes.anki.import_anki_package`
as an import job (:mod:`app.notes.jobs`), like a notes upload: one import
per user at a time, a package larger than ``ANKI_BACKGROUND_BYTES`` (default
1 MB) in a background thread whose progress (notes done of the package's
notes) the job page polls, a smaller one during the request. The job's
report is stored under ``"anki"``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from flask import Flask
from sqlalchemy.orm import Session

from app.db import new_session
from app.notes.anki import AnkiReport, import_anki_package
from app.notes.importer import Progress
from app.notes.jobs import DEFAULT_TIMEOUT_S, launch_job, start_job

__all__ = ["BACKGROUND_BYTES", "PROGRESS_EVERY_S", "anki_work", "start_anki_import"]

BACKGROUND_BYTES = 1024 * 1024
PROGRESS_EVERY_S = 0.5


def anki_work(app: Flask, user_id: int, path: Path, deck: str | None
              ) -> Callable[[Session, Progress], AnkiReport]:
    """The work of an import job that imports the package at ``path`` for ``user_id``."""

    def work(session: Session, progress: Progress) -> AnkiReport:
        return import_anki_package(
            session, user_id, path, deck=deck,
            progress=lambda done, total: progress(done, total, path.name),
            max_bytes=app.config["IMPORT_MAX_UNCOMPRESSED"],
            max_files=app.config["IMPORT_MAX_FILES"],
        )

    return work


def start_anki_import(
    app: Flask, user_id: int, stream: IO[bytes], deck: str | None
) -> int:
    """Keep the uploaded package and import it (now or in the background); the job's id.

    Raises :class:`app.notes.jobs.ImportBusyError` (keeping nothing) when an
    import of the user's is still queued or running.
    """
    handle, name = tempfile.mkstemp(prefix="wengu-anki-", suffix=".apkg")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        session = new_session()
        try:
            job_id = start_job(session, user_id, 0, float(
                app.config.get("IMPORT_JOB_TIMEOUT_S", DEFAULT_TIMEOUT_S))).id
        finally:
            session.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    limit = int(app.config.get("ANKI_BACKGROUND_BYTES", BACKGROUND_BYTES))
    launch_job(app, job_id, anki_work(app, user_id, path, deck),
               background=path.stat().st_size > limit, progress_every_s=PROGRESS_EVERY_S,
               cleanup=lambda: path.unlink(missing_ok=True))
    return job_id
