"""Statistics figures against a known review history, with the clock passed in."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import Card, NoteSource, Review, ReviewDayStat, ReviewStatsMark, User
from app.stats import rollup
from app.stats.card_figures import card_figures
from app.stats.days import DayClock, clock_for
from app.stats.figures import retention_share, review_figures, review_totals
from app.stats.forecast import forecast, next_days_load
from app.stats.hardest import hardest_cards
from app.stats.history import ReviewTotals, class_of, is_mature, review_class
from app.stats.scope import deck_subtree
from tests.factories import make_card, make_deck

_showing = itertools.count(1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def user(db: Session, tz: str = "UTC", day_start: int = 4, name: str = "ada") -> User:
    row = User(name=name, password_hash="x", timezone=tz, day_start_hour=day_start)
    db.add(row)
    db.flush()
    return row


def answer(
    db: Session, card: Card, at: datetime, grade: int = 4, *, kind: str = "review",
    reps: int = 3, interval: int = 10, lapses: int = 0, ms: int = 1000,
) -> Review:
    """Insert one review row with the given before-state."""
    row = Review(
        user_id=card.user_id, card_id=card.id, kind=kind, grade=grade, reviewed_at=at,
        duration_ms=ms, showing_id=f"s{next(_showing)}", reps_before=reps, ef_before=250,
        interval_before=interval, due_before=at, lapses_before=lapses,
        reps_after=reps + 1, ef_after=250, interval_after=interval + 1, due_after=at,
        lapses_after=lapses,
    )
    db.add(row)
    rollup.record(db, card.user_id, [row])
    db.flush()
    return row


def undo(db: Session, target: Review, at: datetime) -> Review:
    row = Review(
        user_id=target.user_id, card_id=target.card_id, kind="undo", grade=None, reviewed_at=at,
        undoes_id=target.id, reps_before=0, ef_before=250, interval_before=0, due_before=None,
        lapses_before=0, reps_after=0, ef_after=250, interval_after=0, due_after=None,
        lapses_after=0,
    )
    db.add(row)
    rollup.record(db, target.user_id, [target], undone=True)
    db.flush()
    return row


def per_day(totals: ReviewTotals) -> dict[date, int]:
    days: dict[date, int] = {}
    for (day, *_rest), (count, _ms) in totals.days.items():
        days[day] = days.get(day, 0) + count
    assert days == totals.per_day
    return days


def counted(db: Session) -> int:
    """Answers the rollup holds, every user's."""
    return int(db.scalar(select(func.sum(ReviewDayStat.reviews))) or 0)


def groups(db: Session, who: User, now: datetime, **kw: Any) -> ReviewTotals:
    return review_totals(db, who.id, clock_for(who), now, **kw)


# -- day boundaries --------------------------------------------------------------------------


def test_new_york_days_across_both_dst_changes(db: Session) -> None:
    who = user(db, "America/New_York", 4)
    card = make_card(db, who.id)
    # 2026-03-08: clocks go 02:00 EST -> 03:00 EDT at 07:00 UTC; the day starts 04:00 EDT = 08:00.
    answer(db, card, utc(2026, 3, 8, 7, 59, 59))   # 03:59:59 EDT: still March 7
    answer(db, card, utc(2026, 3, 8, 8, 0, 0))     # 04:00 EDT: March 8
    answer(db, card, utc(2026, 3, 8, 8, 30))       # March 8
    # Before the change the day started 04:00 EST = 09:00 UTC.
    answer(db, card, utc(2026, 3, 7, 8, 59))       # 03:59 EST: March 6
    answer(db, card, utc(2026, 3, 7, 9, 0))        # March 7
    # 2026-11-01: 02:00 EDT -> 01:00 EST at 06:00 UTC. Nov 1 starts 04:00 EDT = 08:00 UTC,
    # Nov 2 starts 04:00 EST = 09:00 UTC.
    answer(db, card, utc(2026, 11, 1, 7, 59))      # 03:59 EDT: October 31
    answer(db, card, utc(2026, 11, 2, 8, 30))      # 03:30 EST: still November 1
    answer(db, card, utc(2026, 11, 2, 9, 0))       # November 2
    days = per_day(groups(db, who, utc(2026, 11, 20)))
    assert days == {
        date(2026, 3, 6): 1, date(2026, 3, 7): 2, date(2026, 3, 8): 2,
        date(2026, 10, 31): 1, date(2026, 11, 1): 1, date(2026, 11, 2): 1,
    }


