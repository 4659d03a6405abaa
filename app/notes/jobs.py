"""Import jobs: one owner, a heartbeat, one running import per user, no SQL shown.

Every import (notes or an Anki package; an upload, in the request or in a
background thread, or ``wengu import``) runs as an
:class:`app.models.ImportJob` row, through :func:`start_job` and
:func:`run_job` (or :func:`launch_job`, which runs it now or in a thread):

- **One at a time per user.** A queued or running job holds
  ``active_user_id`` (unique), so a second import for the same user is
  refused by the database itself, whichever worker or process starts it
  (:class:`ImportBusyError`); finishing or failing frees it.
- **One owner.** The thread that runs a job writes its name (host, process,
  thread) into ``owner`` and changes the row only while it is still the
  owner and the job still running.
- **A heartbeat.** While it runs, a small thread stamps ``heartbeat_at``
  every :data:`HEARTBEAT_S` seconds, whatever the import is doing. A job
  whose heartbeat stopped for ``IMPORT_JOB_TIMEOUT_S`` seconds belongs to a
  process that died (killed worker, restart): :func:`settle_stale` marks it
  failed. A restarted worker leaves a job whose heartbeat is fresh alone, even
  if another process runs it.
- **Messages, not SQL.** A job that fails says so in words: an input the
  import refuses (:class:`ImportRefusedError`) with the refusal's own
  message, anything else with a general one; what went wrong in detail
  goes to the log, with the job's id.

The work a job runs returns a report (:class:`JobReport`): what the row
keeps of it, and how many items (note files, Anki notes) it went through.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from flask import Flask
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import new_session, utcnow
from app.i18n import N_
from app.models import ImportJob
from app.notes.importer import Progress

__all__ = [
    "ACTIVE",
    "DEFAULT_TIMEOUT_S",
    "HEARTBEAT_S",
    "ImportBusyError",
    "ImportRefusedError",
    "JobReport",
    "job_owner",
    "launch_job",
    "run_job",
    "settle_stale",
    "start_job",
]

logger = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
DEFAULT_TIMEOUT_S = 60.0
ACTIVE = ("queued", "running")

# Stored in English, translated where shown.
BUSY = N_("An import of yours is still running; wait for it to finish.")
STOPPED = N_("the server stopped during the import; import again to complete it")
UNEXPECTED = N_("an unexpected error stopped the import (the server's log has the details)")



class JobReport(Protocol):
    """What a job's work returns: a notes import's or an Anki import's report."""

    @property
    def items_total(self) -> int:
        """How many items (note files, Anki notes) the import went through."""
        ...

    def job_record(self) -> dict[str, Any]:
        """The report as the job row keeps it (JSON-ready)."""
        ...


R = TypeVar("R", bound=JobReport)


class ImportRefusedError(ValueError):
    """The input cannot be imported, for the reason the message gives in words.

    Raised by a job's work before it changed anything; the message becomes
    the job's error.
    """


class ImportBusyError(RuntimeError):
    """The user already has an import queued or running (``job_id``)."""

    def __init__(self, job_id: int | None) -> None:
        super().__init__(BUSY)
        self.job_id = job_id


