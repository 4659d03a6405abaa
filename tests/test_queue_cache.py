"""The queue snapshot: exact, and stale the moment anything else changes the user's cards.

Every test here runs with ``QUEUE_CHECK`` (set for all tests), so each next card a
snapshot gives is also compared with a freshly planned day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from app.models import Card, Deck, Review, User
from tests.conftest import AuthActions
from tests.factories import make_card

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def traveller() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def page_showing(client: FlaskClient) -> dict[str, str] | None:
    page = client.get("/review").get_data(as_text=True)
    card = re.search(r'name="card_id" value="(\d+)"', page)
    show = re.search(r'name="showing_id" value="([^"]+)"', page)
    return None if card is None or show is None else {
        "card_id": card.group(1), "showing_id": show.group(1)}


def answer_json(client: FlaskClient, shown: dict[str, str], grade: int) -> dict[str, Any]:
    reply = client.post("/review/answer", data={**shown, "grade": str(grade),
                                                "format": "json", "fill": "1"})
    assert reply.status_code == 200
    data: dict[str, Any] = reply.get_json()
    return data


def next_of(data: dict[str, Any]) -> dict[str, str] | None:
    """The next showing from an answer's reply (as data, or as HTML at the day's end)."""
    if "card" in data:
        return {"card_id": str(data["card"]["id"]), "showing_id": data["card"]["showing_id"]}
    card = re.search(r'name="card_id" value="(\d+)"', data["html"])
    show = re.search(r'name="showing_id" value="([^"]+)"', data["html"])
    return None if card is None or show is None else {
        "card_id": card.group(1), "showing_id": show.group(1)}


def review_count(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Review)) or 0)


def cards(db: Session, user_id: int, n: int, **fields: Any) -> list[Card]:
    made = [make_card(db, user_id, f"Question {i}?", f"Answer {i}",
                      due=NOW - timedelta(days=n - i), reps=1, interval_days=1, **fields)
            for i in range(n)]
    db.commit()
    return made


def test_an_answer_moves_the_snapshot_on_without_planning_again(
    traveller: Any, app: Flask, client: FlaskClient, db: Session, user_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = cards(db, user_id, 3)
    shown = page_showing(client)
    assert shown == {"card_id": str(made[0].id), "showing_id": f"{made[0].id}.0"}

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the day was planned again")

    app.config["QUEUE_CHECK"] = False  # the check plans the day itself
    monkeypatch.setattr("app.review.snapshot.build", refuse)
    data = answer_json(client, shown, 4)
    # The next card comes as data, with what the page needs to show it.
    card = data["card"]
    assert card["id"] == made[1].id and card["showing_id"] == f"{made[1].id}.0"
    assert "Question 1?" in card["front"] and "Answer 1" in card["back"]
    assert card["counts"] == {"review": "2", "new": "0", "repeat": "0"}
    assert card["urls"]["suspend"] == f"/review/{made[1].id}/suspend"
    assert set(card["waits"]) == {"0", "1", "2", "3", "4", "5"}
    assert review_count(db) == 1
    db.refresh(made[0])
    assert made[0].reps == 2 and made[0].due is not None and made[0].due > NOW


def test_a_change_made_elsewhere_is_seen_by_the_next_answer(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    made = cards(db, user_id, 4)
    shown = page_showing(client)
    assert shown is not None and shown["card_id"] == str(made[0].id)
    # Another tab (or worker) suspends the card that would come next.
    db.get(Card, made[1].id).suspended = True  # type: ignore[union-attr]
    db.commit()
    data = answer_json(client, shown, 4)
    assert data["card"]["id"] == made[2].id
    assert review_count(db) == 1


def test_a_second_worker_answering_first_is_not_counted_twice(
    traveller: Any, app: Flask, app_config: dict[str, Any], client: FlaskClient, db: Session,
    user_id: int,
) -> None:
    made = cards(db, user_id, 4)
    other_app = create_app(app_config)  # another worker: its own snapshots
    other = other_app.test_client()
    AuthActions(other, other_app).login("ada")
    shown = page_showing(client)
    assert shown is not None and page_showing(other) == shown
    first = answer_json(other, shown, 5)
    assert first["card"]["id"] == made[1].id
    # The first worker still holds the showing in its snapshot; the database has moved on.
    again = answer_json(client, shown, 1)
    assert review_count(db) == 1
    assert next_of(again) == next_of(first)
    other_app.extensions["wengu.engine"].dispose()


def test_the_snapshot_ends_with_the_review_day(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    db.get(User, user_id).new_per_day = 1  # type: ignore[union-attr]
    for i in range(3):
        make_card(db, user_id, f"New {i}")
    db.commit()
    shown = page_showing(client)
    assert shown is not None
    done = answer_json(client, shown, 5)
    assert "card" not in done  # the day's one new card is done
    traveller.move_to(NOW + timedelta(days=1))  # past 04:00: a new day, a new card
    assert page_showing(client) is not None


def test_a_buried_card_comes_back_when_its_time_comes(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    made = cards(db, user_id, 3)
    db.get(Card, made[1].id).buried_until = NOW + timedelta(hours=1)  # type: ignore[union-attr]
    db.commit()
    shown = page_showing(client)
    assert shown is not None and shown["card_id"] == str(made[0].id)
    traveller.move_to(NOW + timedelta(hours=2))
    data = answer_json(client, shown, 4)
    assert data["card"]["id"] == made[1].id


def test_an_undo_that_changes_no_column_still_changes_the_showing(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    # With the clock standing still, a second "Again" on a same-day repeat leaves every
    # column of the card as it was, and so does undoing it; only the review rows differ.
    made = cards(db, user_id, 1)
    shown = page_showing(client)
    assert shown is not None
    repeat = next_of(answer_json(client, shown, 1))
    assert repeat is not None and repeat["card_id"] == str(made[0].id)
    again = next_of(answer_json(client, repeat, 1))
    assert again is not None and again["showing_id"] != repeat["showing_id"]
    undone = client.post("/review/undo", data={"format": "json"}).get_json()
    after_undo = next_of(undone)
    last = db.scalar(select(func.max(Review.id)).where(Review.card_id == made[0].id))
    assert after_undo == {"card_id": str(made[0].id), "showing_id": f"{made[0].id}.{last}"}


def test_deck_changes_count_as_card_changes(db: Session, user_id: int) -> None:
    make_card(db, user_id, "Q")
    db.commit()
    before = db.scalar(select(User.cards_version).where(User.id == user_id))
    deck = db.scalar(select(Deck).where(Deck.user_id == user_id))
    assert deck is not None
    deck.new_per_day = 3
    db.commit()
    assert db.scalar(select(User.cards_version).where(User.id == user_id)) == before + 1


def test_a_logged_out_session_cannot_answer(
    traveller: Any, app: Flask, client: FlaskClient, db: Session, user_id: int
) -> None:
    cards(db, user_id, 2)
    shown = page_showing(client)
    assert shown is not None
    db.get(User, user_id).session_version += 1  # type: ignore[union-attr]  # logged out
    db.commit()
    reply = client.post("/review/answer", data={**shown, "grade": "4"})
    assert reply.status_code == 302 and "/auth/login" in reply.headers["Location"]
    assert review_count(db) == 0


class ReviewDay(RuleBasedStateMachine):
    """Random answers, undos, burials, suspensions from elsewhere and passing hours:
    every next card the snapshot gives is checked against the queries (QUEUE_CHECK),
    and no answer is ever recorded twice or lost."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[str, str] | None = None
        self.answers = 0

    @initialize()
    def setup(self) -> None:
        app, db = STATE["app"], STATE["db"]
        self.travel = time_machine.travel(NOW, tick=False)
        self.traveller = self.travel.start()
        STATE["runs"] = STATE.get("runs", 0) + 1
        self.client = app.test_client()
        auth = AuthActions(self.client, app)
        name = f"reviewer{STATE['runs']}"
        self.user_id = auth.create(name)
        auth.login(name)
        siblings = {1: "pair-a", 2: "pair-a", 7: "pair-b", 8: "pair-b"}  # two directions
        for i in range(12):
            due = None if i % 3 == 0 else NOW - timedelta(days=i)
            make_card(db, self.user_id, f"Q{i}", f"A{i}", due=due, reps=0 if due is None else 2,
                      interval_days=0 if due is None else 3,
                      **({"note_key": siblings[i]} if i in siblings else {}))
        db.commit()
        self.base = review_count(db)
        self.shown = page_showing(self.client)

    def teardown(self) -> None:
        if hasattr(self, "travel"):
            self.travel.stop()

    @rule(grade=st.integers(0, 5))
    def answer(self, grade: int) -> None:
        if self.shown is None:
            return
        data = answer_json(self.client, self.shown, grade)
        self.answers += 1
        self.shown = next_of(data)

    @rule(grade=st.integers(0, 5))
    def answer_the_same_showing_twice(self, grade: int) -> None:
        if self.shown is None:
            return
        first = answer_json(self.client, self.shown, grade)
        self.answers += 1
        answer_json(self.client, self.shown, grade)  # a double click: recorded once
        self.shown = next_of(first)

    @rule()
    def undo(self) -> None:
        reply = self.client.post("/review/undo", data={"format": "json"})
        if "Answer undone" in reply.get_data(as_text=True):
            self.answers += 1  # the undo row
        self.shown = page_showing(self.client)

    @rule()
    def bury(self) -> None:
        if self.shown is not None:
            self.client.post(f"/review/{self.shown['card_id']}/bury", data={"format": "json"})
            self.shown = page_showing(self.client)

    @rule(index=st.integers(0, 11))
    def suspend_elsewhere(self, index: int) -> None:
        db = STATE["db"]
        found = db.scalars(select(Card).where(Card.user_id == self.user_id)
                           .order_by(Card.id)).all()
        if index < len(found):
            found[index].suspended = not found[index].suspended
            db.commit()
        self.shown = page_showing(self.client)

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.traveller.shift(timedelta(hours=hours))
        self.shown = page_showing(self.client)

    @invariant()
    def every_answer_is_recorded_once(self) -> None:
        if hasattr(self, "base"):
            assert review_count(STATE["db"]) == self.base + self.answers


STATE: dict[str, Any] = {}


def test_random_review_days_match_the_queries(app: Flask, db: Session) -> None:
    STATE.update(app=app, db=db)
    runner = ReviewDay.TestCase
    runner.settings = settings(max_examples=12, stateful_step_count=25, deadline=None,
                               suppress_health_check=list(HealthCheck))
    runner().runTest()