def test_shanghai_day_starts_at_four(db: Session) -> None:
    who = user(db, "Asia/Shanghai", 4)
    card = make_card(db, who.id)
    answer(db, card, utc(2026, 6, 1, 19, 59))  # 03:59 on June 2 in Shanghai: June 1
    answer(db, card, utc(2026, 6, 1, 20, 0))   # 04:00: June 2
    answer(db, card, utc(2026, 6, 2, 15, 0))   # 23:00: June 2
    answer(db, card, utc(2026, 6, 1, 0, 0))    # 08:00 June 1
    clock = clock_for(who)
    assert per_day(groups(db, who, utc(2026, 6, 5))) == {date(2026, 6, 1): 2, date(2026, 6, 2): 2}
    assert clock.day_of(utc(2026, 6, 1, 19, 59)) == date(2026, 6, 1)
    assert clock.day_start(date(2026, 6, 2)) == utc(2026, 6, 1, 20, 0)


def test_half_hour_zone(db: Session) -> None:
    who = user(db, "Asia/Kolkata", 0)  # UTC+05:30, day starts at midnight = 18:30 UTC
    card = make_card(db, who.id)
    answer(db, card, utc(2026, 2, 1, 18, 29))
    answer(db, card, utc(2026, 2, 1, 18, 30))
    assert per_day(groups(db, who, utc(2026, 2, 3))) == {date(2026, 2, 1): 1, date(2026, 2, 2): 1}


@given(hours=st.lists(st.integers(0, 24 * 400), min_size=1, max_size=15),
       tz=st.sampled_from(["America/New_York", "Europe/Berlin", "Asia/Shanghai",
                           "Australia/Lord_Howe", "UTC"]),
       day_start=st.integers(0, 23))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_sql_days_match_python_days(db: Session, hours: list[int], tz: str,
                                    day_start: int) -> None:
    who = user(db, tz, day_start, name=f"u{next(_showing)}")
    card = make_card(db, who.id)
    start = utc(2026, 1, 1)
    expected: dict[date, int] = {}
    clock = clock_for(who)
    for hour in hours:
        at = start + timedelta(hours=hour, minutes=hour % 60)
        answer(db, card, at)
        expected[clock.day_of(at)] = expected.get(clock.day_of(at), 0) + 1
        local = at.astimezone(clock.zone)
        shifted = (local - timedelta(hours=day_start)).date()
        assert clock.day_of(at) == shifted
    assert per_day(groups(db, who, utc(2027, 3, 1), use_rollup=False)) == expected
    db.rollback()


@given(seconds=st.lists(st.integers(-3 * 10**8, 3 * 10**9), min_size=1, max_size=40),
       tz=st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
                           "Africa/Monrovia", "Asia/Kathmandu", "UTC"]),
       day_start=st.integers(0, 23), micro=st.integers(0, 999_999))
def test_numbering_is_number_of(seconds: list[int], tz: str, day_start: int, micro: int) -> None:
    # The bulk numbering (a shift per quarter-hour) gives each instant number_of's day, in
    # zones with odd historical offsets too (Monrovia: -0:44:30 until 1972).
    clock = DayClock(tz, day_start)
    number = clock.numbering()
    moments = [datetime.fromtimestamp(s, UTC) + timedelta(microseconds=micro) for s in seconds]
    # Around changes of offset: New York's and Berlin's DST, Monrovia's change in mid
    # quarter-hour (1972-01-07 00:44:30 UTC).
    for change in (utc(2026, 3, 8, 7), utc(2026, 10, 25, 1), utc(1972, 1, 7, 0, 44, 30)):
        moments += [change + timedelta(seconds=d) for d in (-901, -900, -1, 0, 1, 899, 900)]
    for at in moments + moments:
        assert number(at) == clock.number_of(at)


