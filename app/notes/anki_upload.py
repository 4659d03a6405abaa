"""An Anki package uploaded on the import page: kept in a temporary file, imported as a job.

The upload is written to a temporary file (a package can be far larger than
memory should hold), then imported by :func:`app.notes.anki.import_anki_package`
under an :class:`app.models.ImportJob` row, like a notes upload: a package
larger than ``ANKI_BACKGROUND_BYTES`` (default 1 MB) in a background thread
whose progress (notes done of the package's notes) the job page polls; a
smaller one during the request. The job's report is stored under ``"anki"``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from flask import Flask

from app.db import new_session, utcnow
from app.models import ImportJob
from app.notes.anki import AnkiImportError, import_anki_package

__all__ = ["BACKGROUND_BYTES", "run_anki_job", "start_anki_import"]

BACKGROUND_BYTES = 1024 * 1024
PROGRESS_EVERY_S = 0.5


def start_anki_import(
    app: Flask, user_id: int, stream: IO[bytes], deck: str | None
) -> int:
    """Keep the uploaded package and import it (now or in the background); the job's id."""
    handle, name = tempfile.mkstemp(prefix="wengu-anki-", suffix=".apkg")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        session = new_session()
        try:
            job = ImportJob(user_id=user_id, status="queued", created_at=utcnow())
            session.add(job)
            session.commit()
            job_id = job.id
        finally:
            session.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    limit = int(app.config.get("ANKI_BACKGROUND_BYTES", BACKGROUND_BYTES))
    if path.stat().st_size > limit:
        thread = threading.Thread(target=run_anki_job, args=(app, job_id, user_id, path, deck),
                                  name=f"wengu-import-{job_id}", daemon=True)
        app.extensions.setdefault("wengu.import_threads", {})[job_id] = thread
        thread.start()
    else:
        run_anki_job(app, job_id, user_id, path, deck)
    return job_id


def run_anki_job(app: Flask, job_id: int, user_id: int, path: Path, deck: str | None) -> None:
    """Import the package at ``path`` under job ``job_id``, then delete the file."""
    with app.app_context():
        session, job_session = new_session(), new_session()
        try:
            job = job_session.get(ImportJob, job_id)
            if job is None:
                return
            job.status = "running"
            job_session.commit()
            last = 0.0

            def progress(done: int, total: int) -> None:
                nonlocal last
                if done < total and time.monotonic() - last < PROGRESS_EVERY_S:
                    return
                last = time.monotonic()
                job.done_files, job.total_files = done, total
                job_session.commit()

            try:
                report = import_anki_package(
                    session, user_id, path, deck=deck, progress=progress,
                    max_bytes=app.config["IMPORT_MAX_UNCOMPRESSED"],
                    max_files=app.config["IMPORT_MAX_FILES"],
                )
            except Exception as error:  # the job row must say it failed, whatever happened
                session.rollback()
                job_session.rollback()
                job.status = "failed"
                job.error = str(error) if isinstance(error, AnkiImportError) else (
                    f"{type(error).__name__}: {error}")
                job.finished_at = utcnow()
                job_session.commit()
                if not isinstance(error, AnkiImportError):
                    raise
                return
            job.report = {"anki": report.to_dict()}
            job.done_files = job.total_files = report.package_notes
            job.status = "done"
            job.finished_at = utcnow()
            job_session.commit()
        finally:
            session.close()
            job_session.close()
            path.unlink(missing_ok=True)
