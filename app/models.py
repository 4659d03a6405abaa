"""wengu's data model, designed for the whole product.

A user owns decks, note sources, cards, reviews, tags, media and tombstones.
Every table that holds user data carries ``user_id`` so that every query can
be scoped to the current user with one filter. Times are aware UTC
(:class:`app.db.UTCDateTime`).

Reviews are an append-only history: the model layer refuses to update or
delete them (see :func:`_reviews_are_append_only`). An undo is a review row
of kind ``undo`` pointing at the review it undoes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from app.db import UTCDateTime, utcnow
from cards.draft import normalize

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so Alembic batch mode can name constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class CardKind(enum.StrEnum):
    """What a card is: found in a note (question, definition, list) or made by hand."""

    QUESTION = "question"
    DEFINITION = "definition"
    LIST = "list"
    BASIC = "basic"
    REVERSED = "reversed"
    CLOZE = "cloze"


class ReviewKind(enum.StrEnum):
    """A review row: a scheduled answer, a same-day repeat, or the undo of an earlier row."""

    REVIEW = "review"
    REPEAT = "repeat"
    UNDO = "undo"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Review settings.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    day_start_hour: Mapped[int] = mapped_column(Integer, default=4)
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    grade_buttons: Mapped[int] = mapped_column(Integer, default=4)
    new_per_day: Mapped[int] = mapped_column(Integer, default=20)
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200)
    # The longest interval the scheduler gives, in days.
    max_interval_days: Mapped[int] = mapped_column(
        Integer, default=36500, server_default=text("36500")
    )
    # No new cards while more reviews than this are overdue (None: never stop).
    new_stop_overdue: Mapped[int | None] = mapped_column(Integer, default=None)
    # Bumped on password change: sessions carry it, so old ones stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped with every change to the user's cards (see bump_cards_version): derived
    # card figures (the statistics page) are cached against it.
    cards_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (
        CheckConstraint("day_start_hour >= 0 AND day_start_hour <= 23", name="day_start_hour"),
        CheckConstraint("grade_buttons IN (4, 6)", name="grade_buttons"),
    )


class Deck(Base):
    """A deck; ``name`` is the full path (``notes::kernel::mm``), ``parent`` its parent deck."""

    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("decks.id", ondelete="RESTRICT"), index=True, default=None
    )
    # None: inherit from the parent deck, then the user.
    new_per_day: Mapped[int | None] = mapped_column(Integer, default=None)
    reviews_per_day: Mapped[int | None] = mapped_column(Integer, default=None)
    # Folded in the deck list's tree (its sub-decks hidden).
    collapsed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The scheduler ("sm2" or "fsrs") and FSRS's desired retention; None: the parent's
    # (app.cards.deck_scheduler resolves them), SM-2 and 0.90 at the top.
    scheduler: Mapped[str | None] = mapped_column(String(8), default=None)
    desired_retention: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Deck | None] = relationship(remote_side="Deck.id", back_populates="children")
    children: Mapped[list[Deck]] = relationship(back_populates="parent")

    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_decks_user_name"),
        CheckConstraint("scheduler IS NULL OR scheduler IN ('sm2', 'fsrs')", name="scheduler"),
        CheckConstraint(
            "desired_retention IS NULL"
            " OR (desired_retention >= 0.7 AND desired_retention <= 0.99)",
            name="desired_retention",
        ),
    )


class NoteSource(Base):
    """A note file as last imported: its path within the import, content and hash."""

    __tablename__ = "note_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(1000))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The note's text as imported, for showing a card's surrounding lines.
    content: Mapped[str] = mapped_column(Text, default="")
    deck_id: Mapped[int | None] = mapped_column(
        ForeignKey("decks.id", ondelete="SET NULL"), default=None
    )
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the file disappeared from a later import of its folder.
    missing_since: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (UniqueConstraint("user_id", "path", name="uq_note_sources_user_path"),)


card_tags = Table(
    "card_tags",
    Base.metadata,
    Column("card_id", ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_card_tags_tag_id", "tag_id"),
)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_tags_user_name"),)


class Card(Base):
    """One reviewable card and its SM-2 state.

    ``key`` is the stable identity (from the extractor, or ``manual:…`` for a
    hand-made card), unique within the user's collection. Cards that belong
    together (the two directions of a definition, the clozes of one text)
    share ``note_key`` and differ in ``ord``: they are siblings, never shown
    on the same day, and one Anki note on export.
    """

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="RESTRICT"), index=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("note_sources.id", ondelete="SET NULL"), index=True, default=None
    )
    key: Mapped[str] = mapped_column(String(200))
    note_key: Mapped[str] = mapped_column(String(200))
    ord: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text, default="")
    # Where the card came from in its note (1-based lines; None for hand-made).
    line: Mapped[int | None] = mapped_column(Integer, default=None)
    end_line: Mapped[int | None] = mapped_column(Integer, default=None)
    answer_start: Mapped[int | None] = mapped_column(Integer, default=None)
    answer_end: Mapped[int | None] = mapped_column(Integer, default=None)
    context: Mapped[str] = mapped_column(Text, default="")  # heading path, " > " joined
    # Lifecycle flags.
    needs_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)  # user edited by hand
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried_until: Mapped[datetime | None] = mapped_column(default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    # SM-2 state; ef in hundredths (250 = 2.50), kept exact.
    reps: Mapped[int] = mapped_column(Integer, default=0)
    ef: Mapped[int] = mapped_column(Integer, default=250)
    interval_days: Mapped[int] = mapped_column(Integer, default=0)
    due: Mapped[datetime | None] = mapped_column(default=None)  # None: new
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Scored below 4 today: shown again at the end of the day's session.
    repeat_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # FSRS state (cards.fsrs_scheduler): phase 0 new, 1 learning, 2 review, 3 relearning;
    # the (re)learning step; stability in days and difficulty 1-10 (None while new).
    fsrs_phase: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    fsrs_step: Mapped[int | None] = mapped_column(Integer, default=None)
    stability: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty: Mapped[float | None] = mapped_column(Float, default=None)
    # Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)  # content last changed
    # normalize(front + "\n" + back) for the browser's substring search (NFKC, case-folded);
    # kept up to date by _card_search_text below, whoever writes the card.
    search_text: Mapped[str] = mapped_column(Text, default="")

    deck: Mapped[Deck] = relationship()
    source: Mapped[NoteSource | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=card_tags)

    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_cards_user_key"),
        CheckConstraint("ef >= 130", name="ef_floor"),
        CheckConstraint("reps >= 0 AND lapses >= 0 AND interval_days >= 0", name="counts"),
        # The review queue: a user's live cards by due time.
        Index("ix_cards_user_due", "user_id", "due"),
        Index("ix_cards_user_note_key", "user_id", "note_key"),
        # The day's same-day repeats, in the order they were answered.
        Index("ix_cards_user_repeat", "user_id", "repeat_pending", "last_reviewed_at"),
        Index("ix_cards_source_key", "source_id", "key"),
        # Statistics: forecast, state counts and distributions read only this index;
        # the hardest cards walk the next two in order and stop after a few.
        Index(
            "ix_cards_user_stats", "user_id", "due", "interval_days", "reps", "ef", "lapses",
            "deck_id", "suspended", "needs_answer", "retired_at", "deleted_at",
        ),
        Index("ix_cards_user_lapses", "user_id", "lapses"),
        Index("ix_cards_user_ef", "user_id", "ef"),
    )


class Review(Base):
    """One answer (or same-day repeat, or undo), with the card's state before and after.

    Append-only: never updated or deleted through the model layer.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8), default=ReviewKind.REVIEW.value)
    grade: Mapped[int | None] = mapped_column(Integer)  # None for an undo
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    # Makes answering idempotent: one review per showing of a card.
    showing_id: Mapped[str | None] = mapped_column(String(64), default=None)
    undoes_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id"), index=True, default=None
    )
    # State before.
    reps_before: Mapped[int] = mapped_column(Integer)
    ef_before: Mapped[int] = mapped_column(Integer)
    interval_before: Mapped[int] = mapped_column(Integer)
    due_before: Mapped[datetime | None] = mapped_column()
    lapses_before: Mapped[int] = mapped_column(Integer)
    repeat_pending_before: Mapped[bool] = mapped_column(Boolean, default=False)
    last_reviewed_before: Mapped[datetime | None] = mapped_column(default=None)
    # State after.
    reps_after: Mapped[int] = mapped_column(Integer)
    ef_after: Mapped[int] = mapped_column(Integer)
    interval_after: Mapped[int] = mapped_column(Integer)
    due_after: Mapped[datetime | None] = mapped_column()
    lapses_after: Mapped[int] = mapped_column(Integer)
    repeat_pending_after: Mapped[bool] = mapped_column(Boolean, default=False)
    # FSRS state before (an undo puts it back) and the memory state after.
    fsrs_phase_before: Mapped[int | None] = mapped_column(Integer, default=None)
    fsrs_step_before: Mapped[int | None] = mapped_column(Integer, default=None)
    stability_before: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty_before: Mapped[float | None] = mapped_column(Float, default=None)
    stability_after: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty_after: Mapped[float | None] = mapped_column(Float, default=None)

    card: Mapped[Card] = relationship()

    __table_args__ = (
        UniqueConstraint("card_id", "showing_id", name="uq_reviews_card_showing"),
        CheckConstraint("grade IS NULL OR (grade >= 0 AND grade <= 5)", name="grade_range"),
        Index("ix_reviews_user_time", "user_id", "reviewed_at"),
        # The user's latest review id in one probe (the statistics cache's key).
        Index("ix_reviews_user_id", "user_id", "id"),
        # Covers counting the day's answers by kind and new/seen (the review queue's limits).
        Index("ix_reviews_user_day", "user_id", "reviewed_at", "kind", "due_before"),
        Index("ix_reviews_card_time", "card_id", "reviewed_at"),
        # The card browser's review counts subtract a card's undo rows: few, found by index.
        Index("ix_reviews_card_undo", "card_id", sqlite_where=text("kind = 'undo'"),
              postgresql_where=text("kind = 'undo'")),
    )


