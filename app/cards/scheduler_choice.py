"""Which scheduler a deck uses: its own choice, or its parents', with the user's parameters.

A deck's ``scheduler`` ("sm2" or "fsrs") and ``desired_retention`` are each
inherited from the parent deck when left empty; at the top SM-2 and 0.90.
:data:`SCHEDULERS_QUERY` reads all the user's decks in one statement and
:func:`schedulers_from_rows` resolves each deck's choice into the core's
:class:`cards.scheduler.DeckScheduler`, carrying the user's fitted parameters
(:class:`app.models.FsrsParameters`; none stored: the defaults). Every answer
(:func:`app.review.store.write_answer`) and the review page's buttons ask, so
the map last read is kept per user, stamped with the user's ``cards_version``
(:func:`user_schedulers`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import caches
from app.models import FsrsParameters
from cards import fsrs_scheduler
from cards.scheduler import DeckScheduler, SchedulerKind

__all__ = [
    "SCHEDULERS_QUERY",
    "Schedulers",
    "deck_scheduler",
    "remember",
    "remembered",
    "schedulers_from_rows",
    "stored_parameters",
    "user_schedulers",
]

SCHEDULERS_QUERY = (
    "SELECT d.id, d.parent_id, d.scheduler, d.desired_retention,"
    " (SELECT p.parameters FROM fsrs_parameters p WHERE p.user_id = :uid)"
    " FROM decks d WHERE d.user_id = :uid"
)
"""The user's decks with their own choices, and the user's parameters on each row."""

Schedulers = dict[int, DeckScheduler]
"""Deck id → the scheduler the deck uses."""


@lru_cache(maxsize=256)
def _scheduler(kind: str, retention: float, parameters: str | None) -> DeckScheduler:
    values = fsrs_scheduler.DEFAULT_PARAMETERS
    if parameters is not None:
        values = tuple(float(v) for v in json.loads(parameters))
    settings = fsrs_scheduler.Settings(parameters=values, desired_retention=retention)
    return DeckScheduler(SchedulerKind(kind), settings)


def schedulers_from_rows(rows: Sequence[Sequence[Any]]) -> Schedulers:
    """Every deck's scheduler from :data:`SCHEDULERS_QUERY`'s rows: a deck's own choice,
    else its nearest parent's, else SM-2 (and 0.90 for the desired retention)."""
    by_id = {int(row[0]): row for row in rows}
    parameters = rows[0][4] if rows else None
    if parameters is not None and not isinstance(parameters, str):
        parameters = json.dumps(parameters)  # PostgreSQL's driver hands JSON back parsed

    def inherited(deck_id: int, column: int) -> Any:
        seen: set[int] = set()
        current: int | None = deck_id
        while current is not None and current in by_id and current not in seen:
            seen.add(current)
            row = by_id[current]
            if row[column] is not None:
                return row[column]
            current = row[1]
        return None

    return {
        deck_id: _scheduler(
            inherited(deck_id, 2) or SchedulerKind.SM2.value,
            float(inherited(deck_id, 3) or fsrs_scheduler.DEFAULT_RETENTION),
            parameters,
        )
        for deck_id in by_id
    }


# The latest map read per user, stamped with the user's cards_version: every change
# to decks (and so to their choices) moves the version on, so a map is good for
# exactly the version it was read at. Answers, which change no deck, hand theirs on.
# Kept per app (each app has its own database).
_REMEMBER_USERS = 1024


class _Remembered:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.maps: OrderedDict[int, tuple[int, Schedulers]] = OrderedDict()


def _remembered() -> _Remembered | None:
    """The app's kept maps (None outside an app, e.g. a script's own session: nothing kept)."""
    if not has_app_context():
        return None
    found: _Remembered = current_app.extensions.setdefault("wengu.deck_schedulers",
                                                           _Remembered())
    return found


def remember(user_id: int, version: int, schedulers: Schedulers) -> None:
    """Keep ``schedulers`` as the user's decks at ``version`` of their cards."""
    kept = _remembered()
    if kept is None:
        return
    with kept.lock:
        kept.maps[user_id] = (version, schedulers)
        kept.maps.move_to_end(user_id)
        while len(kept.maps) > _REMEMBER_USERS:
            kept.maps.popitem(last=False)


def remembered(user_id: int, version: int) -> Schedulers | None:
    """The user's decks' schedulers as kept for ``version``, if they are."""
    memory = _remembered()
    if memory is None:
        return None
    with memory.lock:
        kept = memory.maps.get(user_id)
    return kept[1] if kept is not None and kept[0] == version else None


caches.register(
    "deck schedulers",
    'app.extensions["wengu.deck_schedulers"] (app.cards.scheduler_choice)',
    holds="each user's map of deck → scheduler (SM-2 or FSRS with its parameters)",
    invalidated_by="User.cards_version: every change to decks, their scheduler choice or "
                   "the user's fitted parameters moves it on; a map kept for another "
                   "version is read again",
)
caches.register(
    "FSRS scheduler objects", "app.cards.scheduler_choice._scheduler (lru_cache)",
    holds="a scheduler per (kind, desired retention, parameters) — a pure function of them",
    invalidated_by="nothing: the key is everything the value is made from",
    clear=_scheduler.cache_clear,
)


def user_schedulers(
    session: Callable[[], Session], user_id: int, version: int | None = None
) -> Schedulers:
    """Every deck's scheduler for the user; read from the database unless the map
    kept for ``version`` (the user's ``cards_version`` as last read) is at hand.
    ``session`` is called only when the database must be read."""
    if version is not None:
        kept = remembered(user_id, version)
        if kept is not None:
            return kept
    rows = session().execute(text(SCHEDULERS_QUERY), {"uid": user_id}).all()
    schedulers = schedulers_from_rows(rows)
    if version is not None:
        remember(user_id, version, schedulers)
    return schedulers


def deck_scheduler(session: Session, user_id: int, deck_id: int) -> DeckScheduler:
    """The scheduler the deck uses, inherited from its parents where it has no choice
    (SM-2 for a deck that is not the user's)."""
    return user_schedulers(lambda: session, user_id).get(deck_id, DeckScheduler())


def stored_parameters(session: Session, user_id: int) -> FsrsParameters | None:
    """The user's stored FSRS parameters, or None (the defaults)."""
    return session.get(FsrsParameters, user_id)
