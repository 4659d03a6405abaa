"""The import page: upload notes (``.md`` files or a ``.zip`` of a folder), see the report.

A small upload is imported during the request. A larger one (notes of more
than ``IMPORT_BACKGROUND_BYTES`` unpacked, default 256 KB, or more than
``IMPORT_BACKGROUND_FILES`` files, default 20: what an import costs is its
bytes) runs in a background thread with its own database session; its
progress lives in the :class:`app.models.ImportJob` row (see
:mod:`app.notes.jobs`), which the progress page polls
(``app/static/imports.js``), so other pages stay usable meanwhile. Cards that
imports retired are listed on the retired page, from which they can be
restored.
"""

from __future__ import annotations

from collections.abc import Callable
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
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.access import get_owned_or_404
from app.accounts.auth import current_user, login_required
from app.db import get_session
from app.i18n import _
from app.models import Card, ImportJob
from app.notes.anki import AnkiReport, is_anki_package
from app.notes.anki_upload import start_anki_import
from app.notes.importer import ImportReport, Progress, import_notes
from app.notes.jobs import (
    ACTIVE,
    DEFAULT_TIMEOUT_S,
    ImportBusyError,
    launch_job,
    settle_stale,
    start_job,
)
from app.notes.uploads import Upload, UploadError, read_upload

bp = Blueprint("imports", __name__, url_prefix="/import")

PROGRESS_EVERY_S = 0.5
RETIRED_PAGE = 200
MAX_DECK_NAME = 500


def _form_error(message: str, deck: str, status: int = 400,
                busy_job: int | None = None) -> tuple[str, int]:
    return render_template("imports/index.html", error=message, deck=deck,
                           jobs=_recent_jobs(), busy_job=busy_job), status


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
        return render_template("imports/index.html", error=None, deck="", jobs=_recent_jobs(),
                               busy_job=None)
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
        try:
            job_id = start_anki_import(app_, current_user().id, files[0][1],
                                       _clean_deck(deck_field))
        except ImportBusyError as busy:
            return _form_error(_(str(busy)), deck_field, 409, busy_job=busy.job_id)
        return redirect(url_for("imports.job", job_id=job_id))
    try:
        upload = read_upload(
            files,
            max_uncompressed=current_app.config["IMPORT_MAX_UNCOMPRESSED"],
            max_files=current_app.config["IMPORT_MAX_FILES"],
        )
    except UploadError as error:
        return _form_error(str(error), deck_field)
    try:
        return _start(upload, deck_field)
    except BaseException:
        upload.close()
        raise


def in_background(upload: Upload) -> bool:
    """Whether an upload is imported in a thread rather than within the request."""
    config = current_app.config
    return bool(upload.note_bytes > config["IMPORT_BACKGROUND_BYTES"]
                or len(upload.notes) > config["IMPORT_BACKGROUND_FILES"])


def _start(upload: Upload, deck_field: str) -> Response | tuple[str, int]:
    if not upload.notes:
        upload.close()
        return _form_error(_("The upload holds no markdown notes (.md)."), deck_field)
    session = get_session()
    user_id = current_user().id
    try:
        job = start_job(session, user_id, len(upload.notes), job_timeout_s())
    except ImportBusyError as busy:
        upload.close()
        return _form_error(_(str(busy)), deck_field, 409, busy_job=busy.job_id)
    deck = _clean_deck(deck_field)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    launch_job(app, job.id, notes_work(app, user_id, upload, deck),
               background=in_background(upload), progress_every_s=PROGRESS_EVERY_S,
               cleanup=upload.close)
    return redirect(url_for("imports.job", job_id=job.id))


def job_timeout_s() -> float:
    """Seconds without a heartbeat after which an unfinished import counts as failed."""
    return float(current_app.config.get("IMPORT_JOB_TIMEOUT_S", DEFAULT_TIMEOUT_S))


def notes_work(app: Flask, user_id: int, upload: Upload, deck: str | None
               ) -> Callable[[Session, Progress], ImportReport]:
    """The work of an import job that imports the notes of ``upload`` for ``user_id``."""

    def work(session: Session, progress: Progress) -> ImportReport:
        report = import_notes(session, user_id, upload.notes, roots=upload.roots, deck=deck,
                              load_asset=upload.load_asset, progress=progress,
                              max_note_bytes=app.config["IMPORT_MAX_NOTE_BYTES"])
        report.ignored = list(upload.ignored)
        return report

    return work


def _settle(row: ImportJob) -> None:
    """An unfinished job whose heartbeat stopped is marked failed (see app.notes.jobs)."""
    if row.status in ACTIVE:
        session = get_session()
        if settle_stale(session, row.user_id, job_timeout_s()):
            session.refresh(row)


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
    # Stored in English (app.notes.jobs), shown translated; anything else as it is.
    error = _(row.error) if row.error else ""
    return render_template("imports/job.html", job=row, report=report, error=error)


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
