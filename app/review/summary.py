"""The review's counts outside the review page: the deck list and the day's end.

Every count is the length of a planned queue (:func:`cards.queue.build_queue`),
the same plan the review page follows, so a deck's "3 new" is three new cards
shown when that deck is reviewed, and the "Review all decks" line is what
reviewing every deck shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.models import User
from app.review.store import answered_today, load_cards, load_decks, load_done, review_day, rules_of
from cards.queue import Counts, Done, build_queue

__all__ = ["DaySummary", "DeckRow", "day_summary", "deck_overview"]


@dataclass
class DeckRow:
    """One line of the deck list."""

    id: int
    name: str
    short_name: str
    depth: int
    due: int
    new: int
    learning: int


@dataclass
class Overview:
    """The deck list: every deck, nested, and reviewing every deck at once."""

    decks: list[DeckRow]
    total: Counts


def deck_overview(session: Session, user: User, now: datetime) -> Overview:
    """Every deck, nested, with what reviewing it shows today (its sub-decks included):
    due, new and learning (same-day repeat) cards; and the same for every deck at once."""
    start, end = review_day(user, now)
    tree = load_decks(session, user)
    cards, held = load_cards(session, user.id, start, end)
    done = load_done(session, user.id, start, end)
    rules = rules_of(user)
    by_deck: dict[int, list[int]] = {}
    for i, card in enumerate(cards):
        by_deck.setdefault(card.deck_id, []).append(i)

    def counts(scope: int | None) -> Counts:
        mine = cards if scope is None else [
            cards[i] for d in tree.subtree(scope) for i in by_deck.get(d, ())
        ]
        return build_queue(mine, tree, done, rules, scope, start, end, now, held).counts()

    rows: list[DeckRow] = []

    def visit(deck_id: int, depth: int) -> None:
        node = tree.nodes[deck_id]
        left = counts(deck_id)
        rows.append(DeckRow(id=deck_id, name=node.name, short_name=node.short_name,
                            depth=depth, due=left.review, new=left.new, learning=left.repeat))
        for child in node.children:
            visit(child, depth + 1)

    for root in tree.roots:
        visit(root, 0)
    return Overview(rows, counts(None) if rows else Counts(0, 0, 0))


@dataclass
class DaySummary:
    """The end-of-day screen: what was done today and what tomorrow holds."""

    reviewed: int
    new: int
    repeats: int
    seconds: int
    due_tomorrow: int
    new_tomorrow: int


def day_summary(session: Session, user: User, now: datetime,
                deck_id: int | None = None) -> DaySummary:
    """Today's answers (undone ones left out), and what reviewing ``deck_id`` (None:
    every deck) will show tomorrow if nothing changes meanwhile."""
    start, end = review_day(user, now)
    reviewed, new, repeats, millis = answered_today(session, user.id, start, end)
    tomorrow_start, tomorrow_end = review_day(user, end + timedelta(hours=1))
    tree = load_decks(session, user)
    cards, _held = load_cards(session, user.id, tomorrow_start, tomorrow_end)
    if deck_id is not None and deck_id not in tree.nodes:
        deck_id = None
    tomorrow = build_queue(cards, tree, Done(), rules_of(user), deck_id, tomorrow_start,
                           tomorrow_end, tomorrow_start).counts()
    return DaySummary(
        reviewed=reviewed, new=new, repeats=repeats, seconds=millis // 1000,
        due_tomorrow=tomorrow.review, new_tomorrow=tomorrow.new,
    )
