"""The day's queue: day boundaries in the user's zone, limits, siblings, burying, repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.models import Card, User
from app.review.snapshot import Showing, build
from app.review.store import Written, review_day, write_answer
from app.review.summary import DeckRow
from app.review.summary import deck_overview as overview
from cards.queue import day_bounds
from tests.factories import make_card, make_deck

NY = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- pure parts -------------------------------------------------------------------------

def test_day_starts_at_the_users_hour_in_the_users_zone() -> None:
    # 03:59 in Shanghai (19:59 UTC the day before) still belongs to the previous review day.
    start, end = day_bounds(datetime(2026, 5, 10, 19, 59, tzinfo=UTC), SHANGHAI, 4)
    assert start == datetime(2026, 5, 9, 20, 0, tzinfo=UTC)  # 04:00 on May 10th in Shanghai
    assert end == datetime(2026, 5, 10, 20, 0, tzinfo=UTC)
    start2, _ = day_bounds(datetime(2026, 5, 10, 20, 0, tzinfo=UTC), SHANGHAI, 4)
    assert start2 == end


@pytest.mark.parametrize(
    ("moment", "hours"),
    [
        (datetime(2026, 3, 7, 12, 0, tzinfo=UTC), 23),  # spring forward on the 8th, 02:00
        (datetime(2026, 10, 31, 12, 0, tzinfo=UTC), 25),  # fall back on Nov 1st, 02:00
        (datetime(2026, 6, 1, 12, 0, tzinfo=UTC), 24),
    ],
)
def test_day_length_follows_daylight_saving(moment: datetime, hours: int) -> None:
    start, end = day_bounds(moment, NY, 4)
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(NY).hour == 4 and end.astimezone(NY).hour == 4


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)),
       st.integers(min_value=0, max_value=23),
       st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Australia/Lord_Howe",
                        "Asia/Kathmandu"]))
def test_now_is_inside_its_day(now: datetime, hour: int, zone: str) -> None:
    start, end = day_bounds(now, ZoneInfo(zone), hour)
    assert start <= now < end
    assert timedelta(hours=22) <= end - start <= timedelta(hours=26)


# --- the queue on a database -------------------------------------------------------------

T = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def owner(db: Session) -> User:
    user = User(name="queue", password_hash="x", timezone="UTC", day_start_hour=4,
                new_per_day=3, reviews_per_day=4)
    db.add(user)
    db.flush()
    return user


def next_card(db: Session, user: User, now: datetime, deck: int | None = None) -> Showing | None:
    snapshot = build(db, user, now, deck)
    return None if snapshot is None else snapshot.showing(lambda: db)


def remaining_counts(db: Session, user: User, now: datetime,
                     deck: int | None = None) -> dict[str, int]:
    snapshot = build(db, user, now, deck)
    assert snapshot is not None
    counts = snapshot.counts()
    return {"review": counts.review, "new": counts.new, "repeat": counts.repeat}


def deck_overview(db: Session, user: User, now: datetime) -> list[DeckRow]:
    return overview(db, user, now).decks


def record(db: Session, user: User, showing: Showing, grade: int, now: datetime) -> Card:
    written = write_answer(db, user.id, showing.card.id, grade, now, review_day(user, now)[0],
                           showing=showing.showing_id)
    assert isinstance(written, Written)
    db.flush()
    card = db.get(Card, showing.card.id)
    assert card is not None
    return card


def answer(db: Session, user: User, grade: int, now: datetime, deck: int | None = None) -> Card:
    showing = next_card(db, user, now, deck)
    assert showing is not None
    return record(db, user, showing, grade, now)


def drain(db: Session, user: User, now: datetime, grade: int = 4,
          deck: int | None = None) -> list[Card]:
    shown = []
    while (showing := next_card(db, user, now, deck)) is not None:
        shown.append(record(db, user, showing, grade, now))
        now += timedelta(seconds=5)
        assert len(shown) < 500
    return shown


def test_overdue_first_then_new_within_limits(db: Session, owner: User) -> None:
    old = make_card(db, owner.id, "old", due=T - timedelta(days=5), reps=2, interval_days=6)
    recent = make_card(db, owner.id, "recent", due=T - timedelta(hours=1), reps=1,
                       interval_days=1)
    later_today = make_card(db, owner.id, "later", due=T + timedelta(hours=10), reps=1,
                            interval_days=1)
    tomorrow = make_card(db, owner.id, "tomorrow", due=T + timedelta(days=1), reps=1,
                         interval_days=1)
    news = [make_card(db, owner.id, f"new {i}") for i in range(5)]
    shown = drain(db, owner, T)
    ids = [c.id for c in shown]
    assert ids.index(old.id) < ids.index(recent.id) < ids.index(later_today.id)
    assert tomorrow.id not in ids
    assert sum(1 for c in shown if c.id in {n.id for n in news}) == owner.new_per_day
    # The new ones come in creation order.
    assert [i for i in ids if i in {n.id for n in news}] == [n.id for n in news[:3]]


def test_review_limit_and_next_day(db: Session, owner: User) -> None:
    for i in range(7):
        make_card(db, owner.id, f"due {i}", due=T - timedelta(days=i + 1), reps=1,
                  interval_days=1)
    assert len(drain(db, owner, T)) == owner.reviews_per_day
    assert remaining_counts(db, owner, T)["review"] == 0
    # Before 04:00 the next morning it is still the same review day.
    assert next_card(db, owner, T.replace(hour=3) + timedelta(days=1)) is None
    assert next_card(db, owner, T.replace(hour=4) + timedelta(days=1)) is not None


def test_deck_limits_inherit_and_cap_subdecks(db: Session, owner: User) -> None:
    parent = make_deck(db, owner.id, "lang", new_per_day=4)
    child_a = make_deck(db, owner.id, "lang::zh")
    child_b = make_deck(db, owner.id, "lang::fr", new_per_day=1)
    for i in range(5):
        make_card(db, owner.id, f"zh {i}", deck=child_a)
        make_card(db, owner.id, f"fr {i}", deck=child_b)
    shown = drain(db, owner, T, deck=parent.id)
    assert len(shown) == 4  # the parent's limit covers both subdecks
    assert sum(1 for c in shown if c.deck_id == child_b.id) == 1  # fr's own limit
    # zh inherits 4 from its parent but the parent's 4 are used up today.
    assert next_card(db, owner, T, child_a.id) is None
    rows = {row.name: row for row in deck_overview(db, owner, T)}
    assert rows["lang"].new == 0 and rows["lang::zh"].new == 0


def test_siblings_never_on_the_same_day(db: Session, owner: User) -> None:
    first = make_card(db, owner.id, "ord 0", note_key="note:1", ord=0)
    second = make_card(db, owner.id, "ord 1", note_key="note:1", ord=1)
    shown = drain(db, owner, T)
    assert [c.id for c in shown] == [first.id]
    # Day 2: the first is due again, so its new sibling waits; day 3: the sibling's turn.
    assert [c.id for c in drain(db, owner, T + timedelta(days=1))] == [first.id]
    assert [c.id for c in drain(db, owner, T + timedelta(days=2))] == [second.id]


def test_hidden_cards_are_never_shown(db: Session, owner: User) -> None:
    past = T - timedelta(days=1)
    make_card(db, owner.id, "needs answer", due=past, needs_answer=True)
    make_card(db, owner.id, "suspended", due=past, suspended=True)
    make_card(db, owner.id, "buried", due=past, buried_until=T + timedelta(hours=1))
    make_card(db, owner.id, "retired", due=past, retired_at=past)
    make_card(db, owner.id, "deleted", due=past, deleted_at=past)
    make_card(db, owner.id, "new but suspended", suspended=True)
    assert next_card(db, owner, T) is None
    # The bury ends: the card is back.
    later = next_card(db, owner, T + timedelta(hours=2))
    assert later is not None and "buried" in later.sides[0]


def test_same_day_repeats_come_last_until_graded_four(db: Session, owner: User) -> None:
    hard = make_card(db, owner.id, "hard", due=T - timedelta(days=2), reps=1, interval_days=1)
    make_card(db, owner.id, "easy", due=T - timedelta(days=1), reps=1, interval_days=1)
    assert answer(db, owner, 3, T).id == hard.id
    assert hard.repeat_pending and hard.interval_days == 6
    showing = next_card(db, owner, T)
    assert showing is not None and "easy" in showing.sides[0] and not showing.same_day_repeat
    answer(db, owner, 5, T)
    for grade in (2, 3):
        showing = next_card(db, owner, T)
        assert showing is not None and showing.card.id == hard.id and showing.same_day_repeat
        answer(db, owner, grade, T)
        assert (hard.interval_days, hard.ef) == (6, 236)
    answer(db, owner, 4, T)
    assert not hard.repeat_pending and next_card(db, owner, T) is None
    assert remaining_counts(db, owner, T) == {"review": 0, "new": 0, "repeat": 0}


def test_an_unfinished_repeat_does_not_follow_into_the_next_day(db: Session, owner: User) -> None:
    card = make_card(db, owner.id, "failed")
    answer(db, owner, 1, T)
    assert card.repeat_pending
    showing = next_card(db, owner, T + timedelta(days=1))
    assert showing is not None and showing.card.id == card.id and not showing.same_day_repeat


def test_time_zone_moves_the_day(db: Session, owner: User) -> None:
    owner.timezone = "Asia/Shanghai"
    card = make_card(db, owner.id, "due at 21:00 UTC", due=datetime(2026, 4, 1, 21, 0, tzinfo=UTC))
    # 19:00 UTC is 03:00 in Shanghai: still the review day that ends at 20:00 UTC.
    assert next_card(db, owner, datetime(2026, 4, 1, 19, 0, tzinfo=UTC)) is None
    showing = next_card(db, owner, datetime(2026, 4, 1, 20, 0, tzinfo=UTC))
    assert showing is not None and showing.card.id == card.id
    owner.timezone = "UTC"
    assert next_card(db, owner, datetime(2026, 4, 1, 19, 0, tzinfo=UTC)) is not None


def test_new_cards_are_spread_among_reviews(db: Session, owner: User) -> None:
    owner.reviews_per_day, owner.new_per_day = 6, 2
    for i in range(6):
        make_card(db, owner.id, f"r{i}", due=T - timedelta(days=10 - i), reps=1,
                  interval_days=1)
    for i in range(2):
        make_card(db, owner.id, f"n{i}")
    kinds = ["n" if c.front.startswith("n") else "r" for c in drain(db, owner, T)]
    assert kinds == ["r", "r", "r", "n", "r", "r", "r", "n"]


def test_other_users_cards_stay_out(db: Session, owner: User) -> None:
    other = User(name="other", password_hash="x")
    db.add(other)
    db.flush()
    make_card(db, other.id, "theirs", due=T - timedelta(days=1))
    assert next_card(db, owner, T) is None
    assert deck_overview(db, owner, T) == []
