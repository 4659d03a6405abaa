"""Anki's scheduling and review log as SM-2 states and wengu review rows.

A card's state (:func:`card_state`):

- a new card (type 0) stays new;
- a review card (type 2) keeps its interval (``ivl`` days, at least 1), its
  ease as the E-Factor (``factor`` is per mille, EF is in hundredths:
  2500 → 250, never below SM-2's floor of 1.30) and its lapses; its due
  day, a day number counted from the collection's creation day, becomes the
  start of that day in the user's time zone and day start; SM-2's repetition
  count is the one that gives the same next interval (1 for a one-day
  interval, 2 up to six days, 3 beyond: from then on the interval grows by
  the E-Factor);
- a learning card (type 1) is due when Anki would show it (``due`` in epoch
  seconds, or a day number for a step of a day or more), with no interval
  yet; a relearning card (type 3) is a failed review card (interval 1,
  repetitions 0) due when Anki would show it;
- a card in a filtered deck has its home deck's due (``odue``).

The review log (:func:`review_history`): Anki's buttons Again/Hard/Good/Easy
become SM-2 grades 1/3/4/5; each row's intervals (negative: seconds of a
learning step) and ease give the states before and after; an answer on the
same review day as the card's previous one is a same-day repeat. Rows with
no button (rescheduled or reset by hand) are not answers and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from cards.anki.import_records import CardRow, ImportedReview, RevlogRow
from cards.anki.scheduling import review_day
from cards.sm2 import EF_FLOOR, EF_START, State

__all__ = [
    "ANKI_GRADES",
    "DayClock",
    "card_state",
    "ef_from_factor",
    "review_history",
    "sm2_reps",
]

ANKI_GRADES = {1: 1, 2: 3, 3: 4, 4: 5}
"""Anki's button (1 Again, 2 Hard, 3 Good, 4 Easy) → SM-2 grade."""

_NEW, _LEARNING, _REVIEW, _RELEARNING = 0, 1, 2, 3
_LOG_LEARN, _LOG_REVIEW, _LOG_RELEARN = 0, 1, 2
# A due above this is an epoch time in seconds, not a day number.
_EPOCH_SECONDS = 1_000_000_000
_QUARTER_HOUR_MS = 900_000


class DayClock:
    """The user's review days, and the collection's day 0 (from its creation time ``crt``)."""

    def __init__(self, crt: int, tz: tzinfo, day_start_hour: int) -> None:
        self.tz, self.day_start_hour = tz, day_start_hour
        created = datetime.fromtimestamp(crt, UTC)
        self.day_zero = review_day(created, tz, day_start_hour)
        self._days: dict[int, date] = {}
        self._starts: dict[int, datetime] = {}

    def day(self, moment: datetime) -> date:
        """The review day ``moment`` falls in."""
        return self.day_of_ms(int(moment.timestamp() * 1000))

    def day_of_ms(self, epoch_ms: int) -> date:
        """The review day of a time given in epoch milliseconds (a revlog id)."""
        # Days start on the hour and UTC offsets are multiples of 15 minutes, so each UTC
        # quarter-hour lies within one review day: work each out once.
        quarter = epoch_ms // _QUARTER_HOUR_MS
        day = self._days.get(quarter)
        if day is None:
            moment = datetime.fromtimestamp(quarter * _QUARTER_HOUR_MS / 1000, UTC)
            day = self._days[quarter] = review_day(moment, self.tz, self.day_start_hour)
        return day

    def start_of(self, day_number: int) -> datetime:
        """When the collection's day ``day_number`` starts, as an aware UTC time."""
        start = self._starts.get(day_number)
        if start is None:
            day = self.day_zero + timedelta(days=day_number)
            local = datetime.combine(day, time(self.day_start_hour), tzinfo=self.tz)
            start = self._starts[day_number] = local.astimezone(UTC)
        return start

    def due(self, value: int) -> datetime:
        """A due value: epoch seconds (learning steps) or a day number."""
        if value > _EPOCH_SECONDS:
            return datetime.fromtimestamp(value, UTC)
        return self.start_of(value)


def ef_from_factor(factor: int, default: int = EF_START) -> int:
    """Anki's ease (per mille, 2500) as an E-Factor in hundredths (250), floor 1.30."""
    if factor <= 0:
        return default
    return max(EF_FLOOR, factor // 10)


def sm2_reps(interval: int) -> int:
    """The SM-2 repetition count that makes the next interval follow ``interval`` days."""
    if interval <= 1:
        return 1
    return 2 if interval <= 6 else 3


def card_state(card: CardRow, clock: DayClock, last_review: datetime | None) -> State:
    """The SM-2 state of an Anki card (see the module's notes)."""
    due_value = card.odue if card.odid and card.odue else card.due
    if card.type == _NEW:
        return State()
    ef = ef_from_factor(card.factor)
    if card.type == _REVIEW:
        interval = max(1, card.ivl)
        return State(reps=sm2_reps(interval), ef=ef, interval=interval,
                     due=clock.due(due_value), lapses=card.lapses, last_review=last_review)
    if card.type == _RELEARNING:
        return State(reps=0, ef=ef, interval=1, due=clock.due(due_value), lapses=card.lapses,
                     last_review=last_review)
    return State(reps=0, ef=ef, interval=0, due=clock.due(due_value), lapses=card.lapses,
                 last_review=last_review)


@lru_cache(maxsize=4096)
def _step(ivl: int) -> timedelta:
    """A revlog interval as a time span: days, or (negative) seconds of a learning step."""
    return timedelta(days=ivl) if ivl > 0 else timedelta(seconds=-ivl)


def review_history(
    rows: Iterable[RevlogRow], clock: DayClock
) -> tuple[list[ImportedReview], int]:
    """A card's answers (its revlog rows, oldest first) as review rows; and how many skipped."""
    # A million rows in a large collection: the state is kept in locals (a new card's to
    # start with), each review row is one flat tuple, each interval's time span made once.
    reviews: list[ImportedReview] = []
    add = reviews.append
    skipped = 0
    reps, ef, lapses, pending = 0, EF_START, 0, False
    due: datetime | None = None
    last: datetime | None = None
    previous_day: date | None = None
    day_of_ms = clock.day_of_ms
    for row_id, _cid, ease, ivl, last_ivl, factor, time_ms, log_type in rows:
        grade = ANKI_GRADES.get(ease)
        if grade is None:
            skipped += 1
            continue
        moment = datetime.fromtimestamp(row_id / 1000, UTC)
        day = day_of_ms(row_id)
        started = due is not None
        repeat = previous_day == day and started and log_type in (_LOG_LEARN, _LOG_RELEARN)
        failed = ease == 1
        after_reps = 0 if failed or ivl <= 0 else reps + 1
        after_ef = ef_from_factor(factor, ef)
        after_due = moment + _step(ivl)
        after_lapses = lapses + 1 if failed and log_type == _LOG_REVIEW else lapses
        add(ImportedReview(
            moment, grade, "repeat" if repeat else "review", time_ms if time_ms > 0 else 0,
            reps, ef, (last_ivl if last_ivl > 0 else 0) if started else 0, due, lapses,
            pending, last,
            after_reps, after_ef, ivl if ivl > 0 else 0, after_due, after_lapses, ivl < 0,
        ))
        reps, ef, due, lapses, last, pending = (
            after_reps, after_ef, after_due, after_lapses, moment, ivl < 0)
        previous_day = day
    return reviews, skipped
