"""The inbox: questions waiting for an answer, grouped by note, answered into review."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.cards.inbox import inbox_count
from app.models import Card, NoteSource
from tests.factories import make_card

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def question(db: Session, user_id: int, source: NoteSource | None, front: str, line: int,
             **fields: object) -> Card:
    return make_card(db, user_id, front, "", kind="question", key=f"question-{front}",
                     source_id=source.id if source else None, line=line, end_line=line,
                     needs_answer=True, **fields)


def note(db: Session, user_id: int, path: str, content: str = "") -> NoteSource:
    source = NoteSource(user_id=user_id, path=path, content_hash=path, content=content)
    db.add(source)
    db.flush()
    return source


def test_inbox_groups_questions_by_note_with_context(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    kernel = note(db, user_id, "os/kernel.md", "# Kernel\n\n## Memory\n什么是页表?\n\nmore text")
    zh = note(db, user_id, "lang/中文.md", "一\n二\n为什么学中文?\n三")
    question(db, user_id, zh, "为什么学中文?", 3)
    question(db, user_id, kernel, "什么是页表?", 4, context="Kernel > Memory")
    make_card(db, user_id, "answered", "yes")  # not in the inbox
    question(db, user_id, kernel, "deleted?", 6, deleted_at=T0)
    question(db, user_id, kernel, "retired?", 6, retired_at=T0)
    db.commit()
    response = client.get("/inbox/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 questions need an answer." in html
    # Grouped by note path, in path order.
    assert html.index("lang/中文.md") < html.index("为什么学中文?") < html.index("os/kernel.md")
    assert html.index("os/kernel.md") < html.index("什么是页表?")
    assert "Kernel &gt; Memory" in html and "## Memory" in html
    assert "answered" not in html and "deleted?" not in html and "retired?" not in html
    assert inbox_count(db, user_id) == 2


def test_answering_makes_a_normal_new_card(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = question(db, user_id, note(db, user_id, "a.md", "Q?"), "Q?", 1)
    db.commit()
    response = client.post(f"/inbox/{card.id}/answer", data={"back": "It is **this**."})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Answered: the card is now in review." in follow
    assert "No questions are waiting for an answer." in follow
    db.expire_all()
    card = db.get(Card, card.id)  # type: ignore[assignment]
    assert card is not None
    assert (card.back, card.needs_answer, card.edited, card.due) == (
        "It is **this**.", False, True, None)
    assert inbox_count(db, user_id) == 0
    states = client.get("/browse/", query_string={"state": "new"}).get_data(as_text=True)
    assert f'value="{card.id}"' in states


def test_empty_or_huge_answer_is_refused_with_the_typing_kept(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = question(db, user_id, None, "Why?", 1)
    db.commit()
    empty = client.post(f"/inbox/{card.id}/answer", data={"back": "   "})
    assert empty.status_code == 422
    assert "The answer is empty." in empty.get_data(as_text=True)
    huge = client.post(f"/inbox/{card.id}/answer", data={"back": "答" * 30000})
    assert huge.status_code == 422
    html = huge.get_data(as_text=True)
    assert "longer than 64 KB" in html and "答答答" in html
    db.expire_all()
    assert db.get(Card, card.id).needs_answer is True  # type: ignore[union-attr]


def test_other_users_questions_are_404_and_not_counted(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    from tests.conftest import make_user

    bob = make_user(client.application, "bob")
    theirs = question(db, bob, None, "bob's question", 1)
    db.commit()
    assert "bob" not in client.get("/inbox/").get_data(as_text=True)
    assert client.post(f"/inbox/{theirs.id}/answer", data={"back": "x"}).status_code == 404
    assert inbox_count(db, user_id) == 0 and inbox_count(db, bob) == 1
    db.expire_all()
    assert db.get(Card, theirs.id).needs_answer is True  # type: ignore[union-attr]


def test_answering_twice_is_harmless(client: FlaskClient, db: Session, user_id: int) -> None:
    card = question(db, user_id, None, "Once?", 1)
    db.commit()
    client.post(f"/inbox/{card.id}/answer", data={"back": "first"})
    again = client.post(f"/inbox/{card.id}/answer", data={"back": "second"},
                        follow_redirects=True)
    assert "already has an answer" in again.get_data(as_text=True)
    db.expire_all()
    assert db.get(Card, card.id).back == "first"  # type: ignore[union-attr]


# Triage: filters, dismissing as "not a card", bulk, and keeping the page's place.

from datetime import timedelta  # noqa: E402

from sqlalchemy import select  # noqa: E402

from app.models import Tombstone  # noqa: E402
from tests.factories import make_deck  # noqa: E402


def test_filters_by_deck_subtree_and_age(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    kernel = make_deck(db, user_id, "os::kernel")
    os_deck = make_deck(db, user_id, "os")
    lang = make_deck(db, user_id, "lang")
    now = datetime.now(UTC)
    question(db, user_id, None, "Why paging?", 1, deck=kernel, created_at=now - timedelta(days=2))
    question(db, user_id, None, "Why a scheduler?", 2, deck=os_deck,
             created_at=now - timedelta(days=90))
    question(db, user_id, None, "为什么学中文?", 3, deck=lang, created_at=now - timedelta(days=1))
    db.commit()

    def shown(**args: str) -> set[str]:
        html = client.get("/inbox/", query_string=args).get_data(as_text=True)
        return {q for q in ("Why paging?", "Why a scheduler?", "为什么学中文?") if q in html}

    assert shown() == {"Why paging?", "Why a scheduler?", "为什么学中文?"}
    assert shown(deck=str(os_deck.id)) == {"Why paging?", "Why a scheduler?"}  # sub-decks too
    assert shown(deck=str(kernel.id)) == {"Why paging?"}
    assert shown(age="week") == {"Why paging?", "为什么学中文?"}
    assert shown(age="older") == {"Why a scheduler?"}
    assert shown(deck=str(os_deck.id), age="week") == {"Why paging?"}
    page = client.get("/inbox/", query_string={"deck": str(kernel.id)}).get_data(as_text=True)
    assert "3 questions need an answer." in page and "1 matches the filters." in page


def test_bad_filters_are_refused_not_ignored(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    from tests.conftest import make_user

    bob = make_user(client.application, "bob")
    theirs = make_deck(db, bob, "bob's")
    db.commit()
    assert client.get("/inbox/", query_string={"age": "century"}).status_code == 400
    assert client.get("/inbox/", query_string={"deck": "x1"}).status_code == 400
    assert client.get("/inbox/", query_string={"deck": str(theirs.id)}).status_code == 404


def test_dismiss_tombstones_and_returns_to_the_next_question_with_the_filters(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id, "os")
    first = question(db, user_id, None, "Junk?", 1, deck=deck)
    second = question(db, user_id, None, "Real question?", 2, deck=deck)
    db.commit()
    response = client.post(f"/inbox/{first.id}/dismiss",
                           data={"deck": str(deck.id), "age": "week", "next": str(second.id)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/inbox/?deck={deck.id}&age=week#q-{second.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dismissed: not a card." in page and "Junk?" not in page and "Real question?" in page
    db.expire_all()
    assert db.get(Card, first.id).deleted_at is not None  # type: ignore[union-attr]
    tombstone = db.scalar(select(Tombstone).where(Tombstone.key == first.key))
    assert tombstone is not None and tombstone.reason == "not-a-card"
    assert inbox_count(db, user_id) == 1
    home = client.get("/").get_data(as_text=True)
    assert "1 question needs an answer" in home


def test_answer_keeps_the_place_too(client: FlaskClient, db: Session, user_id: int) -> None:
    first = question(db, user_id, None, "A?", 1)
    second = question(db, user_id, None, "B?", 2)
    db.commit()
    response = client.post(f"/inbox/{first.id}/answer",
                           data={"back": "yes", "age": "month", "next": str(second.id)})
    assert response.headers["Location"] == f"/inbox/?age=month#q-{second.id}"


def test_bulk_dismiss_takes_only_my_waiting_questions(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    from tests.conftest import make_user

    bob = make_user(client.application, "bob")
    mine = [question(db, user_id, None, f"Mine {n}?", n) for n in range(3)]
    answered = make_card(db, user_id, "Answered?", "yes")
    theirs = question(db, bob, None, "Bob's?", 1)
    db.commit()
    ids = [str(card.id) for card in (*mine[:2], answered, theirs)]
    response = client.post("/inbox/dismiss", data={"ids": ids}, follow_redirects=True)
    assert "Dismissed 2 questions: not cards." in response.get_data(as_text=True)
    db.expire_all()
    gone = {card.id for card in db.scalars(select(Card).where(Card.deleted_at.is_not(None)))}
    assert gone == {mine[0].id, mine[1].id}
    assert inbox_count(db, user_id) == 1 and inbox_count(db, bob) == 1
    nothing = client.post("/inbox/dismiss", data={}, follow_redirects=True)
    assert "Select the questions to dismiss first." in nothing.get_data(as_text=True)


def test_the_page_script_gets_json_with_the_new_counts(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id, "os")
    first = question(db, user_id, None, "A?", 1, deck=deck)
    question(db, user_id, None, "B?", 2, deck=deck)
    question(db, user_id, None, "C?", 3)
    db.commit()
    json_headers = {"Accept": "application/json"}
    reply = client.post(f"/inbox/{first.id}/answer", headers=json_headers,
                        data={"back": "yes", "deck": str(deck.id)})
    assert reply.status_code == 200
    assert reply.get_json() == {
        "message": "Answered: the card is now in review.", "total": 2, "shown": 1,
        "summary": "2 questions need an answer.",
    }
    empty = client.post(f"/inbox/{first.id}/answer", headers=json_headers, data={"back": ""})
    assert empty.status_code == 200  # already answered: nothing to do, no error
    waiting = db.scalars(select(Card).where(Card.front == "B?")).one()
    refused = client.post(f"/inbox/{waiting.id}/answer", headers=json_headers, data={"back": " "})
    assert refused.status_code == 422 and refused.get_json() == {"error": "The answer is empty."}
