"""Model constraints: unique card keys per user, append-only reviews."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import AppendOnlyError, Card, Deck, Review, Tombstone, User


def _user(db: Session, name: str) -> User:
    user = User(name=name, password_hash="x")
    db.add(user)
    db.flush()
    return user


def _card(db: Session, user: User, key: str) -> Card:
    deck = db.scalar(select(Deck).where(Deck.user_id == user.id))
    if deck is None:
        deck = Deck(user_id=user.id, name="Default")
        db.add(deck)
        db.flush()
    card = Card(user_id=user.id, deck_id=deck.id, key=key, note_key=key, kind="basic", front="f")
    db.add(card)
    db.flush()
    return card


def _review(card: Card) -> Review:
    return Review(
        user_id=card.user_id, card_id=card.id, grade=4,
        reviewed_at=datetime(2026, 1, 1, tzinfo=UTC),
        reps_before=0, ef_before=250, interval_before=0, due_before=None, lapses_before=0,
        reps_after=1, ef_after=250, interval_after=1,
        due_after=datetime(2026, 1, 2, tzinfo=UTC), lapses_after=0,
    )


def test_card_key_unique_within_a_users_collection(db: Session) -> None:
    ada = _user(db, "ada")
    _card(db, ada, "notes/a.md#question#abc")
    with pytest.raises(IntegrityError):
        _card(db, ada, "notes/a.md#question#abc")
    db.rollback()


def test_same_key_allowed_for_different_users(db: Session) -> None:
    ada, bob = _user(db, "ada"), _user(db, "bob")
    _card(db, ada, "k")
    _card(db, bob, "k")
    db.commit()
    assert len(db.scalars(select(Card).where(Card.key == "k")).all()) == 2


def test_reviews_cannot_be_updated(db: Session) -> None:
    card = _card(db, _user(db, "ada"), "k")
    review = _review(card)
    db.add(review)
    db.commit()
    review.grade = 5
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()
    db.expire_all()
    assert db.get(Review, review.id).grade == 4  # type: ignore[union-attr]


def test_reviews_cannot_be_deleted(db: Session) -> None:
    card = _card(db, _user(db, "ada"), "k")
    review = _review(card)
    db.add(review)
    db.commit()
    db.delete(review)
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()
    assert db.get(Review, review.id) is not None


def test_one_review_per_showing(db: Session) -> None:
    card = _card(db, _user(db, "ada"), "k")
    first, second = _review(card), _review(card)
    first.showing_id = second.showing_id = "showing-1"
    db.add_all([first, second])
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_ef_never_below_floor(db: Session) -> None:
    card = _card(db, _user(db, "ada"), "k")
    card.ef = 129
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_tombstone_key_unique_per_user(db: Session) -> None:
    ada = _user(db, "ada")
    db.add(Tombstone(user_id=ada.id, key="k"))
    db.flush()
    db.add(Tombstone(user_id=ada.id, key="k"))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