# -- classes, undo, buttons, retention, streak -----------------------------------------------


def test_classes_undo_and_buttons(db: Session) -> None:
    who = user(db, "UTC", 0)
    card = make_card(db, who.id)
    day = utc(2026, 5, 10, 12)
    answer(db, card, day, 4, reps=0, interval=0, lapses=0)          # new
    answer(db, card, day, 2, reps=1, interval=1, lapses=0)          # learning
    answer(db, card, day, 3, reps=0, interval=1, lapses=1)          # learning (relearning)
    answer(db, card, day, 5, reps=4, interval=10)                   # young review
    answer(db, card, day, 1, reps=5, interval=30)                   # mature review
    answer(db, card, day, 4, reps=5, interval=21)                   # mature review
    answer(db, card, day, 3, kind="repeat", reps=2, interval=1)     # repeat
    undone = answer(db, card, day, 0, reps=6, interval=40)          # mature, then undone
    undo(db, undone, day + timedelta(seconds=3))
    figures = review_figures(groups(db, who, day), date(2026, 5, 10), "1m")
    assert figures.bins[-1].by_class == [1, 2, 3, 1]
    assert figures.buttons == {
        "learning": [0, 0, 1, 1, 1, 0],
        "young": [0, 0, 0, 0, 0, 1],
        "mature": [0, 1, 0, 0, 1, 0],
    }
    assert figures.total_reviews == 7
    assert figures.total_ms == 7000


def test_retention_young_and_mature_per_week(db: Session) -> None:
    who = user(db, "UTC", 0)
    card = make_card(db, who.id)
    monday = utc(2026, 5, 4, 9)  # a Monday
    # Week of May 4: young 3 of 4 correct, mature 1 of 2.
    for grade in (5, 4, 3, 2):
        answer(db, card, monday, grade, interval=5)
    answer(db, card, monday + timedelta(days=2), 4, interval=25)
    answer(db, card, monday + timedelta(days=2), 1, interval=25)
    # Week of May 11: mature 2 of 2; a new card's answer and a repeat don't count.
    answer(db, card, monday + timedelta(days=8), 4, interval=50)
    answer(db, card, monday + timedelta(days=9), 3, interval=50)
    answer(db, card, monday + timedelta(days=9), 0, reps=0, interval=0)
    answer(db, card, monday + timedelta(days=9), 1, kind="repeat")
    today = date(2026, 5, 14)
    figures = review_figures(groups(db, who, utc(2026, 5, 14, 12)), today, "1m")
    weeks = {b.start: b.retention for b in figures.retention_bins}
    assert weeks[date(2026, 5, 4)] == [3, 4, 1, 2]
    assert weeks[date(2026, 5, 11)] == [0, 0, 2, 2]
    assert retention_share(3, 4) == 0.75
    assert retention_share(0, 0) is None


def test_streak_and_daily_average(db: Session) -> None:
    who = user(db, "Asia/Shanghai", 4)
    card = make_card(db, who.id)
    clock = clock_for(who)
    today = date(2026, 8, 20)
    # Three days in a row before today (2, 1, 3 answers), a gap, then 4 answers long ago.
    for back, count in ((1, 2), (2, 1), (3, 3), (10, 4)):
        for i in range(count):
            answer(db, card, clock.day_start(today - timedelta(days=back)) + timedelta(hours=i))
    now = clock.day_start(today) + timedelta(hours=5)
    figures = review_figures(groups(db, who, now), clock.day_of(now), "1m")
    assert figures.streak == 3  # today has no answer yet: the streak ending yesterday
    assert figures.days_studied == 4
    assert figures.daily_average == pytest.approx(10 / 4)
    answer(db, card, now)
    figures = review_figures(groups(db, who, now), today, "1m")
    assert figures.streak == 4
    assert figures.heatmap[-1] == (today, 1)
    assert len(figures.heatmap) == 365


