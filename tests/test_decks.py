"""Deck management: create, rename (children follow), nest, delete, daily limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, Deck, NoteSource
from tests.factories import make_card, make_deck

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def names(db: Session, user_id: int) -> dict[str, str | None]:
    """Deck name → parent's name."""
    db.expire_all()
    decks = db.scalars(select(Deck).where(Deck.user_id == user_id)).all()
    by_id = {d.id: d.name for d in decks}
    return {d.name: by_id.get(d.parent_id) if d.parent_id else None for d in decks}


def act(client: FlaskClient, deck: Deck, **data: str) -> object:
    return client.post(f"/decks/{deck.id}", data=data)


def test_create_deck_with_parents(client: FlaskClient, db: Session, user_id: int) -> None:
    response = client.post("/decks/", data={"name": "语言 :: 中文::成语"})
    assert response.status_code == 302
    assert "Deck 语言::中文::成语 created." in client.get("/decks/").get_data(as_text=True)
    assert names(db, user_id) == {
        "语言": None, "语言::中文": "语言", "语言::中文::成语": "语言::中文"}


@pytest.mark.parametrize(("name", "message"), [
    ("", "A deck needs a name."), (" :: ", "A deck needs a name."),
    ("x" * 501, "at most 500 characters"), ("Kept", "There is already a deck called Kept."),
])
def test_create_refuses_bad_names(
    client: FlaskClient, db: Session, user_id: int, name: str, message: str
) -> None:
    make_deck(db, user_id, "Kept")
    db.commit()
    response = client.post("/decks/", data={"name": name})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert list(names(db, user_id)) == ["Kept"]


def test_rename_moves_children(client: FlaskClient, db: Session, user_id: int) -> None:
    make_deck(db, user_id, "notes::kernel::mm")
    make_deck(db, user_id, "notes::kernel::fs")
    make_deck(db, user_id, "notes::kernelish")
    kernel = make_deck(db, user_id, "notes::kernel")
    db.commit()
    response = act(client, kernel, action="rename", name="内核")
    assert response.status_code == 302
    assert names(db, user_id) == {
        "notes": None, "notes::内核": "notes", "notes::内核::mm": "notes::内核",
        "notes::内核::fs": "notes::内核", "notes::kernelish": "notes",
    }
    page = client.get(f"/decks/{kernel.id}").get_data(as_text=True)
    assert "Deck renamed to notes::内核." in page


@pytest.mark.parametrize(("name", "message"), [
    ("", "cannot be empty"), ("a::b", "cannot be empty or contain"),
    ("sibling", "There is already a deck called top::sibling."),
])
def test_rename_refusals(
    client: FlaskClient, db: Session, user_id: int, name: str, message: str
) -> None:
    deck = make_deck(db, user_id, "top::deck")
    make_deck(db, user_id, "top::sibling")
    db.commit()
    response = act(client, deck, action="rename", name=name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "top::deck" in names(db, user_id)


def test_nest_and_unnest(client: FlaskClient, db: Session, user_id: int) -> None:
    make_deck(db, user_id, "mm::paging")
    mm = make_deck(db, user_id, "mm")
    kernel = make_deck(db, user_id, "kernel")
    db.commit()
    act(client, mm, action="nest", parent_id=str(kernel.id))
    assert names(db, user_id) == {"kernel": None, "kernel::mm": "kernel",
                                  "kernel::mm::paging": "kernel::mm"}
    act(client, mm, action="nest", parent_id="")
    assert names(db, user_id) == {"kernel": None, "mm": None, "mm::paging": "mm"}


def test_nest_under_own_child_is_refused(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    child = make_deck(db, user_id, "a::b")
    top = make_deck(db, user_id, "a")
    db.commit()
    response = act(client, top, action="nest", parent_id=str(child.id))
    assert response.status_code == 422
    assert "cannot be nested under itself" in response.get_data(as_text=True)
    assert names(db, user_id) == {"a": None, "a::b": "a"}


def test_delete_empty_deck(client: FlaskClient, db: Session, user_id: int) -> None:
    deck = make_deck(db, user_id, "empty")
    source = NoteSource(user_id=user_id, path="n.md", content_hash="h", deck_id=deck.id)
    db.add(source)
    db.commit()
    response = act(client, deck, action="delete")
    assert response.headers["Location"] == "/decks/"
    assert names(db, user_id) == {}
    assert db.get(NoteSource, source.id).deck_id is None  # type: ignore[union-attr]


def test_delete_deck_with_cards_needs_a_target(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id, "full")
    target = make_deck(db, user_id, "target")
    card = make_card(db, user_id, deck=deck)
    gone = make_card(db, user_id, deck=deck, deleted_at=T0)
    db.commit()
    refused = act(client, deck, action="delete")
    assert refused.status_code == 422
    assert "still holds cards" in refused.get_data(as_text=True)
    assert "full" in names(db, user_id)
    done = act(client, deck, action="delete", move_to=str(target.id))
    assert done.status_code == 302
    db.expire_all()
    assert {db.get(Card, card.id).deck_id, db.get(Card, gone.id).deck_id} == {  # type: ignore[union-attr]
        target.id}
    assert "full" not in names(db, user_id)


def test_delete_deck_with_sub_decks_is_refused(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    make_deck(db, user_id, "p::c")
    parent = make_deck(db, user_id, "p")
    db.commit()
    response = act(client, parent, action="delete")
    assert response.status_code == 422
    assert "has sub-decks" in response.get_data(as_text=True)


def test_deleted_cards_history_goes_to_the_parent(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    child = make_deck(db, user_id, "p::c")
    parent = make_deck(db, user_id, "p")
    gone = make_card(db, user_id, deck=child, deleted_at=T0)
    db.commit()
    assert act(client, child, action="delete").status_code == 302
    db.expire_all()
    assert db.get(Card, gone.id).deck_id == parent.id  # type: ignore[union-attr]


def test_daily_limits(client: FlaskClient, db: Session, user_id: int) -> None:
    deck = make_deck(db, user_id, "d")
    db.commit()
    act(client, deck, action="limits", new_per_day="5", reviews_per_day="")
    db.expire_all()
    fresh = db.get(Deck, deck.id)
    assert fresh is not None and (fresh.new_per_day, fresh.reviews_per_day) == (5, None)
    bad = act(client, deck, action="limits", new_per_day="-3", reviews_per_day="10")
    assert bad.status_code == 422
    assert "whole number" in bad.get_data(as_text=True)  # type: ignore[attr-defined]
    db.expire_all()
    fresh = db.get(Deck, deck.id)
    assert fresh is not None and (fresh.new_per_day, fresh.reviews_per_day) == (5, None)


def test_other_users_decks_are_404(client: FlaskClient, db: Session, user_id: int) -> None:
    from tests.conftest import make_user

    bob = make_user(client.application, "bob")
    theirs = make_deck(db, bob, "bob")
    mine = make_deck(db, user_id, "mine")
    db.commit()
    assert client.get(f"/decks/{theirs.id}").status_code == 404
    assert act(client, theirs, action="delete").status_code == 404
    moved = act(client, mine, action="nest", parent_id=str(theirs.id))
    assert moved.status_code == 422
    refused = act(client, mine, action="delete", move_to=str(theirs.id))
    assert refused.status_code == 422
    assert "bob" in names(db, bob) and "mine" in names(db, user_id)
    assert "bob" not in client.get("/decks/").get_data(as_text=True)
