"""The review pages: showing, answering once per showing, undo, suspend, bury, throw away."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Card, NoteSource, Review, ReviewKind, Tombstone, User
from app.review.store import Refused, Written, state_of, write_answer
from cards.sm2 import State, review
from tests.factories import make_card

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def showing(client: FlaskClient, query: str = "") -> dict[str, str] | None:
    """The card on the review page: its id and showing id, or None at the day's end."""
    page = client.get(f"/review{query}").get_data(as_text=True)
    card = re.search(r'name="card_id" value="(\d+)"', page)
    if card is None:
        assert "Done for today" in page
        return None
    show = re.search(r'name="showing_id" value="([^"]+)"', page)
    assert show is not None
    return {"card_id": card.group(1), "showing_id": show.group(1)}


def answer(client: FlaskClient, grade: int, shown: dict[str, str], **extra: Any) -> Any:
    return client.post("/review/answer", data={**shown, "grade": str(grade), **extra})


def reviews(db: Session, card_id: int | None = None) -> list[Review]:
    query = select(Review).order_by(Review.id)
    if card_id is not None:
        query = query.where(Review.card_id == card_id)
    return list(db.scalars(query))


@pytest.fixture
def traveller() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_review_needs_login(client: FlaskClient) -> None:
    assert client.get("/review").status_code == 302


def test_shows_card_with_four_buttons_and_intervals(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Capital of **France**?", "Paris", due=NOW - timedelta(days=1),
              reps=2, interval_days=6, ef=270)
    db.commit()
    page = client.get("/review").get_data(as_text=True)
    assert "<strong>France</strong>" in page
    labels = re.findall(r'class="grade-interval">([^<]+)<', page)
    # Again 1d; Hard/Good/Easy: the third repetition, ceil(6 × 2.70) = 17 days.
    assert labels == ["1d", "17d", "17d", "17d"]
    assert re.findall(r'name="grade" value="(\d)"', page) == ["1", "3", "4", "5"]


