"""A deck's scheduler, SM-2 or FSRS, behind one answer function.

The shell keeps one row of scheduling columns per card; :class:`CardState` is
that row as the core sees it: SM-2's fields (:mod:`cards.sm2`) and FSRS's
memory state (:mod:`cards.fsrs_scheduler`) side by side, sharing the due time,
the last answer and the lapse count. :func:`next_state` answers a card with
the deck's scheduler; :func:`preview` gives each grade's wait for the buttons;
:func:`recompute` rebuilds a card's state from its history when a deck
switches scheduler (the history itself is never changed).

An SM-2 answer leaves the FSRS fields as they were, an FSRS answer leaves the
E-Factor and SM-2's repetition count as they were: each scheduler's own
fields are rebuilt from the history whenever a deck switches to it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from cards import fsrs_scheduler, sm2
from cards.fsrs_scheduler import Phase

__all__ = [
    "Answer",
    "CardState",
    "DeckScheduler",
    "SchedulerKind",
    "next_state",
    "preview",
    "recompute",
]


class SchedulerKind(enum.StrEnum):
    """Which scheduler a deck uses."""

    SM2 = "sm2"
    FSRS = "fsrs"


@dataclass(frozen=True, slots=True)
class DeckScheduler:
    """A deck's scheduler: SM-2 (the default), or FSRS with the given settings."""

    kind: SchedulerKind = SchedulerKind.SM2
    fsrs: fsrs_scheduler.Settings = field(default_factory=fsrs_scheduler.Settings)


@dataclass(frozen=True, slots=True)
class CardState:
    """A card's scheduling columns: SM-2's and FSRS's, sharing due, last answer and lapses.

    ``interval`` is in days; ``ef`` in hundredths; ``phase``, ``step``,
    ``stability`` and ``difficulty`` are FSRS's (see :class:`fsrs_scheduler.State`).
    """

    reps: int = 0
    ef: int = sm2.EF_START
    interval: int = 0
    due: datetime | None = None
    lapses: int = 0
    last_review: datetime | None = None
    repeat_pending: bool = False
    phase: Phase = Phase.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None

    def sm2_state(self) -> sm2.State:
        """The SM-2 scheduler's view of the card."""
        return sm2.State(
            reps=self.reps, ef=self.ef, interval=self.interval, due=self.due,
            lapses=self.lapses, last_review=self.last_review,
            repeat_pending=self.repeat_pending,
        )

    def fsrs_state(self) -> fsrs_scheduler.State:
        """The FSRS scheduler's view of the card."""
        return fsrs_scheduler.State(
            phase=self.phase, step=self.step, stability=self.stability,
            difficulty=self.difficulty, due=self.due, last_review=self.last_review,
            reps=self.reps, lapses=self.lapses,
        )

    def with_sm2(self, state: sm2.State) -> CardState:
        """This card after an SM-2 answer (the FSRS fields kept)."""
        return replace(
            self, reps=state.reps, ef=state.ef, interval=state.interval, due=state.due,
            lapses=state.lapses, last_review=state.last_review,
            repeat_pending=state.repeat_pending,
        )

    def with_fsrs(self, state: fsrs_scheduler.State) -> CardState:
        """This card after an FSRS answer (the E-Factor and SM-2's repetitions kept).

        A card in a (re)learning step is pending a repeat, as after a failed
        SM-2 answer: the queue brings it back the same day with the day's
        repeats; its due time (the step's minutes later) is when it is due
        once the day has ended.
        """
        return replace(
            self, interval=state.interval_days(), due=state.due, lapses=state.lapses,
            last_review=state.last_review,
            repeat_pending=state.phase in (Phase.LEARNING, Phase.RELEARNING),
            phase=state.phase, step=state.step, stability=state.stability,
            difficulty=state.difficulty,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer from a card's history: when, the grade 0–5 and the user's review day."""

    at: datetime
    grade: int
    day: date


def next_state(
    state: CardState,
    scheduler: DeckScheduler,
    grade: int,
    now: datetime,
    *,
    same_day_repeat: bool = False,
    max_interval: int = sm2.MAX_INTERVAL,
) -> CardState:
    """The card's state after answering ``grade`` at ``now`` with the deck's scheduler.

    ``same_day_repeat`` changes SM-2's answer (see :func:`cards.sm2.review`); FSRS
    needs no flag: it reads the time since the last answer. ``max_interval``: SM-2's
    longest interval in days (the user's setting); FSRS keeps its own maximum.
    """
    if scheduler.kind is SchedulerKind.FSRS:
        return state.with_fsrs(
            fsrs_scheduler.review(state.fsrs_state(), grade, now, scheduler.fsrs)
        )
    after, _log = sm2.review(state.sm2_state(), grade, now, same_day_repeat=same_day_repeat,
                             max_interval=max_interval)
    return state.with_sm2(after)


def preview(
    state: CardState,
    scheduler: DeckScheduler,
    now: datetime,
    *,
    same_day_repeat: bool = False,
    max_interval: int = sm2.MAX_INTERVAL,
) -> dict[int, timedelta]:
    """How long until the card is due again after each grade 0–5, for the buttons
    (``max_interval`` as in :func:`next_state`)."""
    if scheduler.kind is SchedulerKind.FSRS:
        return fsrs_scheduler.preview(state.fsrs_state(), now, scheduler.fsrs)
    days = sm2.preview_intervals(state.sm2_state(), same_day_repeat=same_day_repeat,
                                 max_interval=max_interval)
    return {grade: timedelta(days=n) for grade, n in days.items()}


def recompute(
    state: CardState,
    answers: Iterable[Answer],
    scheduler: DeckScheduler,
    *,
    max_interval: int = sm2.MAX_INTERVAL,
) -> CardState:
    """The card's state had ``scheduler`` scheduled every one of its ``answers``
    (``max_interval`` as in :func:`next_state`).

    Only the scheduler's own fields and the shared ones are rebuilt; a card with
    no answers is new again under either scheduler. For SM-2 an answer is a
    same-day repeat when the card was pending a repeat and the previous answer
    fell on the same review day, as when it was answered.
    """
    ordered = sorted(answers, key=lambda answer: answer.at)
    if scheduler.kind is SchedulerKind.FSRS:
        memory = fsrs_scheduler.replay(((a.at, a.grade) for a in ordered), scheduler.fsrs)
        return state.with_fsrs(memory)
    current, last_day = sm2.State(), None
    for answer in ordered:
        repeat = current.repeat_pending and answer.day == last_day
        current, _log = sm2.review(current, answer.grade, answer.at, same_day_repeat=repeat,
                                   max_interval=max_interval)
        last_day = answer.day
    return state.with_sm2(current)
