"""Building rows for tests: decks, cards and reviews with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, Deck, User

_counter = itertools.count(1)


def make_deck(db: Session, user_id: int, name: str = "Default", **fields: Any) -> Deck:
    """The user's deck called ``name`` (its parents too), created if missing."""
    parent_id = None
    deck = None
    parts = name.split("::")
    for depth in range(1, len(parts) + 1):
        path = "::".join(parts[:depth])
        deck = db.scalar(select(Deck).where(Deck.user_id == user_id, Deck.name == path))
        if deck is None:
            deck = Deck(user_id=user_id, name=path, parent_id=parent_id)
            db.add(deck)
            db.flush()
        parent_id = deck.id
    assert deck is not None
    for key, value in fields.items():
        setattr(deck, key, value)
    db.flush()
    return deck


def make_card(
    db: Session,
    user_id: int,
    front: str = "What is a card?",
    back: str = "A question with an answer.",
    *,
    deck: str | Deck = "Default",
    kind: str = "basic",
    key: str | None = None,
    due: datetime | None = None,
    **fields: Any,
) -> Card:
    """A card for ``user_id`` (flushed, not committed)."""
    deck_row = deck if isinstance(deck, Deck) else make_deck(db, user_id, deck)
    key = key or f"manual:test-{next(_counter)}"
    card = Card(
        user_id=user_id, deck_id=deck_row.id, key=key, note_key=fields.pop("note_key", key),
        kind=kind, front=front, back=back, due=due, **fields,
    )
    db.add(card)
    db.flush()
    return card


def user_named(db: Session, name: str) -> User:
    user = db.scalar(select(User).where(User.name == name))
    assert user is not None
    return user
