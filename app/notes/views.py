"""The import page: upload notes (``.md`` files or a ``.zip`` of a folder), see the report.

A small upload is imported during the request. A larger one (more than
``IMPORT_BACKGROUND_FILES`` notes, default 20) runs in a background thread
with its own database session; its progress lives in the
:class:`app.models.ImportJob` row, which the progress page polls
(``app/static/imports.js``), so other pages stay usable meanwhile. Cards that
imports retired are listed on the retired page, from which they can be
restored.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.access import get_owned_or_404
from app.accounts.auth import current_user, login_required
from app.db import get_session, new_session, utcnow
from app.i18n import _
from app.models import Card, ImportJob
from app.notes.anki import AnkiReport, is_anki_package
from app.notes.anki_upload import start_anki_import
from app.notes.importer import ImportReport, import_notes
from app.notes.uploads import Upload, UploadError, read_upload

bp = Blueprint("imports", __name__, url_prefix="/import")

BACKGROUND_FILES = 20
PROGRESS_EVERY_S = 0.5
RETIRED_PAGE = 200
MAX_DECK_NAME = 500


def _form_error(message: str, deck: str, status: int = 400) -> tuple[str, int]:
    return render_template("imports/index.html", error=message, deck=deck,
                           jobs=_recent_jobs()), status


def _recent_jobs() -> list[ImportJob]:
    return list(get_session().scalars(
        select(ImportJob).where(ImportJob.user_id == current_user().id)
        .order_by(ImportJob.id.desc()).limit(10)
    ))


def _clean_deck(name: str) -> str | None:
    parts = [part.strip() for part in name.split("::")]
    cleaned = "::".join(part for part in parts if part)
    return cleaned or None


@bp.route("/", methods=("GET", "POST"))
@login_required
def index() -> str | Response | tuple[str, int]:
    """The upload form and recent imports; POST starts an import."""
    if request.method == "GET":
        return render_template("imports/index.html", error=None, deck="", jobs=_recent_jobs())
    try:
        deck_field = request.form.get("deck", "").strip()
        uploaded = request.files.getlist("files")
    except RequestEntityTooLarge:
        mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _form_error(_("The upload is larger than %(mb)d MB.", mb=mb), "", 413)
    if len(deck_field) > MAX_DECK_NAME:
        return _form_error(_("A deck name can have at most %(n)d characters.",
                             n=MAX_DECK_NAME), deck_field)
    files = [(f.filename or "", f.stream) for f in uploaded if f.filename]
    if not files:
        return _form_error(_("Choose markdown files or a zip of your notes folder."), deck_field)
    if any(is_anki_package(name) for name, _stream in files):
        if len(files) != 1:
            return _form_error(_("Upload an Anki package on its own."), deck_field)
        app_: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        job_id = start_anki_import(app_, current_user().id, files[0][1], _clean_deck(deck_field))
        return redirect(url_for("imports.job", job_id=job_id))
    try:
        upload = read_upload(
            files,
            max_uncompressed=current_app.config["IMPORT_MAX_UNCOMPRESSED"],
            max_files=current_app.config["IMPORT_MAX_FILES"],
        )
    except UploadError as error:
        return _form_error(str(error), deck_field)
    if not upload.notes:
        return _form_error(_("The upload holds no markdown notes (.md)."), deck_field)

    session = get_session()
    user_id = current_user().id
    job = ImportJob(user_id=user_id, status="queued", total_files=len(upload.notes),
                    created_at=utcnow())
    session.add(job)
    session.commit()
    deck = _clean_deck(deck_field)
    limit = int(current_app.config.get("IMPORT_BACKGROUND_FILES", BACKGROUND_FILES))
    if len(upload.notes) > limit:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(
            target=run_job, args=(app, job.id, user_id, upload, deck),
            name=f"wengu-import-{job.id}", daemon=True,
        )
        app.extensions.setdefault("wengu.import_threads", {})[job.id] = thread
        thread.start()
    else:
        run_job(current_app._get_current_object(), job.id, user_id, upload, deck)  # type: ignore[attr-defined]
    return redirect(url_for("imports.job", job_id=job.id))


def run_job(app: Flask, job_id: int, user_id: int, upload: Upload, deck: str | None) -> None:
    """Run an import job to its end, keeping its row's progress and report up to date.

    Uses sessions of its own (one for the import, one for the job row), so it
    can run in a background thread inside ``app.app_context()``.
    """
    with app.app_context():
        session, job_session = new_session(), new_session()
        try:
            job = job_session.get(ImportJob, job_id)
            if job is None:
                return
            job.status = "running"
            job_session.commit()
            last = 0.0

            def progress(done: int, total: int, _path: str) -> None:
                nonlocal last
                if done < total and time.monotonic() - last < PROGRESS_EVERY_S:
                    return
                last = time.monotonic()
                job.done_files, job.total_files = done, total
                job_session.commit()

            try:
                report = import_notes(session, user_id, upload.notes, roots=upload.roots,
                                      deck=deck, load_asset=upload.assets.get,
                                      progress=progress)
            except Exception as error:  # the job row must say it failed, whatever happened
                session.rollback()
                job_session.rollback()
                job.status, job.error = "failed", f"{type(error).__name__}: {error}"
                job.finished_at = utcnow()
                job_session.commit()
                raise
            report.ignored = list(upload.ignored)
            job.report = report.to_dict()
            job.done_files = job.total_files
            job.status = "done"
            job.finished_at = utcnow()
            job_session.commit()
        finally:
            session.close()
            job_session.close()


@bp.record_once
def _remember_start(state: Any) -> None:
    state.app.extensions["wengu.imports_started_at"] = utcnow()


def _orphaned(row: ImportJob) -> bool:
    """Whether an unfinished job belongs to a server process that has since stopped.

    A job created before this process started, with no thread here, will not
    finish: it is marked failed, and importing again completes its work.
    """
    if row.status not in ("queued", "running"):
        return False
    started = current_app.extensions.get("wengu.imports_started_at")
    thread = current_app.extensions.get("wengu.import_threads", {}).get(row.id)
    return started is not None and row.created_at < started and thread is None


def _settle(row: ImportJob) -> None:
    if _orphaned(row):
        row.status = "failed"
        row.error = _("the server stopped during the import; import again to complete it")
        row.finished_at = utcnow()
        get_session().commit()


@bp.route("/<int:job_id>")
@login_required
def job(job_id: int) -> str:
    """An import's progress while it runs, its report when done."""
    row = get_owned_or_404(ImportJob, job_id)
    _settle(row)
    if row.report and "anki" in row.report:
        return render_template("imports/job.html", job=row, report=None,
                               anki=AnkiReport.from_dict(row.report["anki"]))
    report = ImportReport.from_dict(row.report) if row.report else None
    return render_template("imports/job.html", job=row, report=report)


