"""What an Anki package holds, as plain records: read from a package, mapped to wengu.

The raw rows (:class:`NoteTypeRow`, :class:`NoteRow`, :class:`CardRow`,
:class:`RevlogRow`) are the package's own, as :mod:`cards.anki.apkg_file`
reads them from either schema. :class:`ImportedNote` and what it holds are
the same notes mapped to wengu's kinds, markdown and SM-2 states by
:mod:`cards.anki.importing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from cards.sm2 import State

__all__ = [
    "CardRow",
    "ImportedCard",
    "ImportedNote",
    "ImportedReview",
    "NoteRow",
    "NoteTypeRow",
    "RevlogRow",
    "TemplateRow",
]


@dataclass(frozen=True, slots=True)
class TemplateRow:
    """One card template of a note type: its ord, name, question and answer formats."""

    ord: int
    name: str
    qfmt: str
    afmt: str


@dataclass(frozen=True, slots=True)
class NoteTypeRow:
    """A note type: id, name, whether it is a cloze type, its field names and templates."""

    id: int
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[TemplateRow, ...]


@dataclass(frozen=True, slots=True)
class NoteRow:
    """A note: id, GUID, note type id, modification time (epoch seconds), tags, fields."""

    id: int
    guid: str
    mid: int
    mod: int
    tags: tuple[str, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CardRow:
    """A card row as Anki stores it (``due`` meaning depends on ``type``/``queue``)."""

    id: int
    nid: int
    did: int
    ord: int
    mod: int
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    odue: int = 0
    odid: int = 0
    flags: int = 0


class RevlogRow(NamedTuple):
    """An answer: id (epoch ms), card id, button 1–4 (0: not an answer), intervals, ease.

    A named tuple, not a dataclass: a collection has a million of them, and a
    tuple is made several times faster.
    """

    id: int
    cid: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time_ms: int
    type: int


class ImportedReview(NamedTuple):
    """An answer as a wengu review row: grade 0–5, kind, time taken, state before and after.

    A named tuple, like :class:`RevlogRow`, for the same reason; flat, its
    fields named as the review row's columns (the states are :attr:`before`
    and :attr:`after`).
    """

    reviewed_at: datetime
    grade: int
    kind: str  # "review" or "repeat" (a same-day repeat)
    duration_ms: int
    reps_before: int
    ef_before: int
    interval_before: int
    due_before: datetime | None
    lapses_before: int
    repeat_pending_before: bool
    last_reviewed_before: datetime | None
    reps_after: int
    ef_after: int
    interval_after: int
    due_after: datetime | None
    lapses_after: int
    repeat_pending_after: bool

    @property
    def before(self) -> State:
        """The card's SM-2 state before the answer."""
        return State(reps=self.reps_before, ef=self.ef_before, interval=self.interval_before,
                      due=self.due_before, lapses=self.lapses_before,
                      last_review=self.last_reviewed_before,
                      repeat_pending=self.repeat_pending_before)

    @property
    def after(self) -> State:
        """The card's SM-2 state after the answer."""
        return State(reps=self.reps_after, ef=self.ef_after, interval=self.interval_after,
                     due=self.due_after, lapses=self.lapses_after, last_review=self.reviewed_at,
                     repeat_pending=self.repeat_pending_after)


@dataclass(frozen=True, slots=True)
class ImportedCard:
    """An Anki card as a wengu card: its ord, deck, text (markdown) and SM-2 state."""

    card_id: int
    ord: int
    deck: str
    kind: str
    front: str
    back: str
    state: State
    suspended: bool = False
    buried: bool = False
    tags: tuple[str, ...] = ()
    reviews: tuple[ImportedReview, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedNote:
    """An Anki note as wengu cards sharing one note: GUID, note type, tags, cards, media.

    ``modified_at`` is the note's modification time; ``images`` the media
    names its fields show; ``other_type`` is set for note types wengu has no
    kind for (their cards are basic cards from the template's first fields).
    """

    guid: str
    note_type: str
    kind: str
    modified_at: datetime
    tags: tuple[str, ...]
    cards: tuple[ImportedCard, ...]
    images: tuple[str, ...] = ()
    sounds: tuple[str, ...] = ()
    other_type: bool = False
    skipped: tuple[tuple[int, str], ...] = field(default=())  # (card ord, reason)