def test_six_grade_setting(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    db.get(User, user_id).grade_buttons = 6  # type: ignore[union-attr]
    make_card(db, user_id, "Q")
    db.commit()
    page = client.get("/review").get_data(as_text=True)
    assert re.findall(r'name="grade" value="(\d)"', page) == ["0", "1", "2", "3", "4", "5"]


def test_answer_is_recorded_once_per_showing(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Q")
    db.commit()
    shown = showing(client)
    assert shown is not None
    first = answer(client, 4, shown, duration_ms="5300")
    assert first.status_code == 302
    # A double click, a resubmitted form and a second tab all send the same showing.
    assert answer(client, 4, shown).status_code == 302
    assert answer(client, 1, shown, format="json").status_code == 200
    rows = reviews(db, card.id)
    assert len(rows) == 1
    assert (rows[0].grade, rows[0].duration_ms, rows[0].kind) == (4, 5300, "review")
    db.refresh(card)
    assert (card.reps, card.interval_days, card.due) == (1, 1, NOW + timedelta(days=1))


def test_stale_showing_after_undo_is_refused(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Q")
    db.commit()
    shown = showing(client)
    assert shown is not None
    answer(client, 5, shown)
    client.post("/review/undo")
    # The page shown before the answer is stale: the undo made a new showing of the card.
    answer(client, 5, shown)
    assert [r.kind for r in reviews(db, card.id)] == ["review", "undo"]
    again = showing(client)
    assert again is not None and again["showing_id"] != shown["showing_id"]
    answer(client, 3, again)
    assert [r.kind for r in reviews(db, card.id)] == ["review", "undo", "review"]


def test_undo_restores_state_exactly_and_keeps_history(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Q", due=NOW - timedelta(days=3), reps=3, interval_days=17,
                     ef=280, lapses=1, last_reviewed_at=NOW - timedelta(days=20))
    db.commit()
    before = state_of(card)
    shown = showing(client)
    assert shown is not None
    answer(client, 1, shown)
    db.refresh(card)
    assert card.lapses == 2 and card.interval_days == 1
    traveller.shift(timedelta(seconds=30))
    reply = client.post("/review/undo", data={"format": "json"})
    assert reply.status_code == 200 and "undone" in reply.get_json()["message"]
    db.refresh(card)
    assert state_of(card) == before
    rows = reviews(db, card.id)
    assert [r.kind for r in rows] == ["review", "undo"]
    assert rows[1].undoes_id == rows[0].id and rows[1].grade is None
    # Nothing left to undo: a second undo changes nothing.
    client.post("/review/undo")
    assert len(reviews(db, card.id)) == 2


def test_undo_does_not_count_against_limits(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    user = db.get(User, user_id)
    assert user is not None
    user.new_per_day = 1
    make_card(db, user_id, "one")
    make_card(db, user_id, "two")
    db.commit()
    shown = showing(client)
    assert shown is not None
    answer(client, 5, shown)
    assert showing(client) is None  # the one new card of the day is used
    client.post("/review/undo")
    again = showing(client)  # the undone answer no longer counts: the card is back
    assert again is not None and again["card_id"] == shown["card_id"]


def test_suspend_bury_discard(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    a = make_card(db, user_id, "a", due=NOW - timedelta(days=3))
    b = make_card(db, user_id, "b", due=NOW - timedelta(days=2))
    c = make_card(db, user_id, "c", due=NOW - timedelta(days=1), key="notes/x.md#q:abc")
    db.commit()
    assert client.post(f"/review/{a.id}/suspend").status_code == 302
    reply = client.post(f"/review/{b.id}/bury", data={"format": "json"})
    assert reply.status_code == 200 and f'value="{c.id}"' in reply.get_json()["html"]
    client.post(f"/review/{c.id}/discard")
    assert showing(client) is None
    db.expire_all()
    assert db.get(Card, a.id).suspended  # type: ignore[union-attr]
    tombstone = db.scalar(select(Tombstone).where(Tombstone.key == "notes/x.md#q:abc"))
    assert tombstone is not None and tombstone.reason == "not-a-card"
    assert db.get(Card, c.id).deleted_at == NOW  # type: ignore[union-attr]
    # The buried card is back when the next review day starts (04:00 UTC).
    traveller.move_to(datetime(2026, 5, 5, 3, 59, tzinfo=UTC))
    assert showing(client) is None
    traveller.move_to(datetime(2026, 5, 5, 4, 0, tzinfo=UTC))
    back = showing(client)
    assert back is not None and back["card_id"] == str(b.id)


def test_someone_elses_card_is_404(
    traveller: Any, client: FlaskClient, db: Session, user_id: int, app: Any
) -> None:
    from tests.conftest import make_user

    other = make_user(app, "bob")
    theirs = make_card(db, other, "theirs", due=NOW - timedelta(days=1))
    db.commit()
    for action in ("suspend", "bury", "discard"):
        assert client.post(f"/review/{theirs.id}/{action}").status_code == 404
    assert client.get(f"/review/{theirs.id}/source").status_code == 404
    assert client.get(f"/review?deck={theirs.deck_id}").status_code == 404
    reply = client.post("/review/answer",
                        data={"card_id": theirs.id, "grade": "4", "showing_id": f"{theirs.id}.0"})
    assert reply.status_code == 404
    assert db.scalar(select(func.count()).select_from(Review)) == 0


@pytest.mark.parametrize("data", [
    {"card_id": "x", "grade": "4", "showing_id": "1.0"},
    {"card_id": "1", "grade": "9", "showing_id": "1.0"},
    {"card_id": "1", "grade": "4", "showing_id": ""},
])
def test_bad_answers_are_refused(
    client: FlaskClient, db: Session, user_id: int, data: dict[str, str]
) -> None:
    make_card(db, user_id, "Q")
    db.commit()
    assert client.post("/review/answer", data=data).status_code == 400
    assert db.scalar(select(func.count()).select_from(Review)) == 0


def test_same_day_repeat_is_logged_as_repeat(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Q", due=NOW - timedelta(days=1), reps=1, interval_days=1)
    db.commit()
    answer(client, 3, showing(client))  # type: ignore[arg-type]
    page = client.get("/review").get_data(as_text=True)
    assert "Again today" in page
    answer(client, 4, showing(client))  # type: ignore[arg-type]
    rows = reviews(db, card.id)
    assert [r.kind for r in rows] == [ReviewKind.REVIEW.value, ReviewKind.REPEAT.value]
    assert (rows[1].interval_before, rows[1].interval_after) == (6, 6)
    assert (rows[1].ef_before, rows[1].ef_after) == (236, 236)
    assert showing(client) is None


def test_cloze_and_source_view(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    note = NoteSource(user_id=user_id, path="geo/europe.md", content_hash="h",
                      content="\n".join(f"line {i}" for i in range(1, 21)))
    db.add(note)
    db.flush()
    card = make_card(db, user_id, "{{c1::Paris}} is the capital of {{c2::France}}.", "",
                     kind="cloze", ord=1, source_id=note.id, line=10, end_line=10,
                     context="Europe > France")
    db.commit()
    page = client.get("/review").get_data(as_text=True)
    front = page[page.index("review-front"):page.index("review-answer")]
    assert "Paris" in front and "France" not in front
    source = client.get(f"/review/{card.id}/source?partial=1").get_data(as_text=True)
    assert "geo/europe.md" in source and "line 10" in source and "Europe &gt; France" in source
    assert "line 6" in source and "line 14" in source and "line 3" not in source
    assert 'class="source-line mine"><span class="source-number">10</span>' in source


def test_edit_opens_the_card_pages_editor(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id, "Old front", "Old back")
    db.commit()
    page = client.get("/review").get_data(as_text=True)
    assert f'href="/cards/{card.id}/edit?next=/review"' in page
    assert client.get(f"/review/{card.id}/edit").status_code == 404  # one editor


def test_deck_list_counts(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "due", deck="lang::zh", due=NOW - timedelta(days=1))
    make_card(db, user_id, "new", deck="lang::zh")
    make_card(db, user_id, "new 2", deck="lang")
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'title="lang">lang</a></td>\s*<td class="num due some">1</td>\s*'
                     r'<td class="num new some">2</td>', page)
    assert re.search(r'title="lang::zh">zh</a></td>\s*<td class="num due some">1</td>', page)


def test_end_of_day_summary(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Q")
    db.commit()
    answer(client, 5, showing(client), duration_ms="61000")  # type: ignore[arg-type]
    page = client.get("/review").get_data(as_text=True)
    assert "Done for today" in page and "1 min 1 s" in page
    assert "Tomorrow: 1 due" in page


def test_deck_list_points_to_the_inbox(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Why?", "", needs_answer=True)
    make_card(db, user_id, "How?", "", needs_answer=True)
    make_card(db, user_id, "What?", "An answer.")
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert "2 questions need an answer" in page


def test_images_come_from_the_notes_media(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    from app.models import Media

    note = NoteSource(user_id=user_id, path="bio/cell.md", content_hash="h", content="x")
    db.add(note)
    db.flush()
    db.add(Media(user_id=user_id, name="abc123-cell.png", original_path="bio/img/cell.png",
                 mime="image/png", sha256="abc123", data=b"\x89PNG"))
    make_card(db, user_id, "What is this? ![a cell](img/cell.png)", "A cell.",
              source_id=note.id, line=1)
    db.commit()
    page = client.get("/review").get_data(as_text=True)
    assert 'src="/media/abc123-cell.png"' in page


@pytest.mark.parametrize("grade", range(6))
@pytest.mark.parametrize("repeat", [False, True])
def test_an_answer_is_what_the_core_computes_from_the_stored_state(
    db: Session, user_id: int, grade: int, repeat: bool
) -> None:
    state: dict[str, Any] = {"due": NOW - timedelta(days=2), "reps": 3, "interval_days": 6,
                             "ef": 236, "lapses": 1, "last_reviewed_at": NOW - timedelta(hours=2),
                             "repeat_pending": repeat}
    card = make_card(db, user_id, "Q", "answer", **state)
    db.commit()
    before = state_of(card)
    day_start = NOW - timedelta(hours=6)
    written = write_answer(db, user_id, card.id, grade, NOW, day_start,
                           showing=f"{card.id}.0", duration_ms=9)
    db.commit()
    assert isinstance(written, Written)
    after, log = review(before, grade, NOW, same_day_repeat=repeat)
    db.expire_all()
    assert state_of(card) == after == written.after.sm2_state()
    row = reviews(db, card.id)[0]
    assert (row.kind, row.grade, row.showing_id, row.duration_ms) == (
        "repeat" if log.same_day_repeat else "review", grade, f"{card.id}.0", 9)
    assert State(row.reps_before, row.ef_before, row.interval_before, row.due_before,
                 row.lapses_before, row.last_reviewed_before, row.repeat_pending_before) == before
    # The same showing again, or a showing that is no longer the card's: nothing written.
    again = write_answer(db, user_id, card.id, 5, NOW, day_start, showing=f"{card.id}.0")
    assert again is Refused.ANSWERED
    stale = write_answer(db, user_id, card.id, 5, NOW, day_start, showing=f"{card.id}.7")
    assert stale is Refused.STALE
    db.rollback()
    assert len(reviews(db, card.id)) == 1 and state_of(card) == after


def test_an_answer_to_a_card_that_is_not_live_is_refused(db: Session, user_id: int) -> None:
    card = make_card(db, user_id, "Q", "answer", suspended=True)
    db.commit()
    assert write_answer(db, user_id, card.id, 4, NOW, NOW, showing=None) is Refused.GONE
    assert write_answer(db, user_id + 1, card.id, 4, NOW, NOW, showing=None) is Refused.GONE
