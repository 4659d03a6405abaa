"""What the Anki export reads: plain, frozen records the shell builds from its rows.

One :class:`ExportNote` per wengu ``note_key``: its sibling cards (the two
directions of a reversed definition, the clozes of one text) become one Anki
note with one card each. Times are aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "ExportCard",
    "ExportNote",
    "ExportReview",
    "ImageLookup",
    "MediaFile",
    "NoteKind",
    "PlacedCard",
    "note_kind",
]

NoteKind = str
"""``"basic"``, ``"reversed"`` or ``"cloze"``: which Anki note type a note becomes."""

_KIND_TO_NOTE = {"reversed": "reversed", "cloze": "cloze"}


def note_kind(card_kind: str) -> NoteKind:
    """The note type for a wengu card kind (question, definition, list, basic → basic)."""
    return _KIND_TO_NOTE.get(card_kind, "basic")


@dataclass(frozen=True, slots=True)
class ExportReview:
    """One answer from the card's history (undone answers and undo rows left out).

    ``grade`` is SM-2's 0–5; ``repeat`` marks a same-day repeat; the states
    are the card's interval (days) and E-Factor (hundredths) before and after.
    """

    reviewed_at: datetime
    grade: int
    repeat: bool = False
    duration_ms: int | None = None
    was_new: bool = False
    interval_before: int = 0
    interval_after: int = 0
    ef_after: int = 250
    lapses_before: int = 0


@dataclass(frozen=True, slots=True)
class ExportCard:
    """One wengu card and its SM-2 state.

    ``ord`` is the sibling number, as in Anki: 0 (and 1 for the reverse
    direction) for basic and reversed notes, the cloze number minus one for
    clozes (``{{c1::…}}`` is ord 0). ``due``
    is None for a new card; ``ef`` is in hundredths (250 = 2.50). A card on an
    FSRS deck also carries its memory state (``stability`` in days,
    ``difficulty`` 1–10), the deck's ``desired_retention`` and FSRS-6's
    ``decay`` (the last of the user's parameters).
    """

    key: str
    deck: str
    front: str
    back: str = ""
    ord: int = 0
    created_at: datetime | None = None
    modified_at: datetime | None = None
    suspended: bool = False
    reps: int = 0
    ef: int = 250
    interval_days: int = 0
    due: datetime | None = None
    lapses: int = 0
    reviews: tuple[ExportReview, ...] = ()
    stability: float | None = None
    difficulty: float | None = None
    desired_retention: float | None = None
    decay: float | None = None


@dataclass(frozen=True, slots=True)
class ExportNote:
    """The cards sharing one ``note_key``, with where they come from.

    ``source`` is the note's path and ``line`` the first line of the card in
    it (both empty for hand-made cards); ``context`` the heading path;
    ``tags`` the cards' own tags.
    """

    note_key: str
    kind: NoteKind
    cards: tuple[ExportCard, ...]
    source: str = ""
    line: int | None = None
    context: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())

    @property
    def modified_at(self) -> datetime | None:
        """When the note's content last changed: the latest of its cards'."""
        times = [c.modified_at for c in self.cards if c.modified_at is not None]
        return max(times) if times else None


@dataclass(frozen=True, slots=True)
class MediaFile:
    """An image a card shows: the name it had in wengu, and its bytes."""

    name: str
    data: bytes


ImageLookup = Callable[[str, str], MediaFile | None]
"""``(note source path, image reference) -> MediaFile or None`` — the caller's image store."""


@dataclass(frozen=True, slots=True)
class PlacedCard:
    """A card as written into the package: its Anki card id and its wengu record."""

    card_id: int
    card: ExportCard
