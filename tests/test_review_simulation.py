"""Sixty days of reviews through the web app, with a controlled clock.

A user in New York (daylight saving starts during the run) whose review day
starts at 04:00 reviews a nested deck twice a day: in the morning, and again
after midnight (still the same review day). Grades come from a seeded random
generator. Every day the test checks the queue against the rules; at the end
it replays the whole history through the pure scheduler.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, Review, ReviewKind, User
from app.review.store import state_of
from cards.queue import day_bounds
from cards.sm2 import State, review
from tests.factories import make_card, make_deck

NY = ZoneInfo("America/New_York")
FIRST_DAY = date(2026, 2, 20)  # clocks go forward on March 8th
DAYS = 60
SUB_NEW, PARENT_NEW, PARENT_REVIEWS = 2, 5, 12


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def current(client: FlaskClient) -> dict[str, str] | None:
    page = client.get("/review").get_data(as_text=True)
    card = re.search(r'name="card_id" value="(\d+)"', page)
    if card is None:
        assert "Done for today" in page
        return None
    showing = re.search(r'name="showing_id" value="([^"]+)"', page)
    assert showing is not None
    return {"card_id": card.group(1), "showing_id": showing.group(1),
            "repeat": str("Again today</p>" in page)}


def test_sixty_days(client: FlaskClient, db: Session, auth: object) -> None:
    with time_machine.travel(local(FIRST_DAY, 6), tick=False) as clock:
        uid = auth.create("ada", timezone="America/New_York", day_start_hour=4)  # type: ignore[attr-defined]
        auth.login("ada")  # type: ignore[attr-defined]
        parent = make_deck(db, uid, "sim", new_per_day=PARENT_NEW, reviews_per_day=PARENT_REVIEWS)
        sub = make_deck(db, uid, "sim::a", new_per_day=SUB_NEW)
        for i in range(24):
            make_card(db, uid, f"plain {i}", f"answer {i}", deck=parent if i % 2 else sub)
        for i in range(6):  # definitions in both directions: siblings
            for ord_ in (0, 1):
                make_card(db, uid, f"term {i} side {ord_}", "x", deck=parent,
                          note_key=f"def:{i}", ord=ord_, kind="definition")
        db.commit()
        user = db.get(User, uid)
        assert user is not None
        rng = random.Random(20260220)
        recorded = 0
        buried_card: int | None = None

        for offset in range(DAYS):
            day = FIRST_DAY + timedelta(days=offset)
            if offset % 20 == 19:  # a session cookie lasts a month at most
                clock.move_to(local(day, 6))
                auth.login("ada")  # type: ignore[attr-defined]
            start, end = day_bounds(local(day, 12), NY, 4)
            assert start == local(day, 4) and end == local(day + timedelta(days=1), 4)
            scheduled: dict[str, list[int]] = defaultdict(list)
            notes_today: dict[str, int] = {}
            if buried_card is not None:  # buried yesterday until this day's start
                db.expire_all()
                assert db.get(Card, buried_card).buried_until == start  # type: ignore[union-attr]
                buried_card = None
            # Morning at 07:00, then the rest at 01:30 the next calendar day.
            sessions = [(local(day, 7), 8), (local(day + timedelta(days=1), 1, 30), 10_000)]
            for moment, budget in sessions:
                clock.move_to(moment)
                for step in range(budget):
                    shown = current(client)
                    if shown is None:
                        break
                    db.expire_all()
                    card = db.get(Card, int(shown["card_id"]))
                    assert card is not None
                    assert card.deck_id in (parent.id, sub.id)
                    assert not (card.suspended or card.needs_answer or card.deleted_at)
                    assert card.id != buried_card, "a buried card came back the same day"
                    repeat = shown["repeat"] == "True"
                    if repeat:
                        assert card.repeat_pending and card.last_reviewed_at >= start  # type: ignore[operator]
                    else:
                        kind = "new" if card.due is None else "review"
                        if kind == "review":
                            assert card.due < end  # type: ignore[operator]
                        scheduled[kind].append(card.id)
                        # (the same card again is fine: its answer was undone)
                        assert notes_today.get(card.note_key, card.id) == card.id, "siblings"
                        notes_today[card.note_key] = card.id
                    if offset == 20 and step == 0:
                        client.post(f"/review/{card.id}/bury")
                        buried_card = card.id
                        continue
                    before = state_of(card)
                    grade = rng.choice([1, 3, 4, 4, 4, 5, 5])
                    data = {**shown, "grade": str(grade), "duration_ms": "1500"}
                    client.post("/review/answer", data=data)
                    recorded += 1
                    if step % 7 == 3:  # a double submit records nothing more
                        client.post("/review/answer", data=data)
                    if offset % 10 == 5 and step == 1:  # undo, then answer again
                        clock.shift(timedelta(seconds=2))
                        client.post("/review/undo")
                        db.expire_all()
                        assert state_of(db.get(Card, card.id)) == before  # type: ignore[arg-type]
                        recorded += 1
                        continue
                    clock.shift(timedelta(seconds=20))
            # The day is done: limits held, every repeat reached a 4.
            new_here = set(scheduled["new"])  # an undone answer shows its card again
            assert len(new_here) <= PARENT_NEW
            assert sum(1 for c in new_here if db.get(Card, c).deck_id == sub.id) <= SUB_NEW  # type: ignore[union-attr]
            assert len(set(scheduled["review"])) <= PARENT_REVIEWS
            db.expire_all()
            pending = db.scalars(select(Card).where(
                Card.user_id == uid, Card.repeat_pending.is_(True),
                Card.last_reviewed_at >= start)).all()
            assert pending == [], "same-day repeats left over"
            if offset == 0:
                assert len(new_here) == PARENT_NEW  # plenty of new cards on day one

        rows = list(db.scalars(select(Review).where(Review.user_id == uid).order_by(Review.id)))
        assert len(rows) == recorded
        # Answers after midnight belong to the review day that began the morning before.
        late = [r for r in rows if r.reviewed_at.astimezone(NY).hour < 4]
        assert late
        for row in late:
            start, _ = day_bounds(row.reviewed_at, NY, 4)
            assert start == local(row.reviewed_at.astimezone(NY).date() - timedelta(days=1), 4)
        replay_history(db, rows, uid)


def replay_history(db: Session, rows: list[Review], uid: int) -> None:
    """Every card's state must be what the pure scheduler gives for its history."""
    undone = {r.undoes_id for r in rows if r.kind == ReviewKind.UNDO.value}
    states: dict[int, State] = defaultdict(State)
    for row in rows:
        if row.kind == ReviewKind.UNDO.value:
            continue
        before = states[row.card_id]
        assert (before.reps, before.ef, before.interval, before.due) == (
            row.reps_before, row.ef_before, row.interval_before, row.due_before)
        assert row.grade is not None
        after, _ = review(before, row.grade, row.reviewed_at,
                          same_day_repeat=row.kind == ReviewKind.REPEAT.value)
        assert (after.reps, after.ef, after.interval, after.due, after.lapses) == (
            row.reps_after, row.ef_after, row.interval_after, row.due_after, row.lapses_after)
        if row.id not in undone:
            states[row.card_id] = after
    for card in db.scalars(select(Card).where(Card.user_id == uid)):
        assert state_of(card) == states[card.id] if card.id in states else card.due is None
