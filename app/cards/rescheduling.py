"""Rebuilding cards' scheduling state when their scheduler changes, and fitting FSRS.

When a deck's effective scheduler changes (its own choice, or the parent it
inherits from), :func:`reschedule` rebuilds the cards' state for the new
scheduler from their answers (:func:`cards.scheduler.recompute`); the review
rows themselves are never changed. :func:`fit_user` fits the user's FSRS
parameters to their answers (:mod:`cards.fsrs_fit`), stores them, and
rebuilds the FSRS cards' state the same way. These functions take a session
and never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cards.scheduler_choice import deck_scheduler, stored_parameters
from app.db import utcnow
from app.models import Card, Deck, FsrsParameters, Review, ReviewKind, User
from app.review.store import apply_state, card_state, review_day
from cards.fsrs_fit import Fit, Progress, fit_parameters
from cards.scheduler import Answer, DeckScheduler, SchedulerKind, recompute

__all__ = ["fit_user", "reschedule", "reschedule_moving", "schedulers_of"]


def schedulers_of(session: Session, user: User, decks: Iterable[Deck]) -> dict[int, DeckScheduler]:
    """Each deck's scheduler now (take them before a change, for :func:`reschedule`)."""
    return {deck.id: deck_scheduler(session, user.id, deck.id) for deck in decks}


def _answers(
    session: Session, user: User, card_ids: Sequence[int] | None
) -> dict[int, list[Answer]]:
    """The answers that stand (undone ones and undo rows left out), oldest first, of the
    given cards (None: all the user's), by card."""
    found: dict[int, list[Answer]] = defaultdict(list)
    undone = select(Review.undoes_id).where(
        Review.user_id == user.id, Review.undoes_id.is_not(None))
    query = (
        select(Review.card_id, Review.reviewed_at, Review.grade)
        .where(Review.user_id == user.id, Review.kind != ReviewKind.UNDO.value,
               Review.grade.is_not(None), Review.id.not_in(undone))
        .order_by(Review.reviewed_at, Review.id)
    )
    batches = [None] if card_ids is None else [
        list(card_ids[start:start + 500]) for start in range(0, len(card_ids), 500)]
    for batch in batches:
        selected = query if batch is None else query.where(Review.card_id.in_(batch))
        for card_id, at, grade in session.execute(selected).all():
            if grade is not None:
                found[card_id].append(Answer(at, grade, review_day(user, at)[0].date()))
    return found


def _rebuild(session: Session, user: User, cards: Sequence[Card],
             scheduler_of: Callable[[Card], DeckScheduler]) -> int:
    answers = _answers(session, user, [c.id for c in cards])
    for card in cards:
        apply_state(card, recompute(card_state(card), answers.get(card.id, []),
                                    scheduler_of(card), max_interval=user.max_interval_days))
    return len(cards)


def reschedule(session: Session, user: User, decks: Iterable[Deck],
               before: dict[int, DeckScheduler]) -> int:
    """Rebuild the state of the cards in ``decks`` whose scheduler is no longer the one
    in ``before`` (deck id → scheduler, taken before the change); the count rebuilt.

    Only a change of kind (SM-2 ↔ FSRS) rebuilds: a new desired retention applies
    from each card's next answer on, as in Anki."""
    session.flush()
    changed: dict[int, DeckScheduler] = {}
    for deck in decks:
        now = deck_scheduler(session, user.id, deck.id)
        if deck.id in before and before[deck.id].kind is not now.kind:
            changed[deck.id] = now
    if not changed:
        return 0
    cards = session.scalars(
        select(Card).where(Card.user_id == user.id, Card.deck_id.in_(changed))).all()
    return _rebuild(session, user, cards, lambda card: changed[card.deck_id])


def reschedule_moving(session: Session, cards: Sequence[Card], target: Deck) -> int:
    """Before ``cards`` move to ``target``: rebuild the state of those whose scheduler
    changes with the move for ``target``'s scheduler; the count rebuilt."""
    user = session.get(User, target.user_id)
    assert user is not None  # a deck always has its user
    after = deck_scheduler(session, user.id, target.id)
    before = schedulers_of(session, user, session.scalars(
        select(Deck).where(Deck.id.in_({card.deck_id for card in cards}))).all())
    changing = [card for card in cards if before[card.deck_id].kind is not after.kind]
    return _rebuild(session, user, changing, lambda _card: after) if changing else 0


def fit_user(session: Session, user: User, progress: Progress | None = None,
             now: datetime | None = None) -> Fit:
    """Fit the user's FSRS parameters to all their answers and store them (the defaults
    below :data:`cards.fsrs_fit.MIN_REVIEWS`); the cards on FSRS decks are rebuilt
    with the new parameters."""
    answers = _answers(session, user, None)
    fit = fit_parameters(answers.values(), progress=progress)
    row = stored_parameters(session, user.id)
    if row is None:
        row = FsrsParameters(user_id=user.id)
        session.add(row)
    row.parameters = list(fit.parameters)
    row.fitted = fit.fitted
    row.reviews = fit.reviews
    row.fitted_at = now or utcnow()
    session.flush()
    decks = session.scalars(select(Deck).where(Deck.user_id == user.id)).all()
    fsrs_decks = {deck.id: scheduler for deck in decks
                  if (scheduler := deck_scheduler(session, user.id, deck.id)).kind
                  is SchedulerKind.FSRS}
    if fsrs_decks:
        cards = session.scalars(select(Card).where(
            Card.user_id == user.id, Card.deck_id.in_(fsrs_decks))).all()
        _rebuild(session, user, cards, lambda card: fsrs_decks[card.deck_id])
    return fit
