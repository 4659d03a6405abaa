"""Cards by hand: add, edit, show, and the one-card actions, through the test client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Card, Deck, NoteSource, Review, Tag, Tombstone
from tests.factories import make_card, make_deck

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def live_cards(db: Session, user_id: int) -> list[Card]:
    db.expire_all()
    return list(db.scalars(select(Card).where(Card.user_id == user_id,
                                              Card.deleted_at.is_(None)).order_by(Card.id)))


def count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def add(client: FlaskClient, **fields: str) -> object:
    return client.post("/cards/add", data=fields)


# --- adding -------------------------------------------------------------------------------


def test_add_page_lists_the_users_decks(client: FlaskClient, db: Session, user_id: int) -> None:
    make_deck(db, user_id, "语言::中文")
    db.commit()
    page = client.get("/cards/add")
    assert page.status_code == 200
    assert "语言::中文" in page.get_data(as_text=True)


def test_add_basic_card(client: FlaskClient, db: Session, user_id: int) -> None:
    deck = make_deck(db, user_id, "Kernel")
    db.commit()
    response = add(client, deck_id=str(deck.id), kind="basic", front="What is a page?",
                   back="A fixed-size block of memory.", tags="os, memory  os")
    assert response.status_code == 302
    [card] = live_cards(db, user_id)
    assert response.headers["Location"].endswith(f"/cards/{card.id}")
    assert (card.front, card.back, card.kind, card.deck_id) == (
        "What is a page?", "A fixed-size block of memory.", "basic", deck.id)
    assert card.key.startswith("manual:") and card.note_key == card.key
    assert sorted(tag.name for tag in card.tags) == ["memory", "os"]
    assert card.due is None and not card.needs_answer
    assert "what is a page?\na fixed-size block" not in card.search_text  # collapsed spaces
    assert card.search_text == "what is a page? a fixed-size block of memory"


def test_add_reversed_makes_two_siblings(client: FlaskClient, db: Session, user_id: int) -> None:
    deck = make_deck(db, user_id)
    db.commit()
    add(client, deck_id=str(deck.id), kind="reversed", front="温故", back="review the old")
    first, second = live_cards(db, user_id)
    assert first.note_key == second.note_key == first.key
    assert (first.ord, second.ord) == (0, 1)
    assert second.key == first.key + ":r"
    assert (first.front, first.back) == ("温故", "review the old")
    assert (second.front, second.back) == ("review the old", "温故")


def test_add_cloze_makes_one_card_per_number(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id)
    db.commit()
    add(client, deck_id=str(deck.id), kind="cloze",
        front="{{c1::Beijing}} is the capital of ==China==; {{c1::北京}}.", back="geo")
    cards = live_cards(db, user_id)
    assert [c.ord for c in cards] == [0, 1]
    assert {c.note_key for c in cards} == {cards[0].note_key}
    assert [c.key for c in cards] == [f"{cards[0].note_key}:c1", f"{cards[0].note_key}:c2"]
    assert all("{{c2::China}}" in c.front for c in cards)
    page = client.get(f"/cards/{cards[1].id}").get_data(as_text=True)
    assert "<strong>[…]</strong>" in page and "Beijing" in page


def test_add_and_start_another_keeps_deck_and_tags(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    make_deck(db, user_id, "A")
    deck = make_deck(db, user_id, "B")
    db.commit()
    response = add(client, deck_id=str(deck.id), kind="basic", front="q", back="a",
                   tags="t1 t2", another="1")
    assert response.status_code == 302
    follow = client.get(response.headers["Location"])
    html = follow.get_data(as_text=True)
    assert f'<option value="{deck.id}" selected>' in html
    assert 'value="t1 t2"' in html
    assert "Added 1 card" in html


def test_add_into_a_new_deck_creates_it_with_parents(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    add(client, deck_id="", new_deck=" Lang :: 中文 ", kind="basic", front="你好", back="hello")
    decks = {d.name: d for d in db.scalars(select(Deck).where(Deck.user_id == user_id))}
    assert set(decks) == {"Lang", "Lang::中文"}
    assert decks["Lang::中文"].parent_id == decks["Lang"].id
    [card] = live_cards(db, user_id)
    assert card.deck_id == decks["Lang::中文"].id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"front": "   ", "back": "x"}, "The front is empty."),
        ({"front": "x" * (64 * 1024 + 1), "back": ""}, "longer than 64 KB"),
        ({"front": "q", "back": "长" * 22000}, "longer than 64 KB"),
        ({"front": "q", "back": "a", "deck_id": "999999"}, "That deck does not exist."),
        ({"front": "q", "back": "a", "deck_id": ""}, "Choose a deck"),
        ({"front": "no deletion here", "kind": "cloze"}, "A cloze card needs a deletion"),
        ({"front": "q", "kind": "fancy"}, "Unknown card kind."),
    ],
)
def test_add_refuses_bad_input_and_keeps_what_was_typed(
    client: FlaskClient, db: Session, user_id: int, fields: dict[str, str], message: str
) -> None:
    deck = make_deck(db, user_id)
    db.commit()
    data = {"deck_id": str(deck.id), "kind": "basic", "tags": "kept-tag", **fields,
            "new_deck": ""}
    response = client.post("/cards/add", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "kept-tag" in html
    if len(fields["front"]) < 100 and fields["front"].strip():
        assert fields["front"] in html
    assert live_cards(db, user_id) == []
    assert count(db, Tag) == 0


def test_add_to_another_users_deck_is_refused(
    client: FlaskClient, db: Session, user_id: int, auth: object
) -> None:
    from tests.conftest import make_user

    other = make_user(client.application, "bob")
    theirs = make_deck(db, other, "Bob's")
    db.commit()
    response = add(client, deck_id=str(theirs.id), kind="basic", front="q", back="a")
    assert response.status_code == 422
    assert "That deck does not exist." in response.get_data(as_text=True)
    assert count(db, Card) == 0


def test_a_new_deck_is_not_half_saved_when_the_card_is_refused(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    response = add(client, new_deck="Fresh", kind="basic", front="q", back="x" * 70000)
    assert response.status_code == 422
    assert count(db, Deck) == 0


def test_duplicate_front_is_flagged_then_added_when_confirmed(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id)
    existing = make_card(db, user_id, "What is SM-2?", "A scheduler.", deck=deck)
    db.commit()
    data = {"deck_id": str(deck.id), "kind": "basic", "front": "what is  ＳＭ-2 ？", "back": "b"}
    first = client.post("/cards/add", data=data)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "already in this deck" in html
    assert f"/cards/{existing.id}" in html
    assert 'name="allow_duplicate"' in html
    assert len(live_cards(db, user_id)) == 1
    second = client.post("/cards/add", data={**data, "allow_duplicate": "1"})
    assert second.status_code == 302
    assert len(live_cards(db, user_id)) == 2


def test_duplicate_is_flagged_when_the_new_deck_already_exists(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Twice?", deck="Lang::中文")
    db.commit()
    response = add(client, new_deck="Lang :: 中文", kind="basic", front="twice", back="")
    assert response.status_code == 200
    assert "already in this deck" in response.get_data(as_text=True)
    assert len(live_cards(db, user_id)) == 1


def test_same_front_in_another_deck_is_not_a_duplicate(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Same?", deck="One")
    other = make_deck(db, user_id, "Two")
    db.commit()
    response = add(client, deck_id=str(other.id), kind="basic", front="Same?", back="")
    assert response.status_code == 302


# --- preview ---------------------------------------------------------------------------------


def test_preview_renders_with_the_shared_renderer_and_flags_duplicates(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id)
    card = make_card(db, user_id, "**Bold** question", deck=deck)
    db.commit()
    response = client.post("/cards/preview", json={
        "front": "**Bold** question", "back": "<script>x</script> $x^2$", "kind": "basic",
        "deck_id": str(deck.id)})
    assert response.status_code == 200
    data = response.get_json()
    assert data["sides"][0]["front"] == "<p><strong>Bold</strong> question</p>\n"
    assert "<script>" not in data["sides"][0]["back"] and "<math" in data["sides"][0]["back"]
    assert [d["id"] for d in data["duplicates"]] == [card.id]
    # The card being edited is not its own duplicate.
    again = client.post("/cards/preview", json={
        "front": "**Bold** question", "kind": "basic", "deck_id": str(deck.id),
        "card_id": str(card.id)}).get_json()
    assert again["duplicates"] == []


def test_preview_of_reversed_and_cloze(client: FlaskClient, user_id: int) -> None:
    reversed_ = client.post("/cards/preview", json={"front": "A", "back": "B",
                                                     "kind": "reversed"}).get_json()
    assert [s["front"] for s in reversed_["sides"]] == ["<p>A</p>\n", "<p>B</p>\n"]
    cloze = client.post("/cards/preview", json={"front": "{{c1::x}} and ==y==",
                                                "kind": "cloze"}).get_json()
    assert len(cloze["sides"]) == 2
    assert "[…]" in cloze["sides"][1]["front"] and "x" in cloze["sides"][1]["front"]


def test_preview_needs_login(client: FlaskClient) -> None:
    assert client.post("/cards/preview", json={"front": "x"}).status_code == 302


# --- editing ---------------------------------------------------------------------------------


def test_edit_extracted_card_marks_it_edited(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Old front", "Old back", kind="question", key="question-abc",
                     modified_at=T0)
    db.commit()
    assert client.get(f"/cards/{card.id}/edit").status_code == 200
    response = client.post(f"/cards/{card.id}/edit", data={
        "front": "New front 云原生", "back": "New back", "deck_id": str(card.deck_id),
        "tags": "fixed"})
    assert response.status_code == 302
    db.expire_all()
    card = db.get(Card, card.id)
    assert card is not None
    assert (card.front, card.back, card.edited) == ("New front 云原生", "New back", True)
    assert card.modified_at > T0
    assert [t.name for t in card.tags] == ["fixed"]
    assert "云原生" in card.search_text


def test_edit_giving_a_question_a_back_answers_it(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Why?", "", kind="question", key="question-why",
                     needs_answer=True)
    db.commit()
    client.post(f"/cards/{card.id}/edit", data={"front": "Why?", "back": "Because.",
                                                 "deck_id": str(card.deck_id)})
    db.expire_all()
    fresh = db.get(Card, card.id)
    assert fresh is not None and (fresh.needs_answer, fresh.back) == (False, "Because.")


def test_edit_hand_made_card_is_not_marked_edited(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "q", "a")
    db.commit()
    client.post(f"/cards/{card.id}/edit", data={"front": "q2", "back": "a2",
                                                 "deck_id": str(card.deck_id)})
    db.expire_all()
    assert db.get(Card, card.id).edited is False  # type: ignore[union-attr]


def test_edit_reversed_pair_keeps_sides_swapped(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id)
    db.commit()
    add(client, deck_id=str(deck.id), kind="reversed", front="A", back="B")
    first, second = live_cards(db, user_id)
    client.post(f"/cards/{second.id}/edit", data={"front": "A2", "back": "B2",
                                                   "deck_id": str(deck.id)})
    first, second = live_cards(db, user_id)
    assert (first.front, first.back, second.front, second.back) == ("A2", "B2", "B2", "A2")


def test_edit_cloze_adds_and_removes_numbers(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id)
    db.commit()
    add(client, deck_id=str(deck.id), kind="cloze", front="{{c1::a}} {{c2::b}}")
    c1, c2 = live_cards(db, user_id)
    client.post(f"/cards/{c1.id}/edit", data={"front": "{{c1::a}} {{c3::c}}",
                                              "deck_id": str(deck.id)})
    cards = live_cards(db, user_id)
    assert [c.ord for c in cards] == [0, 2]
    assert cards[0].id == c1.id and all(c.front == "{{c1::a}} {{c3::c}}" for c in cards)
    db.expire_all()
    assert db.get(Card, c2.id).deleted_at is not None  # type: ignore[union-attr]


def test_edit_with_empty_front_keeps_the_card_and_the_typing(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "keep me", "back")
    db.commit()
    response = client.post(f"/cards/{card.id}/edit", data={
        "front": "", "back": "typed back", "deck_id": str(card.deck_id)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The front is empty." in html and "typed back" in html
    db.expire_all()
    assert db.get(Card, card.id).back == "back"  # type: ignore[union-attr]


def test_edit_returns_to_next(client: FlaskClient, db: Session, user_id: int) -> None:
    card = make_card(db, user_id)
    db.commit()
    response = client.post(f"/cards/{card.id}/edit", data={
        "front": "x", "deck_id": str(card.deck_id), "next": "/browse/?q=x"})
    assert response.headers["Location"] == "/browse/?q=x"
    evil = client.post(f"/cards/{card.id}/edit", data={
        "front": "x", "deck_id": str(card.deck_id), "next": "//evil.example/"})
    assert evil.headers["Location"] == f"/cards/{card.id}"


# --- showing ---------------------------------------------------------------------------------


def test_show_card_with_source_and_history(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    note = "\n".join(f"line {n}" for n in range(1, 21))
    source = NoteSource(user_id=user_id, path="os/memory.md", content_hash="h", content=note)
    db.add(source)
    db.flush()
    card = make_card(db, user_id, "What is **paging**?", "Mapping pages to frames.",
                     kind="question", key="question-x", source_id=source.id, line=10,
                     end_line=10, answer_start=11, answer_end=12,
                     context="Memory > Paging")
    db.add(Review(user_id=user_id, card_id=card.id, grade=4, reviewed_at=T0,
                  reps_before=0, ef_before=250, interval_before=0, due_before=None,
                  lapses_before=0, reps_after=1, ef_after=250, interval_after=1,
                  due_after=T0 + timedelta(days=1), lapses_after=0))
    db.add(Review(user_id=user_id, card_id=card.id, grade=2, reviewed_at=T0 + timedelta(days=1),
                  reps_before=1, ef_before=250, interval_before=1, due_before=T0,
                  lapses_before=0, reps_after=0, ef_after=232, interval_after=1,
                  due_after=T0 + timedelta(days=2), lapses_after=1))
    db.commit()
    response = client.get(f"/cards/{card.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>paging</strong>" in html
    assert "os/memory.md" in html and "Memory &gt; Paging" in html
    assert "line 7" in html and "line 15" in html and "line 6<" not in html
    assert html.count('class="mine"') == 3  # lines 10 to 12
    assert html.index("2.50") < html.index("2.32")
    assert html.count("<tr class=\"review-review\">") == 2


def test_other_users_cards_are_404(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    from tests.conftest import make_user

    other = make_user(client.application, "bob")
    theirs = make_card(db, other, "secret")
    db.commit()
    for url in (f"/cards/{theirs.id}", f"/cards/{theirs.id}/edit"):
        assert client.get(url).status_code == 404
    for action in ("delete", "suspend", "unsuspend", "reset", "move", "edit"):
        assert client.post(f"/cards/{theirs.id}/{action}", data={"front": "x"}).status_code == 404
    db.expire_all()
    card = db.get(Card, theirs.id)
    assert card is not None and card.deleted_at is None and card.front == "secret"


# --- actions ---------------------------------------------------------------------------------


def test_delete_extracted_card_leaves_a_tombstone_and_keeps_history(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Gone?", kind="question", key="question-gone")
    db.add(Review(user_id=user_id, card_id=card.id, grade=5, reviewed_at=T0, reps_before=0,
                  ef_before=250, interval_before=0, due_before=None, lapses_before=0,
                  reps_after=1, ef_after=260, interval_after=1, due_after=T0, lapses_after=0))
    db.commit()
    response = client.post(f"/cards/{card.id}/delete")
    assert response.status_code == 302
    assert "Card deleted." in client.get(response.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    assert db.get(Card, card.id).deleted_at is not None  # type: ignore[union-attr]
    tomb = db.scalar(select(Tombstone))
    assert tomb is not None and (tomb.key, tomb.front) == ("question-gone", "Gone?")
    assert count(db, Review) == 1
    assert client.get(f"/cards/{card.id}").status_code == 404


def test_delete_hand_made_card_leaves_no_tombstone(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id)
    db.commit()
    client.post(f"/cards/{card.id}/delete")
    assert count(db, Tombstone) == 0
    assert live_cards(db, user_id) == []


def test_suspend_unsuspend_reset_move(client: FlaskClient, db: Session, user_id: int) -> None:
    card = make_card(db, user_id, reps=3, ef=210, interval_days=12, lapses=2,
                     due=T0, repeat_pending=True, last_reviewed_at=T0)
    target = make_deck(db, user_id, "Elsewhere")
    db.commit()
    response = client.post(f"/cards/{card.id}/suspend")
    assert response.status_code == 302
    assert "Card suspended." in client.get(response.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    assert db.get(Card, card.id).suspended is True  # type: ignore[union-attr]
    client.post(f"/cards/{card.id}/unsuspend")
    db.expire_all()
    assert db.get(Card, card.id).suspended is False  # type: ignore[union-attr]
    client.post(f"/cards/{card.id}/reset")
    db.expire_all()
    fresh = db.get(Card, card.id)
    assert fresh is not None
    assert (fresh.reps, fresh.ef, fresh.interval_days, fresh.lapses, fresh.due,
            fresh.repeat_pending) == (0, 250, 0, 0, None, False)
    client.post(f"/cards/{card.id}/move", data={"deck_id": str(target.id)})
    db.expire_all()
    assert db.get(Card, card.id).deck_id == target.id  # type: ignore[union-attr]


def test_move_to_unknown_deck_is_refused(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id)
    db.commit()
    response = client.post(f"/cards/{card.id}/move", data={"deck_id": "424242"},
                           follow_redirects=True)
    assert "That deck does not exist." in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Card, card.id).deck_id == card.deck_id  # type: ignore[union-attr]


def test_pages_need_login(client: FlaskClient) -> None:
    for url in ("/cards/add", "/browse/", "/inbox/", "/decks/"):
        assert client.get(url).status_code == 302


def test_card_page_shows_its_notes_images(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    from app.models import Media
    from app.notes.media import resolve_image

    source = NoteSource(user_id=user_id, path="os/memory.md", content_hash="h", content="x")
    db.add(source)
    db.flush()
    path = resolve_image("os/memory.md", "img/tlb.png")
    assert path is not None
    db.add(Media(user_id=user_id, name="abc123-tlb.png", original_path=path, mime="image/png",
                 sha256="abc123", data=b"\x89PNG"))
    card = make_card(db, user_id, "What is this? ![tlb](img/tlb.png) ![gone](img/gone.png)",
                     kind="question", key="question-img", source_id=source.id, line=1)
    db.commit()
    html = client.get(f"/cards/{card.id}").get_data(as_text=True)
    assert 'src="/media/abc123-tlb.png"' in html
    assert '<span class="missing-image">[gone]</span>' in html
