"""The FSRS scheduler (FSRS-6, through py-fsrs), pure: state, grade, now → new state.

wengu keeps SM-2 as the default; a deck may choose FSRS instead. This module
wraps py-fsrs's ``Scheduler`` so that it reads like :mod:`cards.sm2`: a frozen
:class:`State`, :func:`review` taking the time of the answer as an argument,
:func:`preview` for the buttons, :func:`retrievability` for the statistics and
:func:`replay` to rebuild a card's state from its history when a deck switches.

Grades: wengu answers on SM-2's 0–5 scale. FSRS has four ratings; the mapping
is the one the review page's four buttons already use (``cards.sm2.BUTTONS``:
Again = 1, Hard = 3, Good = 4, Easy = 5), read the other way:

=========  =========
SM-2 grade FSRS rating
=========  =========
0, 1, 2    Again (a failed recall)
3          Hard
4          Good
5          Easy
=========  =========

Learning steps are minutes (Anki's 1m 10m for new cards, 10m after a lapse),
so a failed card returns within the session. No fuzz is applied: py-fsrs's
fuzz draws from the global random generator, and wengu's core takes any
randomness from its caller (SM-2 in wengu has no fuzz either).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import fsrs

__all__ = [
    "DEFAULT_LEARNING_STEPS",
    "DEFAULT_PARAMETERS",
    "DEFAULT_RELEARNING_STEPS",
    "DEFAULT_RETENTION",
    "RETENTION_RANGE",
    "Phase",
    "Settings",
    "State",
    "preview",
    "rating_for",
    "replay",
    "retrievability",
    "review",
]

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
"""FSRS-6's 21 default parameters (py-fsrs's)."""

DEFAULT_RETENTION = 0.90
"""The desired retention a deck starts with."""

RETENTION_RANGE = (0.70, 0.99)
"""The desired retentions wengu accepts (Anki's range)."""

DEFAULT_LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
"""Anki's learning steps for new cards: 1m 10m."""

DEFAULT_RELEARNING_STEPS = (timedelta(minutes=10),)
"""Anki's relearning step after a lapse: 10m."""

_MAXIMUM_INTERVAL = 36_500


class Phase(enum.IntEnum):
    """Where a card stands in FSRS (Anki's card types: new, learn, review, relearn)."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True, slots=True)
class Settings:
    """How a deck schedules with FSRS: the user's parameters and the deck's retention."""

    parameters: tuple[float, ...] = DEFAULT_PARAMETERS
    desired_retention: float = DEFAULT_RETENTION
    learning_steps: tuple[timedelta, ...] = DEFAULT_LEARNING_STEPS
    relearning_steps: tuple[timedelta, ...] = DEFAULT_RELEARNING_STEPS
    maximum_interval: int = _MAXIMUM_INTERVAL

    def __post_init__(self) -> None:
        low, high = RETENTION_RANGE
        if not low <= self.desired_retention <= high:
            raise ValueError(
                f"desired retention must be {low:.2f} to {high:.2f}, not {self.desired_retention}"
            )
        if any(step <= timedelta(0) for step in (*self.learning_steps, *self.relearning_steps)):
            raise ValueError("learning steps must be positive")
        _scheduler(self)  # py-fsrs checks the parameters' count and bounds


@dataclass(frozen=True, slots=True)
class State:
    """A card's FSRS state.

    ``stability`` (days) and ``difficulty`` (1–10) are the memory state, None
    for a new card; ``step`` is the (re)learning step, None in review; ``due``
    is None for a new card. ``reps`` counts answers, ``lapses`` the times a
    card in review was forgotten.
    """

    phase: Phase = Phase.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_new(self) -> bool:
        """Whether the card has never been answered."""
        return self.phase is Phase.NEW

    def interval_days(self) -> int:
        """Whole days from the last answer to the due time (0 while learning)."""
        if self.due is None or self.last_review is None or self.phase is not Phase.REVIEW:
            return 0
        return (self.due - self.last_review).days


@lru_cache(maxsize=64)
def _scheduler(settings: Settings) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=settings.parameters,
        desired_retention=settings.desired_retention,
        learning_steps=settings.learning_steps,
        relearning_steps=settings.relearning_steps,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=False,
    )


def rating_for(grade: int) -> fsrs.Rating:
    """FSRS's rating for an SM-2 grade 0–5 (0–2 Again, 3 Hard, 4 Good, 5 Easy)."""
    if not 0 <= grade <= 5:
        raise ValueError(f"grade must be 0 to 5, not {grade}")
    if grade < 3:
        return fsrs.Rating.Again
    return fsrs.Rating(grade - 1)


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(UTC)


def _to_library(state: State, now: datetime) -> fsrs.Card:
    if state.phase is Phase.NEW:
        return fsrs.Card(card_id=0, state=fsrs.State.Learning, step=0, due=now)
    return fsrs.Card(
        card_id=0,
        state=fsrs.State(int(state.phase)),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=_utc(state.due) if state.due is not None else now,
        last_review=_utc(state.last_review) if state.last_review is not None else None,
    )


def review(state: State, grade: int, now: datetime, settings: Settings) -> State:
    """Answer a card with an SM-2 ``grade`` at ``now``: its new FSRS state."""
    rating = rating_for(grade)
    now = _utc(now)
    card, _log = _scheduler(settings).review_card(_to_library(state, now), rating, now)
    lapsed = state.phase is Phase.REVIEW and rating is fsrs.Rating.Again
    return State(
        phase=Phase(int(card.state)),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=state.reps + 1,
        lapses=state.lapses + (1 if lapsed else 0),
    )


def preview(state: State, now: datetime, settings: Settings) -> dict[int, timedelta]:
    """How long until the card is due again for each grade 0–5, for the buttons' labels."""
    result: dict[int, timedelta] = {}
    for grade in range(6):
        after = review(state, grade, now, settings)
        assert after.due is not None  # an answered card is always due somewhere
        result[grade] = after.due - _utc(now)
    return result


def retrievability(state: State, now: datetime, settings: Settings) -> float:
    """The predicted probability of recalling the card at ``now`` (0 for a new card)."""
    if state.stability is None or state.last_review is None:
        return 0.0
    scheduler = _scheduler(settings)
    return float(scheduler.get_card_retrievability(_to_library(state, _utc(now)), _utc(now)))


def replay(answers: Iterable[tuple[datetime, int]], settings: Settings) -> State:
    """The state a card would have now had FSRS scheduled every one of its ``answers``
    (time, SM-2 grade), oldest first; used when a deck switches to FSRS."""
    state = State()
    for at, grade in sorted(answers, key=lambda answer: answer[0]):
        state = review(state, grade, at, settings)
    return state
