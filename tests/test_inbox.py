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
