"""Answering and undoing: the shell around the scheduling core.

Load a card's state, ask its deck's scheduler (:func:`cards.scheduler.next_state`:
SM-2 or FSRS, see :mod:`app.cards.scheduler_choice`) for the new one, write it to the
card and append a review row holding the state before and after. An undo
appends a row of kind ``undo`` and puts the before-state back exactly; no
review row is ever changed or deleted. These functions take a session and
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.cards.scheduler_choice import deck_scheduler
from app.models import Card, Review, ReviewKind, bump_cards_version
from cards import sm2
from cards.fsrs_scheduler import Phase
from cards.scheduler import CardState, DeckScheduler, next_state


def card_state(card: Card) -> CardState:
    """The card's scheduling columns (SM-2's and FSRS's) as the core sees them."""
    return CardState(
        reps=card.reps,
        ef=card.ef,
        interval=card.interval_days,
        due=card.due,
        lapses=card.lapses,
        last_review=card.last_reviewed_at,
        repeat_pending=card.repeat_pending,
        phase=Phase(card.fsrs_phase),
        step=card.fsrs_step,
        stability=card.stability,
        difficulty=card.difficulty,
    )


def state_of(card: Card) -> sm2.State:
    """The card's SM-2 state as the SM-2 core sees it."""
    return card_state(card).sm2_state()


_STATE_COLUMNS = (
    "reps", "ef", "interval_days", "due", "lapses", "last_reviewed_at", "repeat_pending",
    "fsrs_phase", "fsrs_step", "stability", "difficulty",
)


def state_columns(state: CardState) -> dict[str, Any]:
    """The card's columns for ``state``."""
    return {
        "reps": state.reps,
        "ef": state.ef,
        "interval_days": state.interval,
        "due": state.due,
        "lapses": state.lapses,
        "last_reviewed_at": state.last_review,
        "repeat_pending": state.repeat_pending,
        "fsrs_phase": int(state.phase),
        "fsrs_step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
    }


def apply_state(card: Card, state: CardState) -> None:
    """Write ``state`` onto the card."""
    for name, value in state_columns(state).items():
        setattr(card, name, value)


def _review_values(
    card: Card, before: CardState, after: CardState, **fields: Any
) -> dict[str, Any]:
    return {
        "user_id": card.user_id,
        "card_id": card.id,
        "reps_before": before.reps,
        "ef_before": before.ef,
        "interval_before": before.interval,
        "due_before": before.due,
        "lapses_before": before.lapses,
        "repeat_pending_before": before.repeat_pending,
        "last_reviewed_before": before.last_review,
        "fsrs_phase_before": int(before.phase),
        "fsrs_step_before": before.step,
        "stability_before": before.stability,
        "difficulty_before": before.difficulty,
        "reps_after": after.reps,
        "ef_after": after.ef,
        "interval_after": after.interval,
        "due_after": after.due,
        "lapses_after": after.lapses,
        "repeat_pending_after": after.repeat_pending,
        "stability_after": after.stability,
        "difficulty_after": after.difficulty,
        **fields,
    }


def _review_row(card: Card, before: CardState, after: CardState, **fields: Any) -> Review:
    return Review(**_review_values(card, before, after, **fields))


def is_same_day_repeat(card: Card, day_start: datetime) -> bool:
    """Whether answering the card now is one of today's repeats."""
    return bool(
        card.repeat_pending
        and card.last_reviewed_at is not None
        and card.last_reviewed_at >= day_start
    )


def answer_values(
    card: Card,
    grade: int,
    now: datetime,
    *,
    scheduler: DeckScheduler,
    same_day_repeat: bool,
    showing_id: str | None,
    duration_ms: int | None,
) -> tuple[CardState, dict[str, Any]]:
    """The card's state after answering ``grade`` with its deck's ``scheduler``
    (:func:`cards.scheduler.next_state`), and the review row's values (the columns
    of ``reviews``, times aware). A same-day repeat (SM-2's, or an FSRS learning
    step answered the same day) is logged as one and counts against no limit."""
    before = card_state(card)
    after = next_state(before, scheduler, grade, now, same_day_repeat=same_day_repeat)
    values = _review_values(
        card, before, after,
        kind=(ReviewKind.REPEAT if same_day_repeat else ReviewKind.REVIEW).value,
        grade=int(grade),
        reviewed_at=now,
        showing_id=showing_id,
        duration_ms=duration_ms,
        undoes_id=None,
    )
    return after, values


