"""Export to Anki: a page listing the decks, and .apkg downloads (one deck tree, or all).

The shell side of :mod:`cards.anki`: load the current user's cards, their
tags, review history and images, turn them into export records, and stream
the package. Left out: retired and deleted cards, tombstoned keys, and cards
that still need an answer (or, on request, included suspended).
"""

from __future__ import annotations

import posixpath
import re
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.accounts.auth import current_user, login_required
from app.cards.scheduler_choice import deck_scheduler
from app.db import get_session, utcnow
from app.i18n import _
from app.models import (
    Card,
    Deck,
    Media,
    NoteSource,
    Review,
    ReviewKind,
    Tag,
    Tombstone,
    User,
    card_tags,
)
from cards.anki import (
    ExportCard,
    ExportNote,
    ExportReview,
    ExportSummary,
    ImageLookup,
    MediaFile,
    Schedule,
    export_package,
    note_kind,
)
from cards.scheduler import DeckScheduler, SchedulerKind

bp = Blueprint("export", __name__, url_prefix="/export")

APKG_MIMETYPE = "application/apkg"
# Packages up to this size stay in memory while they are streamed; larger ones spill to an
# anonymous temporary file, which is gone once closed.
SPOOL_BYTES = 32 * 1024 * 1024

_UNSAFE_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What goes into a package besides the cards' text."""

    scheduling: bool = True
    include_unanswered: bool = False


def deck_tree_ids(decks: Sequence[Deck], roots: Sequence[Deck]) -> set[int]:
    """The ids of ``roots`` and every deck below them (deck names are full ``::`` paths)."""
    prefixes = [root.name for root in roots]
    return {
        deck.id for deck in decks
        if any(deck.name == p or deck.name.startswith(p + "::") for p in prefixes)
    }


def package_file_name(deck_name: str | None) -> str:
    """The download's file name: the deck's name (``a::b`` → ``a-b.apkg``), or ``wengu.apkg``."""
    if not deck_name:
        return "wengu.apkg"
    name = _UNSAFE_FILE_NAME.sub("_", deck_name.replace("::", "-")).strip(" .") or "wengu"
    return f"{name}.apkg"


def _exportable(user_id: int, include_unanswered: bool) -> list[ColumnElement[bool]]:
    """The filters every exported card passes."""
    conditions: list[ColumnElement[bool]] = [
        Card.user_id == user_id,
        Card.retired_at.is_(None),
        Card.deleted_at.is_(None),
        Card.key.not_in(select(Tombstone.key).where(Tombstone.user_id == user_id)),
    ]
    if not include_unanswered:
        conditions.append(Card.needs_answer == false())
    return conditions


def load_export_notes(
    session: Session,
    user_id: int,
    deck_ids: Collection[int] | None,
    options: ExportOptions,
) -> list[ExportNote]:
    """The user's exportable cards in ``deck_ids`` (None: every deck), grouped into notes."""
    query = (
        select(
            Card.id, Card.key, Card.note_key, Card.ord, Card.kind, Card.front, Card.back,
            Card.line, Card.context, Card.needs_answer, Card.suspended, Card.reps, Card.ef,
            Card.interval_days, Card.due, Card.lapses, Card.created_at, Card.modified_at,
            Card.stability, Card.difficulty, Card.deck_id, Deck.name, NoteSource.path,
        )
        .join(Deck, Card.deck_id == Deck.id)
        .outerjoin(NoteSource, Card.source_id == NoteSource.id)
        .where(*_exportable(user_id, options.include_unanswered))
        .order_by(Card.id)
    )
    if deck_ids is not None:
        query = query.where(Card.deck_id.in_(list(deck_ids)))
    rows = session.execute(query).all()
    card_ids = {row.id for row in rows}
    tags: dict[int, list[str]] = {}
    for card_id, name in session.execute(
        select(card_tags.c.card_id, Tag.name)
        .join(Tag, Tag.id == card_tags.c.tag_id)
        .where(Tag.user_id == user_id)
        .order_by(Tag.name)
    ):
        if card_id in card_ids:
            tags.setdefault(card_id, []).append(name)
    reviews = _load_reviews(session, user_id, card_ids, deck_ids) if options.scheduling else {}

    grouped: dict[str, list[Any]] = {}
    cards: dict[str, list[ExportCard]] = {}
    schedulers: dict[int, DeckScheduler] = {}
    for row in rows:
        grouped.setdefault(row.note_key, []).append(row)
        memory: dict[str, float | None] = {}
        if options.scheduling and row.stability is not None:
            scheduler = schedulers.get(row.deck_id)
            if scheduler is None:
                scheduler = schedulers[row.deck_id] = deck_scheduler(session, user_id, row.deck_id)
            if scheduler.kind is SchedulerKind.FSRS:  # an SM-2 deck's cards carry no memory
                memory = {"stability": row.stability, "difficulty": row.difficulty,
                          "desired_retention": scheduler.fsrs.desired_retention,
                          "decay": scheduler.fsrs.parameters[-1]}
        cards.setdefault(row.note_key, []).append(ExportCard(
            key=row.key, deck=row.name, front=row.front, back=row.back, ord=row.ord,
            created_at=row.created_at, modified_at=row.modified_at,
            suspended=row.suspended or row.needs_answer,
            reps=row.reps, ef=row.ef, interval_days=row.interval_days, due=row.due,
            lapses=row.lapses, reviews=tuple(reviews.get(row.id, ())), **memory,
        ))
    notes = []
    for note_key, members in grouped.items():
        first = members[0]
        lines = [m.line for m in members if m.line is not None]
        own_tags = dict.fromkeys(t for m in members for t in tags.get(m.id, ()))
        notes.append(ExportNote(
            note_key=note_key,
            kind=note_kind(first.kind),
            cards=tuple(cards[note_key]),
            source=first.path or "",
            line=min(lines) if lines else None,
            context=tuple(p for p in first.context.split(" > ") if p),
            tags=tuple(own_tags),
        ))
    return notes


