"""Importing an Anki package (.apkg, .colpkg) into a user's collection, history and all.

The shell side of :mod:`cards.anki.importing`: the package is unpacked into
a temporary folder and read a chunk of notes at a time; each chunk's cards
are matched to the user's cards and written with Core statements (bulk
inserts, so 100k cards and a million review rows import in bounded memory).
Each chunk is one transaction, so the review pages of other users are never
kept waiting on a long import: a package that cannot be read changes
nothing (it is checked before the first chunk), and an import stopped half
way keeps the chunks it finished; importing the package again completes it,
since nothing is imported twice.

Identity: a card is its Anki note's GUID plus its ord. A note wengu itself
exported carries the GUID wengu derived from the note's key
(:func:`cards.anki.naming.note_guid`), so it comes back to the same cards;
any other note's cards get the note key ``anki:<GUID>``, which wengu's export
turns back into the same GUID. Importing again (or a newer export of the same
collection) therefore updates cards in place:

- the text is replaced when the Anki note changed after the card's text did
  and the card was not edited in wengu (else the import counts a conflict
  and keeps wengu's text); a card from a markdown note then counts as
  edited, so the next import of the note keeps the text from Anki;
- the scheduling is taken from Anki when Anki's last answer is later than
  wengu's; review rows already present (same card, same second) are not
  added twice; local reviews stay;
- a card thrown away in wengu (tombstoned or deleted) is not brought back;
- tags from Anki are added; the card stays in the deck it is in.

New cards go into the Anki deck's namesake (under ``deck`` when given), in
Anki's new-card order. Images the fields show are stored as the user's media
under one note source, ``anki:/collection``, so the cards show them like
images from notes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from app.cards.store import get_or_create_deck
from app.db import utcnow
from app.models import (
    Card,
    Deck,
    Media,
    NoteSource,
    Review,
    Tag,
    Tombstone,
    User,
    bump_cards_version,
    card_tags,
)
from app.notes.jobs import ImportRefusedError
from app.notes.media import MAX_IMAGE_BYTES, image_type, media_name
from app.stats import rollup
from cards.anki.apkg_file import AnkiPackage, AnkiPackageError, is_anki_package
from cards.anki.history import DayClock
from cards.anki.import_records import ImportedCard, ImportedNote, ImportedReview
from cards.anki.importing import read_package
from cards.anki.naming import IMPORTED_NOTE_PREFIX, imported_note_key, note_guid
from cards.anki.scheduling import review_day
from cards.draft import normalize

__all__ = [
    "ANKI_SOURCE_PATH",
    "AnkiImportError",
    "AnkiReport",
    "import_anki_package",
    "is_anki_package",
]

ANKI_SOURCE_PATH = "anki:/collection"
"""The note source Anki cards belong to; their images are stored as ``anki:/<file name>``."""

MAX_TAG_LENGTH = 200  # Tag.name's length
SKIPPED_LISTED = 100  # how many skipped items a report names
_SAME_ANSWER_S = 1  # a review within a second of one stored for the card is the same answer
_FIRST_ANKI_MS = 1_000_000_000_000  # 2001: a card id below this is not a creation time

Progress = Callable[[int, int], None]
_CARDS = cast(Table, Card.__table__)
_REVIEWS = cast(Table, Review.__table__)
_REVIEW_FIELDS = ImportedReview._fields  # each the name of a review column


class AnkiImportError(ImportRefusedError):
    """A package that cannot be imported (nothing was changed)."""


@dataclass
class AnkiReport:
    """What an Anki import did."""

    package_notes: int = 0
    notes: int = 0
    cards: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("new", "updated", "unchanged", "conflicts", "tombstoned"), 0))
    decks: int = 0
    media: int = 0
    reviews: int = 0
    reviews_present: int = 0
    reviews_skipped: int = 0
    other_types: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    skipped_total: int = 0

    def skip(self, what: str, reason: str) -> None:
        """Count something left out, naming the first few."""
        self.skipped_total += 1
        if len(self.skipped) < SKIPPED_LISTED:
            self.skipped.append((what, reason))

    @property
    def items_total(self) -> int:
        """The import job's items: the package's notes."""
        return self.package_notes

    def job_record(self) -> dict[str, Any]:
        """What the import job keeps: :meth:`to_dict` under ``"anki"``."""
        return {"anki": self.to_dict()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (stored on the import job under ``"anki"``)."""
        return {
            "package_notes": self.package_notes, "notes": self.notes, "cards": dict(self.cards),
            "decks": self.decks, "media": self.media, "reviews": self.reviews,
            "reviews_present": self.reviews_present, "reviews_skipped": self.reviews_skipped,
            "other_types": dict(self.other_types),
            "skipped": [list(item) for item in self.skipped],
            "skipped_total": self.skipped_total,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnkiReport:
        """The report back from :meth:`to_dict`'s output."""
        report = cls(
            package_notes=int(data.get("package_notes", 0)), notes=int(data.get("notes", 0)),
            decks=int(data.get("decks", 0)), media=int(data.get("media", 0)),
            reviews=int(data.get("reviews", 0)),
            reviews_present=int(data.get("reviews_present", 0)),
            reviews_skipped=int(data.get("reviews_skipped", 0)),
            other_types={str(k): int(v) for k, v in data.get("other_types", {}).items()},
            skipped=[(str(w), str(r)) for w, r in data.get("skipped", [])],
            skipped_total=int(data.get("skipped_total", 0)),
        )
        report.cards.update({str(k): int(v) for k, v in data.get("cards", {}).items()})
        return report

    def lines(self) -> list[str]:
        """The report as plain text lines (the command line's)."""
        cards = self.cards
        lines = [
            f"notes: {self.notes} of {self.package_notes} imported",
            f"cards: {cards['new']} new, {cards['updated']} updated, "
            f"{cards['unchanged']} unchanged, {cards['conflicts']} conflicts (your edit kept), "
            f"{cards['tombstoned']} thrown away earlier, not brought back",
            f"decks: {self.decks} new; media: {self.media} images stored",
            f"reviews: {self.reviews} imported, {self.reviews_present} already there, "
            f"{self.reviews_skipped} not answers (rescheduled by hand)",
        ]
        for name, count in sorted(self.other_types.items()):
            lines.append(f"  note type {name!r}: {count} notes as basic cards from its templates")
        for what, reason in self.skipped:
            lines.append(f"  skipped: {what}: {reason}")
        if self.skipped_total > len(self.skipped):
            lines.append(f"  … {self.skipped_total - len(self.skipped)} more skipped")
        return lines


def card_key(note_key: str, kind: str, ord_: int) -> str:
    """The key of a note's card ``ord_``, as wengu's own cards are keyed (see cards.identity)."""
    if kind == "cloze":
        return f"{note_key}:c{ord_ + 1}"
    if ord_ == 0:
        return note_key
    return f"{note_key}:r" if kind == "reversed" and ord_ == 1 else f"{note_key}:{ord_}"


@dataclass(slots=True)
class _Stored:
    id: int
    key: str
    kind: str
    edited: bool
    from_note: bool
    modified_at: datetime
    last_reviewed_at: datetime | None
    gone: bool
    front: str
    back: str


class _Importer:
    """One package's import: caches of decks, tags and identities, and the report."""

    def __init__(self, session: Session, user: User, deck: str | None, now: datetime) -> None:
        self.session, self.user_id, self.parent_deck, self.now = session, user.id, deck, now
        try:
            self.tz = ZoneInfo(user.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.tz = ZoneInfo("UTC")
        self.day_start_hour = user.day_start_hour
        self.report = AnkiReport()
        self.decks: dict[str, int] = {}
        self.tags: dict[str, int] = {}
        self.tombstones = set(session.scalars(
            select(Tombstone.key).where(Tombstone.user_id == user.id)
        ))
        # The GUIDs wengu's export wrote for the user's own notes, back to their note keys.
        self.guids: dict[str, str] = {}
        for (note_key,) in session.execute(
            select(Card.note_key).where(Card.user_id == user.id,
                                        Card.note_key.not_like(f"{IMPORTED_NOTE_PREFIX}%"))
            .distinct()
        ):
            self.guids[note_guid(note_key)] = note_key
        self.source_id = self._source()

    def _source(self) -> int:
        source_id = self.session.scalar(select(NoteSource.id).where(
            NoteSource.user_id == self.user_id, NoteSource.path == ANKI_SOURCE_PATH))
        if source_id is None:
            source = NoteSource(user_id=self.user_id, path=ANKI_SOURCE_PATH, content_hash="",
                                imported_at=self.now)
            self.session.add(source)
            self.session.flush()
            source_id = source.id
        return source_id

    def deck_id(self, name: str) -> int:
        full = f"{self.parent_deck}::{name}" if self.parent_deck else name
        known = self.decks.get(full)
        if known is None:
            known = self.decks[full] = get_or_create_deck(self.session, self.user_id, full).id
        return known

    def tag_ids(self, names: Iterable[str]) -> list[int]:
        ids = []
        for name in dict.fromkeys(name[:MAX_TAG_LENGTH] for name in names):
            tag_id = self.tags.get(name)
            if tag_id is None:
                tag_id = self.session.scalar(
                    select(Tag.id).where(Tag.user_id == self.user_id, Tag.name == name))
                if tag_id is None:
                    tag_id = self.session.execute(
                        insert(Tag).values(user_id=self.user_id, name=name).returning(Tag.id)
                    ).scalar_one()
                self.tags[name] = tag_id
            ids.append(tag_id)
        return ids

    def buried_until(self) -> datetime:
        """The start of the user's next review day (a buried card comes back then)."""
        today = review_day(self.now, self.tz, self.day_start_hour)
        clock = DayClock(0, self.tz, self.day_start_hour)
        return clock.start_of((today - clock.day_zero).days + 1)

    # --- one chunk -------------------------------------------------------------------------

    def chunk(self, notes: Sequence[ImportedNote]) -> None:
        keys = {note.guid: self.guids.get(note.guid) or imported_note_key(note.guid)
                for note in notes}
        stored: dict[tuple[str, int], _Stored] = {}
        note_keys = list(set(keys.values()))
        for start in range(0, len(note_keys), 500):
            for row in self.session.execute(
                select(Card.id, Card.note_key, Card.ord, Card.key, Card.kind, Card.edited,
                       Card.source_id, Card.modified_at, Card.last_reviewed_at,
                       Card.deleted_at, Card.front, Card.back)
                .where(Card.user_id == self.user_id,
                       Card.note_key.in_(note_keys[start : start + 500]))
            ):
                stored[(row.note_key, row.ord)] = _Stored(
                    row.id, row.key, row.kind, row.edited,
                    row.source_id is not None and row.source_id != self.source_id,
                    row.modified_at, row.last_reviewed_at,
                    row.deleted_at is not None or row.key in self.tombstones,
                    row.front, row.back,
                )
        present = self._review_seconds([s.id for s in stored.values()])

        new_rows: list[dict[str, Any]] = []
        pending: set[str] = set()
        new_cards: list[tuple[ImportedNote, ImportedCard]] = []
        updates: list[dict[str, Any]] = []
        reviews: list[tuple[int, ImportedCard]] = []
        tag_links: list[tuple[int, list[str]]] = []
        for note in notes:
            note_key = keys[note.guid]
            counted = False
            for card in note.cards:
                found = stored.get((note_key, card.ord))
                if found is None:
                    key = card_key(note_key, note.kind, card.ord)
                    if key in self.tombstones:
                        self.report.cards["tombstoned"] += 1
                        continue
                    if key in pending:
                        self.report.skip(f"{note.guid} (card {card.ord + 1})",
                                         "another note in the package has the same GUID")
                        continue
                    pending.add(key)
                    new_rows.append(self._new_row(note, card, note_key, key))
                    new_cards.append((note, card))
                    self.report.cards["new"] += 1
                    counted = True
                    continue
                if found.gone:
                    self.report.cards["tombstoned"] += 1
                    continue
                counted = True
                outcome, values = self._update(note, card, found)
                self.report.cards[outcome] += 1
                if values:
                    updates.append({"card_id": found.id, **values})
                reviews.append((found.id, card))
                tag_links.append((found.id, [*note.tags, *card.tags]))
            if counted:
                self.report.notes += 1
                if note.other_type:
                    self.report.other_types[note.note_type] = (
                        self.report.other_types.get(note.note_type, 0) + 1)
            for what in note.sounds:
                self.report.skip(what, "sound and video files are not imported")

        if new_rows:
            self.session.connection().execute(insert(_CARDS), new_rows)
            ids = self._ids_by_key([row["key"] for row in new_rows])
            for values, (note, card) in zip(new_rows, new_cards, strict=True):
                reviews.append((ids[values["key"]], card))
                tag_links.append((ids[values["key"]], [*note.tags, *card.tags]))
        for values in updates:
            card_id = values.pop("card_id")
            self.session.execute(
                update(Card).where(Card.id == card_id).values(**values)
                .execution_options(synchronize_session=False)
            )
        self._insert_reviews(reviews, present)
        self._link_tags(tag_links)

    def _new_row(
        self, note: ImportedNote, card: ImportedCard, note_key: str, key: str
    ) -> dict[str, Any]:
        state = card.state
        return {
            "user_id": self.user_id, "deck_id": self.deck_id(card.deck),
            "source_id": self.source_id, "key": key, "note_key": note_key, "ord": card.ord,
            "kind": card.kind, "front": card.front, "back": card.back, "line": None,
            "end_line": None, "answer_start": None, "answer_end": None, "context": "",
            "needs_answer": False, "edited": False, "suspended": card.suspended,
            "buried_until": self.buried_until() if card.buried else None,
            "retired_at": None, "deleted_at": None, "reps": state.reps, "ef": state.ef,
            "interval_days": state.interval, "due": state.due, "lapses": state.lapses,
            "last_reviewed_at": state.last_review, "repeat_pending": False,
            "created_at": self._added(card.card_id), "modified_at": note.modified_at,
            "search_text": normalize(f"{card.front}\n{card.back}"),
        }

    def _added(self, card_id: int) -> datetime:
        """When Anki added the card (its id is the time in ms), or now if the id is not one."""
        if _FIRST_ANKI_MS <= card_id <= self.now.timestamp() * 1000:
            return datetime.fromtimestamp(card_id / 1000, UTC)
        return self.now

    def _update(
        self, note: ImportedNote, card: ImportedCard, found: _Stored
    ) -> tuple[str, dict[str, Any]]:
        values: dict[str, Any] = {}
        outcome = "unchanged"
        changed_in_anki = note.modified_at > found.modified_at + timedelta(seconds=1)
        if changed_in_anki and (found.front, found.back) != (card.front, card.back):
            if found.edited:
                outcome = "conflicts"
            else:
                values.update(front=card.front, back=card.back, modified_at=note.modified_at,
                              search_text=normalize(f"{card.front}\n{card.back}"))
                if found.from_note:
                    values["edited"] = True
                outcome = "updated"
        anki_last = card.state.last_review
        if anki_last is not None and (
            found.last_reviewed_at is None
            or anki_last > found.last_reviewed_at + timedelta(seconds=_SAME_ANSWER_S)
        ):
            state = card.state
            values.update(reps=state.reps, ef=state.ef, interval_days=state.interval,
                          due=state.due, lapses=state.lapses, last_reviewed_at=anki_last,
                          repeat_pending=False, suspended=card.suspended,
                          buried_until=self.buried_until() if card.buried else None)
            if outcome == "unchanged":
                outcome = "updated"
        return outcome, values

    def _ids_by_key(self, keys: Sequence[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            ids.update((key, card_id) for key, card_id in self.session.execute(
                select(Card.key, Card.id).where(Card.user_id == self.user_id,
                                                Card.key.in_(keys[start : start + 500]))
            ))
        return ids

    def _review_seconds(self, card_ids: Sequence[int]) -> dict[int, set[int]]:
        present: dict[int, set[int]] = {}
        for start in range(0, len(card_ids), 500):
            for card_id, moment in self.session.execute(
                select(Review.card_id, Review.reviewed_at)
                .where(Review.card_id.in_(card_ids[start : start + 500]))
            ):
                present.setdefault(card_id, set()).add(int(moment.timestamp()))
        return present

    def _insert_reviews(
        self, cards: Sequence[tuple[int, ImportedCard]], present: dict[int, set[int]]
    ) -> None:
        # A million answers in a large collection: each row is the imported review's
        # fields (named as the columns; showing_id and undoes_id stay NULL) and the ids.
        rows: list[dict[str, Any]] = []
        add = rows.append
        user_id = self.user_id
        for card_id, card in cards:
            seen = present.get(card_id)
            for review in card.reviews:
                if seen is not None:
                    second = int(review.reviewed_at.timestamp())
                    if any(second + d in seen
                           for d in range(-_SAME_ANSWER_S, _SAME_ANSWER_S + 1)):
                        self.report.reviews_present += 1
                        continue
                row = dict(zip(_REVIEW_FIELDS, review, strict=True))
                row["user_id"], row["card_id"] = user_id, card_id
                add(row)
        if rows:
            # Core's executemany: one statement for every row (the ORM's bulk insert
            # would split the rows by which columns hold None).
            self.session.connection().execute(insert(_REVIEWS), rows)
            rollup.record(self.session, self.user_id, rows)  # the statistics count them too
            self.report.reviews += len(rows)

    def _link_tags(self, links: Sequence[tuple[int, list[str]]]) -> None:
        wanted = [(card_id, tag_id) for card_id, names in links for tag_id in self.tag_ids(names)]
        if not wanted:
            return
        card_ids = list({card_id for card_id, _ in wanted})
        have: set[tuple[int, int]] = set()
        for start in range(0, len(card_ids), 500):
            have.update((card_id, tag_id) for card_id, tag_id in self.session.execute(
                select(card_tags.c.card_id, card_tags.c.tag_id)
                .where(card_tags.c.card_id.in_(card_ids[start : start + 500]))
            ))
        rows = [{"card_id": c, "tag_id": t} for c, t in dict.fromkeys(wanted) if (c, t) not in have]
        if rows:
            self.session.connection().execute(insert(card_tags), rows)

    # --- media -----------------------------------------------------------------------------

    def store_images(self, package: AnkiPackage, names: Iterable[str]) -> None:
        for name in names:
            if image_type(name) is None:
                self.report.skip(name, "not an image wengu shows (png, jpeg, gif, webp)")
                continue
            data = package.read_media(name, MAX_IMAGE_BYTES)
            if data is None:
                self.report.skip(name, "missing from the package, or larger than 10 MB")
                continue
            path = f"anki:/{name}"
            stored_name, digest = media_name(data, name)
            exists = self.session.scalar(select(Media.id).where(
                Media.user_id == self.user_id, Media.name == stored_name,
                Media.original_path == path))
            if exists is None:
                self.session.add(Media(
                    user_id=self.user_id, name=stored_name, original_path=path,
                    mime=image_type(name) or "application/octet-stream", sha256=digest,
                    data=data, created_at=self.now,
                ))
                self.session.flush()
                self.report.media += 1


def _deck_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Deck)
                          .where(Deck.user_id == user_id)) or 0


def import_anki_package(
    session: Session,
    user_id: int,
    source: Path | IO[bytes],
    *,
    max_bytes: int,
    max_files: int,
    deck: str | None = None,
    progress: Progress | None = None,
    now: Callable[[], datetime] = utcnow,
    chunk_notes: int = 2000,
) -> AnkiReport:
    """Import the package at ``source`` for ``user_id``, committing after each chunk of notes.

    ``deck``: put the package's decks under this deck. ``progress(done,
    total)`` counts notes. Raises :class:`AnkiImportError` for a package that
    cannot be read; the collection is then unchanged.
    """
    user = session.get(User, user_id)
    if user is None:
        raise AnkiImportError(f"no user {user_id}")
    try:
        with tempfile.TemporaryDirectory(prefix="wengu-anki-") as workdir, \
                AnkiPackage(source, Path(workdir), max_bytes=max_bytes,
                            max_files=max_files) as package:
            importer = _Importer(session, user, deck, now())
            report = importer.report
            report.package_notes = package.counts()[0]
            decks_before = _deck_count(session, user_id)
            clock = DayClock(package.crt, importer.tz, importer.day_start_hour)
            images: set[str] = set()
            done = 0
            for chunk in read_package(package, clock, chunk_notes=chunk_notes):
                bump_cards_version(session, [user_id])
                importer.chunk(chunk.notes)
                wanted = dict.fromkeys(i for note in chunk.notes for i in note.images
                                       if i not in images)
                importer.store_images(package, wanted)
                images.update(wanted)
                for skipped in chunk.skipped:
                    report.skip(skipped.what, skipped.reason)
                report.reviews_skipped += chunk.reviews_skipped
                report.decks = _deck_count(session, user_id) - decks_before
                session.commit()
                done += len(chunk.notes) + len(chunk.skipped)
                if progress is not None:
                    progress(min(done, report.package_notes), report.package_notes)
    except AnkiPackageError as error:
        session.rollback()
        raise AnkiImportError(str(error)) from error
    except BaseException:
        session.rollback()
        raise
    return report
