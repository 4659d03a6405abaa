"""An Anki package's notes as wengu cards, a chunk of notes at a time.

:func:`read_package` walks an open :class:`~cards.anki.apkg_file.AnkiPackage`
in chunks of notes (so a collection of any size is read in bounded memory)
and yields :class:`~cards.anki.import_records.ImportedNote` records: the
note's kind and sides (:mod:`cards.anki.notetypes`), its fields as markdown
(:mod:`cards.anki.html_markdown`), each card's deck, flags (as tags
``flag::red`` …), suspended and buried states, SM-2 state and review history
(:mod:`cards.anki.history`). What cannot come in is listed as
:class:`Skip` records with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter

from cards.anki.apkg_file import AnkiPackage
from cards.anki.history import DayClock, card_state, review_history
from cards.anki.html_markdown import FieldMarkdown, html_to_markdown
from cards.anki.import_records import (
    CardRow,
    ImportedCard,
    ImportedNote,
    NoteRow,
    NoteTypeRow,
    RevlogRow,
)
from cards.anki.notetypes import NoteShape, note_shape
from cards.cloze import cloze_numbers

__all__ = ["FLAG_TAGS", "PackageChunk", "Skip", "map_note", "read_package"]

FLAG_TAGS = {1: "flag::red", 2: "flag::orange", 3: "flag::green", 4: "flag::blue",
             5: "flag::pink", 6: "flag::turquoise", 7: "flag::purple"}
"""Anki's card flags, imported as tags."""

_SUSPENDED = -1
_BURIED = (-2, -3)
DEFAULT_DECK = "Default"
_CARD_ID = attrgetter("cid")


@dataclass(frozen=True, slots=True)
class Skip:
    """Something in the package left out, and why (``what`` names the note or file)."""

    what: str
    reason: str


@dataclass
class PackageChunk:
    """One chunk of the package: its notes mapped, what was skipped, review rows skipped."""

    notes: list[ImportedNote]
    skipped: list[Skip] = field(default_factory=list)
    reviews_skipped: int = 0
    cards_read: int = 0
    # The chunk's fields converted, by their HTML: a value many notes share (a part of
    # speech, a source) is converted once.
    markdown: dict[str, FieldMarkdown] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class _Type:
    row: NoteTypeRow
    shape: NoteShape


def _short(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def map_note(
    note: NoteRow,
    cards: Sequence[CardRow],
    revlog: Mapping[int, Sequence[RevlogRow]],
    note_type: NoteTypeRow,
    shape: NoteShape,
    decks: Mapping[int, str],
    clock: DayClock,
    chunk: PackageChunk,
) -> ImportedNote | None:
    """One note and its cards as wengu cards (None when nothing of it can come in)."""
    converted: list[FieldMarkdown] = []
    for value in note.fields:
        found = chunk.markdown.get(value)
        if found is None:
            found = chunk.markdown[value] = html_to_markdown(value)
        converted.append(found)
    label = _short(converted[0].markdown if converted else note.guid) or note.guid

    def text(index: int | None) -> str:
        if index is None or index >= len(converted):
            return ""
        return converted[index].markdown

    if shape.kind == "cloze" and any("image-occlusion:" in f for f in note.fields):
        chunk.skipped.append(Skip(label, "image occlusion notes are not supported"))
        return None
    imported: list[ImportedCard] = []
    skipped: list[tuple[int, str]] = []
    for card in cards:
        if shape.kind == "cloze":
            text_field, extra_field = shape.cloze_fields()
            front, back = text(text_field), text(extra_field)
            if card.ord + 1 not in cloze_numbers(front):
                skipped.append((card.ord, f"no cloze c{card.ord + 1} in the text"))
                continue
        else:
            sides = shape.sides.get(card.ord)
            if sides is None:
                skipped.append((card.ord, "the note type has no template for this card"))
                continue
            front, back = text(sides[0]), text(sides[1])
            if not front.strip():
                skipped.append((card.ord, "the card's front is empty"))
                continue
        rows = revlog.get(card.id, ())
        reviews, not_answers = review_history(rows, clock)
        chunk.reviews_skipped += not_answers
        last = reviews[-1].reviewed_at if reviews else None
        flag = FLAG_TAGS.get(card.flags & 7)
        imported.append(ImportedCard(
            card_id=card.id,
            ord=card.ord,
            deck=decks.get(card.odid or card.did) or DEFAULT_DECK,
            kind=shape.kind,
            front=front,
            back=back,
            state=card_state(card, clock, last),
            suspended=card.queue == _SUSPENDED,
            buried=card.queue in _BURIED,
            tags=(flag,) if flag else (),
            reviews=tuple(reviews),
        ))
    for ord_, reason in skipped:
        chunk.skipped.append(Skip(f"{label} (card {ord_ + 1})", reason))
    if not imported:
        if not cards:
            chunk.skipped.append(Skip(label, "the note has no cards"))
        return None
    return ImportedNote(
        guid=note.guid,
        note_type=note_type.name,
        kind=shape.kind,
        modified_at=datetime.fromtimestamp(note.mod, UTC),
        tags=note.tags,
        cards=tuple(imported),
        images=tuple(dict.fromkeys(i for f in converted for i in f.images)),
        sounds=tuple(dict.fromkeys(s for f in converted for s in f.sounds)),
        other_type=shape.other,
        skipped=tuple(skipped),
    )


def read_package(
    package: AnkiPackage, clock: DayClock, *, chunk_notes: int = 2000
) -> Iterator[PackageChunk]:
    """The package's notes as wengu cards, ``chunk_notes`` notes at a time.

    Notes come in Anki's new-card order (notes with new cards first), so
    cards stored in this order keep it.
    """
    types = {ntid: _Type(row, note_shape(row)) for ntid, row in package.note_types().items()}
    decks = package.decks()
    ids = package.note_ids()
    for start in range(0, len(ids), chunk_notes):
        chunk_ids = ids[start : start + chunk_notes]
        notes = package.notes(chunk_ids)
        cards = package.cards(chunk_ids)
        by_note: dict[int, list[CardRow]] = {}
        for card in cards:
            by_note.setdefault(card.nid, []).append(card)
        # The rows come by card (and time): each card's are one run.
        revlog: dict[int, list[RevlogRow]] = {
            cid: list(rows)
            for cid, rows in groupby(package.revlog([card.id for card in cards]), _CARD_ID)
        }
        chunk = PackageChunk(notes=[], cards_read=len(cards))
        order = {nid: i for i, nid in enumerate(chunk_ids)}
        for note in sorted(notes, key=lambda n: order[n.id]):
            kind = types.get(note.mid)
            if kind is None:
                chunk.skipped.append(Skip(note.guid, "its note type is missing from the package"))
                continue
            mapped = map_note(note, by_note.get(note.id, ()), revlog, kind.row, kind.shape,
                              decks, clock, chunk)
            if mapped is not None:
                chunk.notes.append(mapped)
        yield chunk
