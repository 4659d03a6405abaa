"""Building an Anki package (.apkg) from export records, on genanki.

:func:`build_collection` turns :class:`~cards.anki.records.ExportNote` records
into the package's collection: an SQLite database in memory, written by
genanki with wengu's note types. :func:`export_package` adds the scheduling
(optional, see :mod:`cards.anki.scheduling`) and writes the deflate-compressed
zip to a stream the caller hands in (see :mod:`cards.anki.archive`). Nothing
touches the disk, so nothing is left behind.

What wengu decides rather than genanki:

- the GUID comes from the note's stable key (:func:`cards.anki.naming.note_guid`);
- each note's modification time is when its content last changed in wengu,
  so a re-export updates in Anki exactly the notes that changed since (Anki
  updates a note only when the incoming one is newer) and leaves alone the
  notes the user edited in Anki afterwards;
- the cards are the wengu cards (their ords from the siblings), not what
  genanki infers from the templates; note and card ids come from when the
  cards were created, which Anki shows as "Added";
- fields are HTML from :func:`cards.render.render_markdown` with math for
  Anki's MathJax; raw HTML in card text stays escaped;
- images are packed as media under unique, Anki-safe names.
"""

from __future__ import annotations

import html
import itertools
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import genanki

from cards.anki.archive import write_apkg
from cards.anki.models import MODELS_MODIFIED, basic_model, cloze_model, reversed_model
from cards.anki.naming import deck_id, media_file_name, note_guid, note_tags
from cards.anki.records import ExportCard, ExportNote, ImageLookup, MediaFile, PlacedCard
from cards.anki.scheduling import Schedule, with_scheduling
from cards.cloze import anki_cloze_html, cloze_numbers, mark_clozes
from cards.render import render_markdown

__all__ = [
    "BuiltCollection",
    "ExportSummary",
    "Skipped",
    "build_collection",
    "export_package",
]

_WEB_IMAGE = ("http://", "https://")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A card left out of the package, and why."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What went into a package."""

    notes: int
    cards: int
    media: int
    revlog: int
    skipped: tuple[Skipped, ...]


@dataclass
class BuiltCollection:
    """The package's collection while it is being built: an in-memory SQLite database."""

    connection: sqlite3.Connection
    placed: list[PlacedCard] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    notes: int = 0
    revlog: int = 0

    def summary(self) -> ExportSummary:
        """Counts of what the package holds."""
        return ExportSummary(
            notes=self.notes,
            cards=len(self.placed),
            media=len(self.media),
            revlog=self.revlog,
            skipped=tuple(self.skipped),
        )


