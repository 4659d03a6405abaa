"""The cards a user struggles with: most lapses, lowest E-factor, with their notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, NoteSource
from app.stats.scope import live_cards


@dataclass(frozen=True)
class HardCard:
    """A card the user struggles with."""

    id: int
    front: str
    lapses: int
    ef: int
    reps: int
    source_path: str | None
    line: int | None


def hardest_cards(
    session: Session, user_id: int, deck_ids: Sequence[int] | None = None, limit: int = 10
) -> tuple[list[HardCard], list[HardCard]]:
    """The cards with the most lapses, and the answered cards with the lowest E-factor."""
    base = select(Card.id).where(*live_cards(user_id, deck_ids), Card.retired_at.is_(None))
    most_lapses = base.where(Card.lapses > 0).order_by(Card.lapses.desc(), Card.ef, Card.id)
    lowest_ef = base.where(Card.due.is_not(None), Card.ef < 250).order_by(
        Card.ef, Card.lapses.desc(), Card.id
    )
    # The ids come from the covering index alone; then the few rows' text and note.
    lapse_ids = list(session.scalars(most_lapses.limit(limit)))
    ef_ids = list(session.scalars(lowest_ef.limit(limit)))
    details = {
        row[0]: HardCard(*row)
        for row in session.execute(
            select(Card.id, Card.front, Card.lapses, Card.ef, Card.reps, NoteSource.path,
                   Card.line)
            .outerjoin(NoteSource, NoteSource.id == Card.source_id)
            .where(Card.id.in_(lapse_ids + ef_ids))
        )
    }
    return [details[i] for i in lapse_ids], [details[i] for i in ef_ids]