def test_periods_choose_their_bins(db: Session) -> None:
    who = user(db, "UTC", 0)
    card = make_card(db, who.id)
    answer(db, card, utc(2024, 2, 10, 12))
    answer(db, card, utc(2026, 5, 10, 12))
    today = date(2026, 5, 14)
    found = groups(db, who, utc(2026, 5, 14, 12))
    month = review_figures(found, today, "1m")
    assert (len(month.bins), month.bins[0].start, month.total_reviews) == (
        30, date(2026, 4, 15), 1)
    year = review_figures(found, today, "1y")
    assert year.bin_unit == "week" and year.bins[0].start.weekday() == 0
    everything = review_figures(found, today, "all")
    assert everything.period_start == date(2024, 2, 10)
    assert everything.bins[0].start == date(2024, 2, 1)
    assert everything.total_reviews == 2


# -- the rollup ------------------------------------------------------------------------------


def test_rollup_is_written_with_answers_and_matches_the_history(db: Session) -> None:
    who = user(db, "America/New_York", 4)
    card = make_card(db, who.id)
    for day in range(40):
        answer(db, card, utc(2026, 10, 1, 15) + timedelta(days=day), grade=day % 6)
    now = utc(2026, 11, 5, 15)
    assert counted(db) == 40
    assert groups(db, who, now) == groups(db, who, now, use_rollup=False)
    # Answers today, an old answer stored late, undos of an old and a new answer.
    answer(db, card, now)
    late = answer(db, card, utc(2026, 10, 3, 16), grade=1)
    undo(db, late, now)
    first = db.scalar(select(Review).order_by(Review.id))
    assert first is not None
    undo(db, first, now)
    assert groups(db, who, now) == groups(db, who, now, use_rollup=False)
    window = {"since": date(2026, 10, 2), "detail_since": date(2026, 10, 20)}
    assert groups(db, who, now, **window) == groups(db, who, now, use_rollup=False, **window)
    assert groups(db, who, now, **window).buttons != groups(db, who, now).buttons
    assert counted(db) == 40


def test_other_day_settings_count_the_history_until_rebuilt(db: Session) -> None:
    who = user(db, "UTC", 0)
    card = make_card(db, who.id)
    answer(db, card, utc(2026, 1, 1, 23))
    who.timezone = "Asia/Shanghai"  # 07:00 on January 2 there
    db.flush()
    clock = clock_for(who)
    assert not rollup.is_current(db, who.id, clock)
    assert rollup.stale_users(db) == [who]
    answer(db, card, utc(2026, 1, 3, 1))  # still counted on the rollup's (UTC) days
    assert counted(db) == 2
    live = groups(db, who, utc(2026, 1, 5))  # the page counts the history meanwhile
    assert per_day(live) == {date(2026, 1, 2): 1, date(2026, 1, 3): 1}
    assert rollup.rebuild(db, who, utc(2026, 1, 5)) == 2
    assert rollup.is_current(db, who.id, clock) and rollup.stale_users(db) == []
    assert rollup.read(db, who.id, clock, None, None) == live


def test_nothing_is_counted_without_a_mark(db: Session) -> None:
    who = user(db, "UTC", 0)
    card = make_card(db, who.id)
    db.execute(delete(ReviewStatsMark))  # a database from before the rollup
    answer(db, card, utc(2026, 1, 1, 12))
    assert counted(db) == 0
    assert per_day(groups(db, who, utc(2026, 1, 2))) == {date(2026, 1, 1): 1}
    assert rollup.rebuild(db, who, utc(2026, 1, 2)) == 1
    assert counted(db) == 1


