"""The statistics page's figures, kept between views until what they count changes.

Counting a large collection's cards by state, interval and E-factor, the
forecast and the hardest cards takes most of the page's time
(``bench/stats.py``: ``page_cards_uncached``), and none of it changes
unless a card does. So they are kept per collection state: the key is the
user's ``cards_version``, which moves in the same transaction as any change
to their cards (:func:`app.models.bump_cards_version`), with the deck
filter, the forecast span and the user's day. The answer figures are kept
the same way against the user's latest review id: reading the rollup takes
tens of milliseconds, and a deck filter counts the history itself (seconds
on a large one). Both are listed in :mod:`app.caches`.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app import caches
from app.models import Review, User
from app.stats.card_figures import CardFigures, card_figures
from app.stats.days import DayClock
from app.stats.figures import ReviewFigures, answer_figures
from app.stats.forecast import forecast
from app.stats.hardest import HardCard, hardest_cards

CARD_CACHE_SIZE = 64
REVIEW_CACHE_SIZE = 64


class EngineLRU:
    """A small LRU per database engine, shared by the process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._caches: weakref.WeakKeyDictionary[Engine, OrderedDict[tuple[Any, ...], Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, engine: Engine, key: tuple[Any, ...]) -> Any:
        """The entry under ``key``, or None."""
        with self._lock:
            cache = self._caches.setdefault(engine, OrderedDict())
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            return found

    def put(self, engine: Engine, key: tuple[Any, ...], value: Any) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond the size."""
        with self._lock:
            cache = self._caches.setdefault(engine, OrderedDict())
            cache[key] = value
            cache.move_to_end(key)
            while len(cache) > self.size:
                cache.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._caches.clear()


@dataclass(frozen=True)
class CardSnapshot:
    """Everything the page shows that comes from the cards table (not from reviews)."""

    cards: CardFigures
    most_lapses: list[HardCard]
    lowest_ef: list[HardCard]
    due: list[tuple[date, int, int]]  # forecast: (day, young, mature)


card_cache = EngineLRU(CARD_CACHE_SIZE)
caches.register(
    "statistics card figures", "app.stats.cached.card_cache",
    holds="card states, intervals, E-factors, forecast and hardest cards per user, deck "
          "filter, forecast span and day",
    invalidated_by="User.cards_version (part of the key), moved with every change to the "
                   "user's cards; a new day (part of the key)",
    clear=card_cache.clear,
)

Version = tuple[int, datetime | None]


def cards_version(session: Session, user_id: int) -> Version:
    """The user's ``cards_version`` as stored now (never the loaded object's copy).

    With the user's creation time: a user id that SQLite hands out again after
    a deletion then never meets the old user's cached figures.
    """
    row = session.execute(
        select(User.cards_version, User.created_at).where(User.id == user_id)
    ).first()
    return (0, None) if row is None else (int(row[0]), row[1])


def card_snapshot(
    session: Session, user_id: int, clock: DayClock, now: datetime, span: int,
    deck_ids: Sequence[int] | None = None,
) -> CardSnapshot:
    """The card figures, the hardest cards and the forecast, cached per collection state.

    The version is read before the figures, so figures cached under a version
    are never older than it.
    """
    version = cards_version(session, user_id)
    key = (user_id, None if deck_ids is None else tuple(deck_ids), version, span,
           clock.timezone, clock.day_start_hour, clock.day_of(now))
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    found: CardSnapshot | None = card_cache.get(engine, key)
    if found is not None:
        return found
    most_lapses, lowest_ef = hardest_cards(session, user_id, deck_ids)
    snapshot = CardSnapshot(
        cards=card_figures(session, user_id, deck_ids),
        most_lapses=most_lapses,
        lowest_ef=lowest_ef,
        due=forecast(session, user_id, clock, now, span, deck_ids),
    )
    card_cache.put(engine, key, snapshot)
    return snapshot


review_cache = EngineLRU(REVIEW_CACHE_SIZE)
caches.register(
    "statistics answer figures", "app.stats.cached.review_cache",
    holds="heatmap, streak, bins, retention and buttons per user, deck filter, period and day",
    invalidated_by="the user's latest review id (part of the key: every answer and undo "
                   "appends a row); with a deck filter also User.cards_version (card moves); "
                   "a new day",
    clear=review_cache.clear,
)


def latest_review_id(session: Session, user_id: int) -> int:
    """The id of the user's newest review row (0 without any); one index probe."""
    return session.scalar(select(func.max(Review.id)).where(Review.user_id == user_id)) or 0


def review_snapshot(
    session: Session, user_id: int, clock: DayClock, now: datetime, period: str,
    deck_ids: Sequence[int] | None = None,
) -> ReviewFigures:
    """The page's answer figures for ``period`` (:func:`app.stats.figures.answer_figures`),
    cached per collection state.

    Reviews are append-only (an undo is a new row), and a new row gets an id
    above every row stored before, so the user's latest review id changes with
    every answer and undo. The key is that id, the deck filter, the period,
    the user's day and day settings and the user's creation time; with a deck
    filter also the user's ``cards_version``, since the filter reads the
    cards' decks (a card moved to another deck moves its answers). Both are
    read before the figures.
    """
    version = cards_version(session, user_id)
    if deck_ids is None:
        version = (0, version[1])  # the answers alone: card changes do not matter
    key = (user_id, None if deck_ids is None else tuple(deck_ids), version,
           latest_review_id(session, user_id), period, clock.timezone, clock.day_start_hour,
           clock.day_of(now))
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    found: ReviewFigures | None = review_cache.get(engine, key)
    if found is not None:
        return found
    figures = answer_figures(session, user_id, clock, now, period, deck_ids)
    review_cache.put(engine, key, figures)
    return figures
