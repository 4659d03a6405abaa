"""One account in two tabs answering at the same moment: every answer is computed from the
card's committed state, and nothing fails."""

from __future__ import annotations

import random
import re
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app
from app.db import get_session
from app.models import Card, Review, ReviewKind
from tests.conftest import PASSWORD
from tests.factories import make_card

FIELD = re.compile(r'name="(card_id|showing_id)" value="([^"]+)"')


def showing_of(html: str) -> dict[str, str] | None:
    found = dict(FIELD.findall(html))
    return found if "card_id" in found else None


def next_showing(reply: Any) -> dict[str, str] | None:
    data = reply.get_json()
    if "card" in data:
        return {"card_id": str(data["card"]["id"]), "showing_id": data["card"]["showing_id"]}
    return showing_of(data["html"])


def chain_breaks(db: Session) -> list[str]:
    """Review rows whose state before is not the state the card's previous row left."""
    db.expire_all()
    rows = list(db.scalars(select(Review).order_by(Review.card_id, Review.id)))
    breaks = []
    for earlier, later in pairwise(rows):
        if earlier.card_id != later.card_id:
            continue
        left = (earlier.reps_after, earlier.ef_after, earlier.interval_after,
                earlier.due_after, earlier.lapses_after, earlier.repeat_pending_after)
        found = (later.reps_before, later.ef_before, later.interval_before, later.due_before,
                 later.lapses_before, later.repeat_pending_before)
        if left != found:
            breaks.append(f"card {later.card_id}: row {later.id} ({later.kind}) starts from "
                          f"{found}, row {earlier.id} left {left}")
    return breaks


def test_two_tabs_answering_at_once_keep_every_cards_history(
    app: Flask, client: FlaskClient, db: Session, user_id: int
) -> None:
    app.config["QUEUE_CHECK"] = False  # the other tab changes the queue between the two looks
    now = datetime.now(UTC)
    for i in range(12):
        make_card(db, user_id, f"Question {i}?", f"Answer {i}", due=now - timedelta(days=12 - i),
                  reps=1, interval_days=1, last_reviewed_at=now - timedelta(days=13))
    for i in range(6):
        make_card(db, user_id, f"New {i}?", f"New answer {i}")
    db.commit()
    second = app.test_client()  # the same account in a second tab (its own session)
    second.post("/auth/login", data={"name": "ada", "password": PASSWORD})
    tabs = [client, second]
    shown = [showing_of(tab.get("/review").get_data(as_text=True)) for tab in tabs]
    statuses: list[int] = []
    barrier = threading.Barrier(2)
    rng = random.Random(7)

    def answer(i: int, grade: int, json: bool) -> None:
        current = shown[i]
        barrier.wait()
        if current is None:
            return
        data = {**current, "grade": str(grade)}
        if json:
            reply = tabs[i].post("/review/answer", data={**data, "format": "json", "fill": "1"})
            statuses.append(reply.status_code)
            shown[i] = next_showing(reply) if reply.status_code == 200 else None
        else:
            reply = tabs[i].post("/review/answer", data=data)
            statuses.append(reply.status_code)
            page = tabs[i].get("/review")
            statuses.append(page.status_code)
            shown[i] = showing_of(page.get_data(as_text=True))

    for _ in range(30):
        if shown[0] is None and shown[1] is None:
            break
        if rng.random() < 0.5:  # both tabs on the same card, as after opening the second one
            shown[1] = shown[0] or shown[1]
        threads = [threading.Thread(target=answer, args=(i, rng.choice((1, 2, 4, 5)),
                                                         rng.random() < 0.7))
                   for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses and all(status < 500 for status in statuses), statuses
    assert chain_breaks(db) == []
    # No answer was computed from a "new" state once the card had a review.
    db.expire_all()
    seen: set[int] = set()
    for row in db.scalars(select(Review).order_by(Review.id)):
        if row.kind == ReviewKind.REVIEW.value and row.due_before is None:
            assert row.card_id not in seen, f"card {row.card_id} answered as new twice"
        seen.add(row.card_id)


def test_an_answer_in_flight_when_another_tab_answers_uses_the_stored_state(
    app: Flask, app_config: dict[str, Any], client: FlaskClient, db: Session, user_id: int
) -> None:
    """Tab A's request has read the card when tab B's answer to it commits (on another
    worker): A's answer, and every later one, starts from the stored state (no stale copy
    in A's session reaches its queue)."""
    app.config["QUEUE_CHECK"] = False  # tab B changes the queue in the middle of A's request
    made = [make_card(db, user_id, f"Question {i}?", f"Answer {i}") for i in range(3)]
    db.commit()
    other_worker = create_app(app_config)
    second = other_worker.test_client()
    second.post("/auth/login", data={"name": "ada", "password": PASSWORD})
    first_shown = showing_of(client.get("/review").get_data(as_text=True))
    assert first_shown is not None and first_shown["card_id"] == str(made[0].id)
    assert showing_of(second.get("/review").get_data(as_text=True)) == first_shown
    armed = [True]
    held: list[Card | None] = []
    statuses: list[int] = []

    def other_tab_answers() -> None:
        reply = second.post("/review/answer", data={**first_shown, "grade": "1",
                                                    "format": "json", "fill": "1"})
        statuses.append(reply.status_code)

    def read_then_let_the_other_tab_answer() -> None:
        if armed and request.path == "/review/answer":
            armed.clear()
            held.append(get_session().get(Card, made[0].id))  # this request read the card...
            other = threading.Thread(target=other_tab_answers)
            other.start()  # ...when the other tab's answer to it commits
            other.join()

    # Registered like @app.before_request, which Flask refuses once requests have run.
    app.before_request_funcs.setdefault(None, []).append(read_then_let_the_other_tab_answer)
    reply = client.post("/review/answer", data={**first_shown, "grade": "4", "format": "json",
                                                "fill": "1"})
    statuses.append(reply.status_code)
    current = next_showing(reply) if reply.status_code == 200 else None
    grades = iter([1, 4, 4, 4, 4, 4, 4, 4])
    while current is not None and len(statuses) < 12:
        reply = client.post("/review/answer", data={**current, "grade": str(next(grades)),
                                                    "format": "json", "fill": "1"})
        statuses.append(reply.status_code)
        current = next_showing(reply) if reply.status_code == 200 else None
    assert all(status < 500 for status in statuses), statuses
    assert chain_breaks(db) == []
    db.expire_all()
    first_rows = list(db.scalars(select(Review).where(Review.card_id == made[0].id)))
    assert [r.grade for r in first_rows][:1] == [1]  # tab B's answer; tab A's was refused
    other_worker.extensions["wengu.engine"].dispose()
