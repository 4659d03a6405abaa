"""Predicted retention: how likely the user is to recall their FSRS cards right now.

For the cards on decks that use FSRS and have a memory state, the average of
their retrievability now (:func:`cards.fsrs_scheduler.retrievability`, with
the parameters of each card's deck). SM-2 makes no such prediction, so its
cards are left out; with no FSRS card there is no figure.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cards.scheduler_choice import deck_scheduler
from app.models import Card, Deck
from cards import fsrs_scheduler
from cards.scheduler import SchedulerKind

__all__ = ["PredictedRetention", "predicted_retention"]


@dataclass(frozen=True, slots=True)
class PredictedRetention:
    """The average predicted recall now over ``cards`` FSRS cards."""

    average: float
    cards: int


def predicted_retention(
    session: Session, user_id: int, now: datetime, deck_ids: Collection[int] | None = None
) -> PredictedRetention | None:
    """The user's FSRS cards' average retrievability at ``now`` (within ``deck_ids``)."""
    decks = session.scalars(select(Deck.id).where(Deck.user_id == user_id)).all()
    settings = {}
    for deck_id in decks:
        if deck_ids is not None and deck_id not in deck_ids:
            continue
        scheduler = deck_scheduler(session, user_id, deck_id)
        if scheduler.kind is SchedulerKind.FSRS:
            settings[deck_id] = scheduler.fsrs
    if not settings:
        return None
    rows = session.execute(
        select(Card.deck_id, Card.fsrs_phase, Card.fsrs_step, Card.stability, Card.difficulty,
               Card.due, Card.last_reviewed_at)
        .where(Card.user_id == user_id, Card.deck_id.in_(settings),
               Card.stability.is_not(None), Card.suspended.is_(False),
               Card.retired_at.is_(None), Card.deleted_at.is_(None))
    ).all()
    if not rows:
        return None
    total = 0.0
    for deck_id, phase, step, stability, difficulty, due, last_review in rows:
        state = fsrs_scheduler.State(
            phase=fsrs_scheduler.Phase(phase), step=step, stability=stability,
            difficulty=difficulty, due=due, last_review=last_review)
        total += fsrs_scheduler.retrievability(state, now, settings[deck_id])
    return PredictedRetention(total / len(rows), len(rows))