def job_owner() -> str:
    """The name a running job's row gives its owner: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def settle_stale(session: Session, user_id: int, timeout_s: float,
                 now: datetime | None = None) -> int:
    """Mark the user's unfinished jobs failed whose heartbeat stopped ``timeout_s`` ago;
    commits, returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=timeout_s)
    result = session.execute(
        update(ImportJob)
        .where(
            ImportJob.user_id == user_id,
            ImportJob.status.in_(ACTIVE),
            or_(ImportJob.heartbeat_at < cutoff,
                and_(ImportJob.heartbeat_at.is_(None), ImportJob.created_at < cutoff)),
        )
        .values(status="failed", active_user_id=None, finished_at=now,
                error=STOPPED)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    stale = int(getattr(result, "rowcount", 0) or 0)
    if stale:
        logger.warning("import jobs of user %s: %d without a heartbeat for %ss, marked failed",
                       user_id, stale, timeout_s)
    return stale


def start_job(session: Session, user_id: int, total_files: int, timeout_s: float) -> ImportJob:
    """A queued job for ``user_id`` (committed), or :class:`ImportBusyError` when one
    of theirs is still queued or running."""
    settle_stale(session, user_id, timeout_s)
    now = utcnow()
    job = ImportJob(user_id=user_id, status="queued", total_files=total_files, created_at=now,
                    heartbeat_at=now, active_user_id=user_id)
    session.add(job)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        running = session.scalar(
            select(ImportJob.id).where(ImportJob.active_user_id == user_id)
        )
        session.rollback()  # nothing is left open: the caller may keep the session for long
        raise ImportBusyError(running) from None
    return job


@contextmanager
def _heartbeat(app: Flask, job_id: int, owner: str) -> Iterator[None]:
    """Stamp the job's ``heartbeat_at`` from a thread of its own while the body runs."""
    stop = threading.Event()

    def beat() -> None:
        with app.app_context():
            while not stop.wait(HEARTBEAT_S):
                session = new_session()
                try:
                    session.execute(
                        update(ImportJob)
                        .where(ImportJob.id == job_id, ImportJob.owner == owner,
                               ImportJob.status == "running")
                        .values(heartbeat_at=utcnow())
                    )
                    session.commit()
                except Exception:  # the database may be away a moment; the next beat retries
                    logger.exception("import job %s: heartbeat failed", job_id)
                    session.rollback()
                finally:
                    session.close()

    thread = threading.Thread(target=beat, name=f"wengu-import-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_job(app: Flask, job_id: int, work: Callable[[Session, Progress], R], *,
            progress_every_s: float = 0.5) -> R | None:
    """Run ``work`` as job ``job_id`` to its end, keeping the row up to date.

    Uses sessions of its own (one for the import, one for the job row), so it
    can run in a background thread. Returns the report, or None when the job
    was not this thread's to run (gone, or already taken) or failed.
    """
    owner = job_owner()
    with app.app_context():
        session, job_session = new_session(), new_session()
        try:
            claimed = job_session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id, ImportJob.status == "queued")
                .values(status="running", owner=owner, heartbeat_at=utcnow())
            )
            job_session.commit()
            if not getattr(claimed, "rowcount", 0):
                return None
            mine = (ImportJob.id == job_id, ImportJob.owner == owner,
                    ImportJob.status == "running")
            last = 0.0

            def progress(done: int, total: int, _path: str) -> None:
                nonlocal last
                if done < total and time.monotonic() - last < progress_every_s:
                    return
                last = time.monotonic()
                job_session.execute(update(ImportJob).where(*mine).values(
                    done_files=done, total_files=total, heartbeat_at=utcnow()))
                job_session.commit()

            with _heartbeat(app, job_id, owner):
                try:
                    report = work(session, progress)
                except Exception as error:  # the row must say it failed, whatever happened
                    if isinstance(error, ImportRefusedError):
                        logger.info("import job %s refused: %s", job_id, error)
                        message = str(error)
                    else:
                        logger.exception("import job %s failed", job_id)
                        message = UNEXPECTED
                    session.rollback()
                    job_session.rollback()
                    job_session.execute(update(ImportJob).where(*mine).values(
                        status="failed", active_user_id=None, finished_at=utcnow(),
                        error=message))
                    job_session.commit()
                    return None
            done = job_session.execute(update(ImportJob).where(*mine).values(
                status="done", active_user_id=None, finished_at=utcnow(),
                report=report.job_record(), done_files=report.items_total,
                total_files=report.items_total))
            job_session.commit()
            if not getattr(done, "rowcount", 0):
                logger.warning("import job %s finished after it was marked failed", job_id)
            return report
        finally:
            session.close()
            job_session.close()


def launch_job(app: Flask, job_id: int, work: Callable[[Session, Progress], JobReport], *,
               background: bool, progress_every_s: float = 0.5,
               cleanup: Callable[[], None] | None = None) -> None:
    """Run job ``job_id`` (see :func:`run_job`) now, or in a thread of its own when
    ``background``; ``cleanup`` runs once the job ended, either way.

    A background job's thread is kept in ``app.extensions["wengu.import_threads"]``
    under the job's id, so that it can be waited for.
    """

    def run() -> None:
        try:
            run_job(app, job_id, work, progress_every_s=progress_every_s)
        finally:
            if cleanup is not None:
                cleanup()

    if not background:
        run()
        return
    thread = threading.Thread(target=run, name=f"wengu-import-{job_id}", daemon=True)
    app.extensions.setdefault("wengu.import_threads", {})[job_id] = thread
    try:
        thread.start()
    except BaseException:
        if cleanup is not None:
            cleanup()
        raise