@bp.route("/<int:job_id>/status")
@login_required
def status(job_id: int) -> Response:
    """An import's progress as JSON, for the progress page."""
    row = get_owned_or_404(ImportJob, job_id)
    _settle(row)
    payload: dict[str, Any] = {
        "status": row.status, "total": row.total_files, "done": row.done_files,
        "finished": row.status in ("done", "failed"),
    }
    return jsonify(payload)


@bp.route("/retired")
@login_required
def retired() -> str:
    """Cards that imports retired (gone from their note), newest first; restorable."""
    session = get_session()
    user_id = current_user().id
    where = (Card.user_id == user_id, Card.retired_at.is_not(None), Card.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Card).where(*where)) or 0
    cards = session.scalars(
        select(Card).where(*where).order_by(Card.retired_at.desc(), Card.id.desc())
        .limit(RETIRED_PAGE)
    ).all()
    return render_template("imports/retired.html", cards=cards, total=total)


@bp.route("/retired/<int:card_id>/restore", methods=("POST",))
@login_required
def restore(card_id: int) -> Response:
    """Bring a retired card back into review, detached from the note it left.

    Detached, a later import of that note does not retire it again; if the
    note brings the same card back, the import joins them up by key.
    """
    card = get_owned_or_404(Card, card_id)
    if card.retired_at is None or card.deleted_at is not None:
        abort(404)
    card.retired_at = None
    card.source_id = None
    get_session().commit()
    flash(_("Restored: %(front)s", front=card.front[:80]))
    return redirect(url_for("imports.retired"))
