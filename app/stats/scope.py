"""Which cards a statistic covers: the user's live cards, the due ones, a deck with its
sub-decks. Shared by the card figures, the forecast and the hardest cards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, Deck


def deck_subtree(session: Session, user_id: int, deck_id: int) -> list[int] | None:
    """The ids of ``deck_id`` and its sub-decks, or None if the user has no such deck."""
    rows = session.execute(select(Deck.id, Deck.parent_id).where(Deck.user_id == user_id)).all()
    children: dict[int | None, list[int]] = defaultdict(list)
    ids = set()
    for ident, parent in rows:
        children[parent].append(ident)
        ids.add(ident)
    if deck_id not in ids:
        return None
    found, todo = [], [deck_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return sorted(found)


def live_cards(user_id: int, deck_ids: Sequence[int] | None) -> list[Any]:
    """Conditions: the user's cards not thrown away, in ``deck_ids`` if given."""
    conditions: list[Any] = [Card.user_id == user_id, Card.deleted_at.is_(None)]
    if deck_ids is not None:
        conditions.append(Card.deck_id.in_(deck_ids))
    return conditions


def due_cards(user_id: int, deck_ids: Sequence[int] | None) -> list[Any]:
    """Conditions: live cards with a due date that can come up (not retired, suspended
    or waiting for an answer)."""
    return [
        *live_cards(user_id, deck_ids), Card.retired_at.is_(None),
        Card.suspended.is_(False), Card.needs_answer.is_(False), Card.due.is_not(None),
    ]
