"""Which scheduler a deck uses: its own choice, or its parents', with the user's parameters.

A deck's ``scheduler`` ("sm2" or "fsrs") and ``desired_retention`` are each
inherited from the parent deck when left empty; at the top SM-2 and 0.90.
:func:`deck_scheduler` resolves them with one statement,
:data:`SCHEDULER_QUERY`, which the review page's fast answer runs on its own
connection too, into the core's :class:`cards.scheduler.DeckScheduler`,
carrying the user's fitted parameters (:class:`app.models.FsrsParameters`;
none stored: the defaults).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import FsrsParameters
from cards import fsrs_scheduler
from cards.scheduler import DeckScheduler, SchedulerKind

__all__ = [
    "SCHEDULER_QUERY",
    "deck_scheduler",
    "scheduler_from_rows",
    "stored_parameters",
]

SCHEDULER_QUERY = (
    "WITH RECURSIVE chain(id, parent_id, scheduler, desired_retention, depth) AS ("
    " SELECT id, parent_id, scheduler, desired_retention, 0 FROM decks"
    " WHERE id = :deck_id AND user_id = :uid"
    " UNION ALL SELECT d.id, d.parent_id, d.scheduler, d.desired_retention, c.depth + 1"
    " FROM decks d JOIN chain c ON d.id = c.parent_id)"
    " SELECT c.scheduler, c.desired_retention,"
    " (SELECT p.parameters FROM fsrs_parameters p WHERE p.user_id = :uid)"
    " FROM chain c ORDER BY c.depth"
)
"""The deck, then its parents: their own choices, and the user's parameters on each row."""


@lru_cache(maxsize=256)
def _scheduler(kind: str, retention: float, parameters: str | None) -> DeckScheduler:
    values = fsrs_scheduler.DEFAULT_PARAMETERS
    if parameters is not None:
        values = tuple(float(v) for v in json.loads(parameters))
    settings = fsrs_scheduler.Settings(parameters=values, desired_retention=retention)
    return DeckScheduler(SchedulerKind(kind), settings)


def scheduler_from_rows(rows: Sequence[Sequence[Any]]) -> DeckScheduler:
    """The deck's scheduler from :data:`SCHEDULER_QUERY`'s rows (the nearest choice wins)."""
    kind = next((row[0] for row in rows if row[0] is not None), SchedulerKind.SM2.value)
    retention = next((float(row[1]) for row in rows if row[1] is not None),
                     fsrs_scheduler.DEFAULT_RETENTION)
    parameters = rows[0][2] if rows else None
    if parameters is not None and not isinstance(parameters, str):
        parameters = json.dumps(parameters)  # PostgreSQL's driver hands JSON back parsed
    return _scheduler(kind, retention, parameters)


def deck_scheduler(session: Session, user_id: int, deck_id: int) -> DeckScheduler:
    """The scheduler the deck uses, inherited from its parents where it has no choice."""
    rows = session.execute(text(SCHEDULER_QUERY), {"deck_id": deck_id, "uid": user_id}).all()
    return scheduler_from_rows(rows)


def stored_parameters(session: Session, user_id: int) -> FsrsParameters | None:
    """The user's stored FSRS parameters, or None (the defaults)."""
    return session.get(FsrsParameters, user_id)