def record_answer(
    session: Session,
    card: Card,
    grade: int,
    now: datetime,
    *,
    same_day_repeat: bool,
    showing_id: str | None = None,
    duration_ms: int | None = None,
    scheduler: DeckScheduler | None = None,
) -> Review:
    """Answer ``card`` with ``grade``: update it and append its review row (not committed).

    ``scheduler``: the card's deck's (looked up when not given)."""
    scheduler = scheduler or deck_scheduler(session, card.user_id, card.deck_id)
    after, values = answer_values(card, grade, now, scheduler=scheduler,
                                  same_day_repeat=same_day_repeat,
                                  showing_id=showing_id, duration_ms=duration_ms)
    apply_state(card, after)
    row = Review(**values)
    session.add(row)
    return row


_CARDS = cast(Table, Card.__table__)
_INSERT_REVIEW = cast(Table, Review.__table__).insert()
_UPDATE_STATE = (
    _CARDS.update()
    .where(_CARDS.c.id == bindparam("card_id"))
    .values({name: bindparam(f"new_{name}") for name in _STATE_COLUMNS})
)


@dataclass(frozen=True, slots=True)
class Written:
    """What an answer stored: the card's new state, whether the answer counts against
    the day's limits (not a same-day repeat), whether the card was new, and the review
    row's id."""

    after: CardState
    scheduled: bool
    was_new: bool
    review_id: int


def stored(card: Card, after: CardState, values: dict[str, Any], review_id: int) -> Written:
    """After writing ``values`` (:func:`answer_values`) and ``after`` with plain
    statements: the card object takes its new state as stored, and what was written."""
    for name, value in state_columns(after).items():
        set_committed_value(card, name, value)
    return Written(after, values["kind"] == ReviewKind.REVIEW.value,
                   values["due_before"] is None, review_id)


def write_answer(
    session: Session,
    card: Card,
    grade: int,
    now: datetime,
    *,
    same_day_repeat: bool,
    showing_id: str | None = None,
    duration_ms: int | None = None,
    scheduler: DeckScheduler | None = None,
) -> Written:
    """What :func:`record_answer` does, written at once with plain statements.

    The review view's path: no unit of work. The user's ``cards_version`` is
    bumped first, the review row goes in next, so a showing answered twice
    raises ``IntegrityError`` before the card changes; the card object takes
    its new state as already stored. Not committed.
    """
    scheduler = scheduler or deck_scheduler(session, card.user_id, card.deck_id)
    after, values = answer_values(card, grade, now, scheduler=scheduler,
                                  same_day_repeat=same_day_repeat,
                                  showing_id=showing_id, duration_ms=duration_ms)
    connection = session.connection()
    bump_cards_version(session, (card.user_id,))  # a Core write: no flush counts it
    inserted = connection.execute(_INSERT_REVIEW, values).inserted_primary_key
    assert inserted is not None  # a single-row insert always reports its key
    state = state_columns(after)
    connection.execute(
        _UPDATE_STATE, {"card_id": card.id, **{f"new_{k}": v for k, v in state.items()}}
    )
    return stored(card, after, values, int(inserted[0]))


_LAST_UNDOABLE = text(
    "SELECT r.id FROM reviews r WHERE r.user_id = :uid AND r.kind <> :undo"
    " AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes_id = r.id)"
    " ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1"
)


def last_undoable_id(session: Session, user_id: int) -> int | None:
    """The id of the user's latest answer that has not been undone yet."""
    found = session.execute(
        _LAST_UNDOABLE, {"uid": user_id, "undo": ReviewKind.UNDO.value}
    ).scalar()
    return None if found is None else int(found)


def last_undoable(session: Session, user_id: int) -> Review | None:
    """The user's latest answer that has not been undone yet."""
    review_id = last_undoable_id(session, user_id)
    return None if review_id is None else session.get(Review, review_id)


def undo_answer(session: Session, answer: Review, now: datetime) -> Review:
    """Put the card back as it was before ``answer`` and append the undo row (not committed)."""
    card = answer.card
    before = card_state(card)
    restored = replace(
        before,
        reps=answer.reps_before,
        ef=answer.ef_before,
        interval=answer.interval_before,
        due=answer.due_before,
        lapses=answer.lapses_before,
        last_review=answer.last_reviewed_before,
        repeat_pending=answer.repeat_pending_before,
    )
    if answer.fsrs_phase_before is not None:  # rows from before FSRS carry none
        restored = replace(
            restored,
            phase=Phase(answer.fsrs_phase_before),
            step=answer.fsrs_step_before,
            stability=answer.stability_before,
            difficulty=answer.difficulty_before,
        )
    apply_state(card, restored)
    row = _review_row(
        card, before, restored,
        kind=ReviewKind.UNDO.value, grade=None, reviewed_at=now, undoes_id=answer.id,
    )
    session.add(row)
    return row