def _load_reviews(
    session: Session, user_id: int, card_ids: Collection[int], deck_ids: Collection[int] | None
) -> dict[int, list[ExportReview]]:
    """Each card's answers, oldest first, without undo rows and the answers they undid."""
    query = (
        select(
            Review.id, Review.card_id, Review.kind, Review.grade, Review.reviewed_at,
            Review.duration_ms, Review.undoes_id, Review.due_before, Review.interval_before,
            Review.interval_after, Review.ef_after, Review.lapses_before,
        )
        .where(Review.user_id == user_id)
        .order_by(Review.reviewed_at, Review.id)
    )
    if deck_ids is not None:
        query = query.where(Review.card_id.in_(
            select(Card.id).where(Card.user_id == user_id, Card.deck_id.in_(list(deck_ids)))
        ))
    rows = session.execute(query).all()
    undone = {row.undoes_id for row in rows if row.undoes_id is not None}
    found: dict[int, list[ExportReview]] = {}
    for row in rows:
        if (row.kind == ReviewKind.UNDO.value or row.id in undone or row.grade is None
                or row.card_id not in card_ids):
            continue
        found.setdefault(row.card_id, []).append(ExportReview(
            reviewed_at=row.reviewed_at, grade=row.grade,
            repeat=row.kind == ReviewKind.REPEAT.value, duration_ms=row.duration_ms,
            was_new=row.due_before is None, interval_before=row.interval_before,
            interval_after=row.interval_after, ef_after=row.ef_after,
            lapses_before=row.lapses_before,
        ))
    return found


def image_lookup(session: Session, user_id: int) -> ImageLookup:
    """Find a card's image among the user's stored media, from the note it came from."""

    def lookup(note_path: str, src: str) -> MediaFile | None:
        src = src.strip()
        if not src or _SCHEME.match(src) or src.startswith(("/", "\\", "#")):
            return None
        src = unquote(src.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
        path = posixpath.normpath(posixpath.join(posixpath.dirname(note_path), src))
        media = session.scalar(
            select(Media)
            .where(Media.user_id == user_id, Media.original_path.in_([path, src]))
            .order_by(Media.id.desc())
            .limit(1)
        ) or session.scalar(select(Media).where(Media.user_id == user_id, Media.name == src))
        return MediaFile(media.name, media.data) if media is not None else None

    return lookup


def user_schedule(user: User, now: datetime) -> Schedule:
    """The package's clock: created now, in the user's time zone and day start."""
    try:
        tz = ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return Schedule(created=now, tz=tz, day_start_hour=user.day_start_hour)


def write_user_package(
    session: Session,
    user: User,
    notes: Sequence[ExportNote],
    out: IO[bytes],
    options: ExportOptions,
) -> ExportSummary:
    """Write ``notes`` (from :func:`load_export_notes`) as an .apkg to ``out``."""
    now = utcnow()
    return export_package(
        notes, out, now=now,
        images=image_lookup(session, user.id),
        schedule=user_schedule(user, now) if options.scheduling else None,
    )


def _flag(name: str, default: bool) -> bool:
    """A checkbox from the query string (a hidden ``0`` before the box keeps "off" apart)."""
    values = request.args.getlist(name)
    return "1" in values if values else default


@bp.route("/")
@login_required
def index() -> str:
    """The decks, with what each would export, and download links."""
    session = get_session()
    user = current_user()
    decks = list(session.scalars(
        select(Deck).where(Deck.user_id == user.id).order_by(Deck.name)
    ))
    counts: dict[int, int] = {
        deck_id: count for deck_id, count in session.execute(
            select(Card.deck_id, func.count())
            .where(*_exportable(user.id, False))
            .group_by(Card.deck_id)
        )
    }
    unanswered = session.scalar(
        select(func.count()).select_from(Card)
        .where(*_exportable(user.id, True), Card.needs_answer)
    ) or 0
    rows = [
        {
            "deck": deck,
            "depth": deck.name.count("::"),
            "leaf": deck.name.rsplit("::", 1)[-1],
            "cards": sum(counts.get(i, 0) for i in deck_tree_ids(decks, [deck])),
        }
        for deck in decks
    ]
    return render_template(
        "export/index.html", rows=rows, total=sum(counts.values()), unanswered=unanswered
    )


@bp.route("/download")
@login_required
def download() -> Response:
    """Stream the .apkg of one deck (with its sub-decks) or of everything."""
    session = get_session()
    user = current_user()
    options = ExportOptions(
        scheduling=_flag("scheduling", True),
        include_unanswered=_flag("unanswered", False),
    )
    deck_name = None
    deck_ids = None
    if request.args.get("deck"):
        deck = session.get(Deck, request.args.get("deck", type=int) or 0)
        if deck is None or deck.user_id != user.id:
            abort(404)
        deck_name = deck.name
        deck_ids = deck_tree_ids(
            list(session.scalars(select(Deck).where(Deck.user_id == user.id))), [deck]
        )
    notes = load_export_notes(session, user.id, deck_ids, options)
    if not notes:
        flash(_("Nothing to export there: no cards with an answer."), "error")
        return redirect(url_for("export.index"))
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (send_file closes it)
    try:
        write_user_package(session, user, notes, spool, options)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = send_file(
        spool, mimetype=APKG_MIMETYPE, as_attachment=True,
        download_name=package_file_name(deck_name), max_age=0,
    )
    response.content_length = size
    return response