class _Note(genanki.Note):  # type: ignore[misc]
    """A genanki note written with wengu's ids, mod time and cards."""

    def __init__(
        self,
        model: genanki.Model,
        fields: list[str],
        tags: list[str],
        guid: str,
        *,
        note_id: int,
        mod: int,
        card_rows: list[tuple[Any, ...]],
    ) -> None:
        super().__init__(model=model, fields=fields, tags=tags, guid=guid)
        self.note_id = note_id
        self.mod = mod
        self.card_rows = card_rows

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        # genanki's own version would take the package time as every note's mod time and
        # make the cards from the templates; wengu's fields are the renderer's safe HTML.
        cursor.execute(
            "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)",
            (self.note_id, self.guid, self.model.model_id, self.mod, -1, self._format_tags(),
             self._format_fields(), self.fields[0], 0, 0, ""),
        )
        for row in self.card_rows:
            cursor.execute("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)


class _Builder:
    """Turns notes into genanki notes, placing cards and collecting media."""

    def __init__(self, now: datetime, images: ImageLookup | None) -> None:
        self.now = int(now.timestamp())
        self.images = images
        self.decks: dict[str, genanki.Deck] = {}
        self.used_ids: set[int] = set()
        self.last_for_base: dict[int, int] = {}
        self.fallback_ms = int(now.timestamp() * 1000)
        self.position = itertools.count(1)
        self.media_names: dict[str, str] = {}  # wengu media name -> name in the package
        self.media: dict[str, bytes] = {}
        self.image_cache: dict[tuple[str, str], str | None] = {}
        self.placed: list[PlacedCard] = []
        self.skipped: list[Skipped] = []

    def deck(self, name: str) -> genanki.Deck:
        found = self.decks.get(name)
        if found is None:
            found = self.decks[name] = genanki.Deck(deck_id(name), name)
        return found

    def unique_id(self, when: datetime | None) -> int:
        """A new id from ``when`` in ms, moved up past ids already taken."""
        base = int(when.timestamp() * 1000) if when is not None else self.fallback_ms
        # Cards created in one batch share a time: start after the last id given for it.
        candidate = self.last_for_base.get(base, base)
        while candidate in self.used_ids:
            candidate += 1
        self.used_ids.add(candidate)
        self.last_for_base[base] = candidate
        return candidate

    def render(self, text: str, source: str) -> str:
        if not text:
            return ""
        rendered = render_markdown(text, math="anki", image_src=lambda src: self.image(source, src))
        return rendered.rstrip("\n")

    def image(self, source: str, src: str) -> str | None:
        if src.startswith(_WEB_IMAGE):
            return src
        cache_key = (source, src)
        if cache_key not in self.image_cache:
            found = self.images(source, src) if self.images is not None else None
            self.image_cache[cache_key] = None if found is None else self.pack(found)
        return self.image_cache[cache_key]

    def pack(self, media: MediaFile) -> str:
        known = self.media_names.get(media.name)
        if known is not None:
            return known
        base = media_file_name(media.name)
        name, counter = base, itertools.count(2)
        while name in self.media and self.media[name] != media.data:
            stem, dot, ext = base.rpartition(".")
            name = f"{stem}-{next(counter)}.{ext}" if dot else f"{base}-{next(counter)}"
        self.media[name] = media.data
        self.media_names[media.name] = name
        return name

    def add(self, note: ExportNote) -> None:
        if not note.cards:
            return
        source = _source_field(note)
        context = html.escape(" > ".join(note.context))
        if note.kind == "cloze":
            model = cloze_model()
            text = note.cards[0].front
            fields = [anki_cloze_html(self.render(mark_clozes(text), note.source)),
                      self.render(note.cards[0].back, note.source)]
            numbers = set(cloze_numbers(text))
            # A cloze card's ord is its cloze number minus one, as in Anki.
            placed = self.keep(note, lambda c: c.ord if c.ord + 1 in numbers else None,
                               "no cloze with this number in the text")
        elif note.kind == "reversed":
            model = reversed_model()
            forward = next((c for c in note.cards if c.ord == 0), None)
            front, back = (
                (forward.front, forward.back) if forward is not None
                else (note.cards[0].back, note.cards[0].front)
            )
            fields = [self.render(front, note.source), self.render(back, note.source)]
            placed = self.keep(note, lambda c: c.ord if c.ord in (0, 1) else None,
                               "a reversed card's ord is 0 or 1")
        else:
            model = basic_model()
            first = note.cards[0]
            fields = [self.render(first.front, note.source), self.render(first.back, note.source)]
            placed = self.keep(note, lambda c: 0 if c is first else None,
                               "a basic note has one card")
        if not placed:
            return
        decks = [card.deck for _, card in placed]
        tags = note_tags(dict.fromkeys(decks), note.context, note.tags)
        note_id = self.unique_id(min(
            (c.created_at for _, c in placed if c.created_at is not None), default=None
        ))
        modified = note.modified_at
        rows = []
        for ord_, card in placed:
            card_id = self.unique_id(card.created_at)
            rows.append((
                card_id, note_id, deck_id(card.deck), ord_, self.now, -1,
                0, -1 if card.suspended else 0, next(self.position),
                0, 0, 0, 0, 0, 0, 0, 0, "",
            ))
            self.placed.append(PlacedCard(card_id, card))
        self.deck(decks[0]).add_note(_Note(
            model, [*fields, source, context], tags, note_guid(note.note_key),
            note_id=note_id,
            mod=int(modified.timestamp()) if modified is not None else self.now,
            card_rows=rows,
        ))
        for name in decks[1:]:
            self.deck(name)

    def keep(
        self, note: ExportNote, anki_ord: Any, reason: str
    ) -> list[tuple[int, ExportCard]]:
        """The note's cards with their Anki ords; the others are skipped with ``reason``."""
        placed: list[tuple[int, ExportCard]] = []
        seen: set[int] = set()
        for card in note.cards:
            ord_ = anki_ord(card)
            if ord_ is None or ord_ in seen:
                self.skipped.append(Skipped(card.key, reason))
                continue
            seen.add(ord_)
            placed.append((ord_, card))
        return placed


def _source_field(note: ExportNote) -> str:
    if not note.source:
        return ""
    where = f"{note.source}:{note.line}" if note.line is not None else note.source
    return html.escape(where)


def build_collection(
    notes: Iterable[ExportNote], *, now: datetime, images: ImageLookup | None = None
) -> BuiltCollection:
    """Write ``notes`` into a new in-memory collection (all cards new, suspended kept).

    ``now`` is the export time (the cards' mod time, and ids for cards with
    no creation time); ``images`` finds the images the cards refer to.
    """
    builder = _Builder(now, images)
    count = 0
    for note in notes:
        before = len(builder.placed)
        builder.add(note)
        count += len(builder.placed) > before
    connection = sqlite3.connect(":memory:")
    try:
        cursor = connection.cursor()
        package = genanki.Package(list(builder.decks.values()))
        # The package time is the note types' mod time: Anki then replaces templates and CSS
        # only when they changed, never because of a new export.
        package.write_to_db(cursor, MODELS_MODIFIED, itertools.count(builder.fallback_ms))
        connection.commit()
    except BaseException:
        connection.close()
        raise
    return BuiltCollection(
        connection=connection,
        placed=builder.placed,
        media=builder.media,
        skipped=builder.skipped,
        notes=count,
    )


def export_package(
    notes: Iterable[ExportNote],
    out: IO[bytes],
    *,
    now: datetime,
    images: ImageLookup | None = None,
    schedule: Schedule | None = None,
    compresslevel: int = 6,
) -> ExportSummary:
    """Write an .apkg of ``notes`` to ``out``; with ``schedule``, the SM-2 state and history too.

    ``now`` is the export time; ``schedule`` says when the package's collection
    was created and how the user's days run (see :class:`Schedule`).
    """
    built = build_collection(notes, now=now, images=images)
    try:
        if schedule is not None:
            built.revlog = with_scheduling(built.connection, built.placed, schedule)
        write_apkg(built.connection, built.media, out, compresslevel=compresslevel)
        return built.summary()
    finally:
        built.connection.close()