class ReviewDayStat(Base):
    """Statistics rollup: a user's answers on one of their days, undone ones left out.

    Counted by review class (0 new, 1 learning, 2 review, 3 repeat), maturity
    (interval before >= 21 days) and grade. Written with each answer by
    ``app.stats.rollup.record``; derived data, rebuilt by ``app.stats.rollup.rebuild``.
    """

    __tablename__ = "review_day_stats"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The user's day as days since 1970-01-01 (app.stats.days.to_date turns it into a date).
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_class: Mapped[int] = mapped_column(Integer, primary_key=True)
    mature: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    grade: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class ReviewStatsMark(Base):
    """The day settings a user's ``review_day_stats`` count every answer for."""

    __tablename__ = "review_stats_marks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    day_start_hour: Mapped[int] = mapped_column(Integer)


class FsrsParameters(Base):
    """A user's FSRS parameters, fitted to their own answers (cards.fsrs_fit).

    No row: the defaults. ``fitted`` is False when the last fitting found too
    few answers and kept the defaults; ``reviews`` counts the answers it read.
    """

    __tablename__ = "fsrs_parameters"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    parameters: Mapped[list[float]] = mapped_column(JSON)
    fitted: Mapped[bool] = mapped_column(Boolean, default=False)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tombstone(Base):
    """A card key the user threw away: no import ever brings it back."""

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32), default="deleted")  # deleted | not-a-card
    front: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_tombstones_user_key"),)