@given(steps=st.lists(st.tuples(st.integers(0, 24 * 60), st.integers(0, 5),
                                st.sampled_from(["review", "repeat", "undo"]),
                                st.integers(0, 3), st.integers(0, 40)),
                      min_size=1, max_size=25),
       tz=st.sampled_from(["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]),
       day_start=st.integers(0, 23))
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rollup_equals_the_history_for_any_answers(
    db: Session, steps: list[tuple[int, int, str, int, int]], tz: str, day_start: int
) -> None:
    who = user(db, tz, day_start, name=f"u{next(_showing)}")
    card = make_card(db, who.id)
    start = utc(2026, 3, 1)
    answered: list[Review] = []
    for hours, grade, kind, reps, interval in steps:
        at = start + timedelta(hours=hours, minutes=hours % 47)
        if kind == "undo":
            if answered:
                undo(db, answered.pop(), at)
            continue
        answered.append(answer(db, card, at, grade, kind=kind, reps=reps, interval=interval,
                               lapses=reps % 2, ms=hours * 7))
    now = start + timedelta(days=70)
    for window in ({}, {"since": date(2026, 3, 20), "detail_since": date(2026, 4, 1)}):
        assert groups(db, who, now, **window) == groups(db, who, now, use_rollup=False,
                                                        **window)
    db.rollback()


def test_python_and_sql_classes_agree(db: Session) -> None:
    who = user(db)
    card = make_card(db, who.id)
    combos = list(itertools.product(["review", "repeat"], range(4), range(3), [0, 1, 2, 20, 21]))
    rows = {
        answer(db, card, utc(2026, 1, 1), kind=kind, reps=reps, lapses=lapses,
               interval=interval).id: (kind, reps, lapses, interval)
        for kind, reps, lapses, interval in combos
    }
    found = db.execute(select(Review.id, review_class(), Review.interval_before >= 21)
                       .where(Review.user_id == who.id)).all()
    assert len(found) == len(combos)
    for review_id, sql_class, sql_mature in found:
        kind, reps, lapses, interval = rows[review_id]
        assert class_of(kind, reps, lapses, interval) == sql_class
        assert is_mature(interval) == bool(sql_mature)


# -- cards -----------------------------------------------------------------------------------


def test_forecast_young_mature_and_overdue(db: Session) -> None:
    who = user(db, "America/New_York", 4)
    now = utc(2026, 3, 7, 15)  # March 7, 10:00 EST
    clock = clock_for(who)
    assert clock.day_of(now) == date(2026, 3, 7)
    make_card(db, who.id, due=utc(2026, 3, 1), interval_days=3)                 # overdue: today
    make_card(db, who.id, due=utc(2026, 3, 7, 20), interval_days=30)            # today, mature
    make_card(db, who.id, due=utc(2026, 3, 8, 7, 59), interval_days=5)          # 03:59 EDT: today
    make_card(db, who.id, due=utc(2026, 3, 8, 8, 0), interval_days=21)          # March 8, mature
    make_card(db, who.id, due=utc(2026, 3, 9, 8, 0), interval_days=2)           # March 9
    make_card(db, who.id, due=utc(2026, 3, 9, 8, 0), interval_days=2, suspended=True)
    make_card(db, who.id, due=utc(2026, 3, 9, 8, 0), needs_answer=True)
    make_card(db, who.id, due=utc(2026, 3, 9, 8, 0), retired_at=utc(2026, 1, 1))
    make_card(db, who.id, due=utc(2026, 3, 9, 8, 0), deleted_at=utc(2026, 1, 1))
    make_card(db, who.id, due=utc(2026, 4, 30), interval_days=50)              # beyond 30 days
    make_card(db, who.id)                                                       # new: never due
    days = forecast(db, who.id, clock, now, 30)
    assert len(days) == 30
    assert days[0] == (date(2026, 3, 7), 2, 1)
    assert days[1] == (date(2026, 3, 8), 0, 1)
    assert days[2] == (date(2026, 3, 9), 1, 0)
    assert sum(y + m for _d, y, m in days) == 5
    longer = forecast(db, who.id, clock, now, 90)
    assert sum(y + m for _d, y, m in longer) == 6


def test_card_states_and_distributions(db: Session) -> None:
    who = user(db)
    due = utc(2026, 1, 1)
    make_card(db, who.id)                                                          # new
    make_card(db, who.id, due=due, interval_days=1, reps=1)                        # learning
    make_card(db, who.id, due=due, interval_days=6, reps=2, ef=236)                # young
    make_card(db, who.id, due=due, interval_days=21, reps=4, ef=250)               # mature
    make_card(db, who.id, due=due, interval_days=400, reps=9, ef=130)              # mature
    make_card(db, who.id, due=due, interval_days=9, suspended=True)                # suspended
    make_card(db, who.id, needs_answer=True)                                       # needs answer
    make_card(db, who.id, due=due, retired_at=due, suspended=True)                 # retired
    make_card(db, who.id, deleted_at=due)                                          # not counted
    figures = card_figures(db, who.id)
    assert figures.states == {"new": 1, "learning": 1, "young": 1, "mature": 2,
                              "suspended": 1, "needs_answer": 1, "retired": 1}
    intervals = dict(figures.intervals)
    assert (intervals["1"], intervals["3–6"], intervals["21–59"], intervals["365+"]) == (1, 1, 1, 1)
    assert sum(intervals.values()) == 4
    efs = dict(figures.efactors)
    assert (efs[13], efs[24], efs[25]) == (1, 1, 2)  # 2.36 rounds to 2.4
    assert sum(efs.values()) == 4


def test_hardest_cards_with_their_notes(db: Session) -> None:
    who = user(db)
    source = NoteSource(user_id=who.id, path="notes/os.md", content_hash="h")
    db.add(source)
    db.flush()
    due = utc(2026, 1, 1)
    a = make_card(db, who.id, "a", due=due, lapses=5, ef=180, source_id=source.id, line=7)
    b = make_card(db, who.id, "b", due=due, lapses=9, ef=200)
    c = make_card(db, who.id, "c", due=due, lapses=0, ef=140)
    make_card(db, who.id, "d", due=due, lapses=0, ef=250)
    make_card(db, who.id, "e", due=due, lapses=20, deleted_at=due)
    lapses, low_ef = hardest_cards(db, who.id)
    assert [card.id for card in lapses] == [b.id, a.id]
    assert [card.id for card in low_ef] == [c.id, a.id, b.id]
    assert (lapses[1].source_path, lapses[1].line) == ("notes/os.md", 7)


def test_deck_filter_includes_sub_decks(db: Session) -> None:
    who = user(db)
    other = user(db, name="bob")
    kernel = make_deck(db, who.id, "os::kernel")
    make_deck(db, who.id, "os::kernel::mm")
    make_deck(db, who.id, "maths")
    os_deck = make_deck(db, who.id, "os")
    assert deck_subtree(db, who.id, os_deck.id) == sorted(
        [os_deck.id, kernel.id, make_deck(db, who.id, "os::kernel::mm").id])
    assert deck_subtree(db, other.id, os_deck.id) is None
    now = utc(2026, 1, 10, 12)
    make_card(db, who.id, due=now, deck="os::kernel::mm")
    make_card(db, who.id, due=now + timedelta(days=2), deck="os::kernel")
    make_card(db, who.id, due=now - timedelta(days=5), deck="os")
    make_card(db, who.id, due=now, deck="maths")
    make_card(db, other.id, due=now, deck="os")
    maths = make_deck(db, who.id, "maths")
    load = next_days_load(db, who.id, [os_deck.id, kernel.id, maths.id], now=now)
    assert load[os_deck.id] == [2, 0, 1, 0, 0, 0, 0]
    assert load[kernel.id] == [1, 0, 1, 0, 0, 0, 0]
    assert load[maths.id] == [1, 0, 0, 0, 0, 0, 0]
    subtree = deck_subtree(db, who.id, kernel.id)
    assert card_figures(db, who.id, subtree).states["learning"] == 2
