"""How the deck list shows the deck tree: folded decks and names that need their parent.

The counts come from :func:`app.review.summary.deck_overview`; this module only
decides what each line looks like. A deck the user folded keeps its sub-decks
out of sight (remembered in ``Deck.collapsed``, so the list looks the same on
every device). A deck whose own name is a number (folders ``0``, ``1``, … are
common in note collections) means little alone, so it is shown after its
parent's name: ``kernel › 0``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["DeckLine", "deck_label", "deck_lines"]


class DeckCounts(Protocol):
    """A deck list row as the queue reports it."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def depth(self) -> int: ...


@dataclass(frozen=True, slots=True)
class DeckLine:
    """One line of the deck list: the counts row, its label, and its place in the tree."""

    row: DeckCounts
    label: str
    has_children: bool
    collapsed: bool
    hidden: bool


def deck_label(name: str) -> str:
    """The name shown for the deck with full path ``name``: its own name, after its
    parent's when its own is only a number."""
    parts = name.split("::")
    if len(parts) > 1 and parts[-1].strip().isdigit():
        return f"{parts[-2]} › {parts[-1]}"
    return parts[-1]


def deck_lines(rows: Sequence[DeckCounts], collapsed: Iterable[int]) -> list[DeckLine]:
    """The deck list's lines from rows in tree order (parents first, with depths): a line
    is hidden when a deck above it is folded."""
    folded = set(collapsed)
    lines: list[DeckLine] = []
    hidden_below: int | None = None  # depth of the folded deck hiding what follows
    for index, row in enumerate(rows):
        if hidden_below is not None and row.depth <= hidden_below:
            hidden_below = None
        has_children = index + 1 < len(rows) and rows[index + 1].depth > row.depth
        is_folded = row.id in folded and has_children
        lines.append(DeckLine(row, deck_label(row.name), has_children, is_folded,
                              hidden_below is not None))
        if is_folded and hidden_below is None:
            hidden_below = row.depth
    return lines