class Media(Base):
    """A file a card refers to (an image from a note), stored by content hash."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Unique per user: "<sha256 prefix>-<original name>", safe for Anki's media folder.
    name: Mapped[str] = mapped_column(String(300))
    original_path: Mapped[str] = mapped_column(String(1000), default="")
    mime: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_media_user_name"),)


class ImportJob(Base):
    """An import run (CLI or upload): its progress and, when finished, its report
    (:mod:`app.notes.jobs` runs it)."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    total_files: Mapped[int] = mapped_column(Integer, default=0)
    done_files: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # Who runs it (host:process:thread) and when it last showed a sign of life.
    owner: Mapped[str | None] = mapped_column(String(200), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    # The user's id while queued or running, else NULL: one unfinished import per user.
    active_user_id: Mapped[int | None] = mapped_column(Integer, default=None, unique=True)


@event.listens_for(Card, "before_insert")
@event.listens_for(Card, "before_update")
def _card_search_text(_mapper: Any, _connection: Any, card: Card) -> None:
    card.search_text = normalize(f"{card.front}\n{card.back or ''}")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a review row."""


_USERS = cast(Table, User.__table__)
# One user's row a statement: a fixed statement, compiled once (an expanding list of
# ids is rendered again on every call), and nearly every caller has one user.
_BUMP = (
    _USERS.update().where(_USERS.c.id == bindparam("uid"))
    .values(cards_version=_USERS.c.cards_version + 1)
    .returning(_USERS.c.cards_version)
)


def bump_cards_version(session: Session, user_ids: Iterable[int]) -> dict[int, int]:
    """Record that the cards of ``user_ids`` changed (in the current transaction); their
    new versions.

    Changes made through the ORM (cards, decks, notes, review rows: a review row
    changes what the review page shows) are counted by a flush listener; the
    one writer of cards with Core statements, :func:`app.review.store.write_answer`,
    calls this itself, before its writes: the user's row is then always locked
    before card rows. One UPDATE per user, in the order of their ids (two
    transactions lock users' rows in the same order).
    """
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return {}
    connection = session.connection()
    versions: dict[int, int] = {}
    for user_id in ids:
        version = connection.execute(_BUMP, {"uid": user_id}).scalar()
        if version is None:  # no such user: the flush that follows refuses the rows
            continue
        versions[user_id] = int(version)
        # A loaded user reads the new version when next asked.
        loaded = session.identity_map.get(identity_key(User, user_id))
        if loaded is not None:
            session.expire(loaded, ["cards_version"])
    return versions


@event.listens_for(Session, "before_flush")
def _count_card_changes(session: Session, _context: Any, _instances: Any) -> None:
    # Before the flush's own statements, so that a transaction locks the user's
    # row before any card row (the same order as write paths that bump first).
    changed: set[int] = set()
    for group, check in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for obj in group:
            # A user_id of None: the flush itself refuses the row.
            if (isinstance(obj, Card | NoteSource | Deck | Review | FsrsParameters)
                    and obj.user_id is not None
                    and (not check or session.is_modified(obj))):
                changed.add(obj.user_id)
    bump_cards_version(session, changed)


@event.listens_for(Session, "before_flush")
def _reviews_are_append_only(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, Review) and session.is_modified(obj):
            raise AppendOnlyError("reviews are append-only: record an undo instead")
    for obj in session.deleted:
        if isinstance(obj, Review):
            raise AppendOnlyError("reviews are append-only: they are never deleted")
