"""The SM-2 scheduler (Woźniak, 1990), exact and pure.

A card's scheduling state is a frozen :class:`State`; :func:`review` takes a
state, a grade 0–5 and the time of the answer, and returns the new state and
a :class:`ReviewLog`. Nothing here reads the clock: ``now`` is an argument.

The rules, as wengu applies them:

- The E-Factor starts at 2.50 and is kept exactly, in integer hundredths
  (``ef=250``), so no floating-point drift turns 420 days into 421.
- A correct response (q ≥ 3) changes EF by ``0.1 − (5−q)(0.08 + (5−q)·0.02)``
  (never below 1.30) and gives the next interval: I(1) = 1 day, I(2) = 6,
  then I(n) = I(n−1) × EF, with EF as it stood *before* this response's
  change, a fractional interval rounded up.
- An incorrect response (q < 3) starts the repetitions again from I(1): the
  card is due in 1 day, its repetition count goes back to 0 (so the next
  correct response gives I(1) = 1 day again, then 6), EF is unchanged, and a
  card that was not new counts one more lapse.
- No interval exceeds the maximum interval (``MAX_INTERVAL``, 36,500 days
  unless the caller gives another): without a cap, a run of perfect answers
  grows the interval past the calendar's end.
- Any response below 4 marks the card for a same-day repeat. Same-day repeats
  are logged but change neither EF nor the interval; the card keeps coming
  back the same day until it scores 4 or more.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

__all__ = [
    "BUTTONS",
    "EF_FLOOR",
    "EF_START",
    "MAX_INTERVAL",
    "Grade",
    "ReviewLog",
    "State",
    "ef_change",
    "next_interval",
    "preview_intervals",
    "review",
]

EF_START = 250
"""A new card's E-Factor, in hundredths (2.50)."""

EF_FLOOR = 130
"""The lowest E-Factor, in hundredths (1.30)."""

MAX_INTERVAL = 36_500
"""The default longest interval, in days (about a hundred years)."""


class Grade(enum.IntEnum):
    """The quality of a response on SM-2's 0–5 scale."""

    BLACKOUT = 0  # complete blackout
    WRONG = 1  # incorrect; the correct answer remembered on seeing it
    WRONG_EASY = 2  # incorrect; the correct answer seemed easy to recall
    DIFFICULT = 3  # correct, recalled with serious difficulty
    HESITANT = 4  # correct after a hesitation
    PERFECT = 5  # perfect response


BUTTONS: dict[str, Grade] = {
    "again": Grade.WRONG,
    "hard": Grade.DIFFICULT,
    "good": Grade.HESITANT,
    "easy": Grade.PERFECT,
}
"""Anki's four buttons and the SM-2 grade each stands for."""


@dataclass(frozen=True, slots=True)
class State:
    """A card's SM-2 state.

    ``reps`` counts correct responses since the card was new or last failed;
    ``ef`` is the E-Factor in hundredths; ``interval`` is in days (0 for a
    new card); ``due`` is None for a new card; ``repeat_pending`` is set when
    the last response scored below 4 and the card must come back today.
    """

    reps: int = 0
    ef: int = EF_START
    interval: int = 0
    due: datetime | None = None
    lapses: int = 0
    last_review: datetime | None = None
    repeat_pending: bool = False

    @property
    def is_new(self) -> bool:
        """Whether the card has never been answered."""
        return self.due is None


@dataclass(frozen=True, slots=True)
class ReviewLog:
    """What one answer did: the grade, when, whether a same-day repeat, before and after."""

    grade: Grade
    reviewed_at: datetime
    same_day_repeat: bool
    before: State
    after: State


def ef_change(grade: int) -> int:
    """The E-Factor change for a correct ``grade``, in hundredths (+10, 0, −14 for 5, 4, 3)."""
    wrongness = 5 - grade
    return 10 - wrongness * (8 + wrongness * 2)


def next_interval(reps: int, interval: int, ef: int, max_interval: int = MAX_INTERVAL) -> int:
    """I(reps) in days, from the previous interval and the E-Factor before this answer,
    never more than ``max_interval``."""
    if max_interval < 1:
        raise ValueError(f"max_interval must be at least 1 day, not {max_interval}")
    if reps <= 1:
        days = 1
    elif reps == 2:
        days = 6
    else:
        # ceil(interval * ef / 100) in integers: exact, no float.
        days = -(-interval * ef // 100)
    return min(days, max_interval)


def _check(grade: int, now: datetime) -> Grade:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not 0 <= grade <= 5:
        raise ValueError(f"grade must be 0 to 5, not {grade}")
    return Grade(grade)


def review(
    state: State,
    grade: int,
    now: datetime,
    *,
    same_day_repeat: bool = False,
    max_interval: int = MAX_INTERVAL,
) -> tuple[State, ReviewLog]:
    """Answer a card: the new state and the log of this answer.

    The interval never exceeds ``max_interval`` days.

    With ``same_day_repeat`` the answer is one of the day's repeats: EF,
    interval, repetitions and due date stay as they are, and only
    ``repeat_pending`` follows the grade (still below 4: come back again).
    """
    q = _check(grade, now)
    if same_day_repeat:
        after = replace(state, repeat_pending=q < Grade.HESITANT, last_review=now)
    elif q >= Grade.DIFFICULT:
        reps = state.reps + 1
        interval = next_interval(reps, state.interval, state.ef, max_interval)
        after = State(
            reps=reps,
            ef=max(EF_FLOOR, state.ef + ef_change(q)),
            interval=interval,
            due=now + timedelta(days=interval),
            lapses=state.lapses,
            last_review=now,
            repeat_pending=q < Grade.HESITANT,
        )
    else:
        after = State(
            reps=0,
            ef=state.ef,
            interval=1,
            due=now + timedelta(days=1),
            lapses=state.lapses + (0 if state.is_new else 1),
            last_review=now,
            repeat_pending=True,
        )
    return after, ReviewLog(q, now, same_day_repeat, state, after)


def preview_intervals(
    state: State, *, same_day_repeat: bool = False, max_interval: int = MAX_INTERVAL
) -> dict[int, int]:
    """The interval in days each grade 0–5 would give, for the buttons' labels.

    For a same-day repeat the interval does not change, so every grade shows
    the card's current interval.
    """
    if same_day_repeat:
        return {grade: state.interval for grade in Grade}
    result: dict[int, int] = {}
    for grade in Grade:
        if grade >= Grade.DIFFICULT:
            result[grade] = next_interval(state.reps + 1, state.interval, state.ef, max_interval)
        else:
            result[grade] = 1
    return result
