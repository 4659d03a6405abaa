"""What is coming: cards due on each of the next days, for the statistics page's
forecast (young and mature) and the deck list's sparklines (per deck)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from app.models import Card, Deck, User
from app.stats.days import EPOCH, DayClock, clock_for, day_number, to_date
from app.stats.history import MATURE_DAYS
from app.stats.scope import due_cards


def forecast(
    session: Session, user_id: int, clock: DayClock, now: datetime, days: int,
    deck_ids: Sequence[int] | None = None,
) -> list[tuple[date, int, int]]:
    """``(day, young, mature)`` cards due on each of the next ``days`` days.

    Today's count includes the overdue cards. Suspended, retired, deleted and
    unanswered cards are never due.
    """
    today = clock.day_of(now)
    end = clock.day_start(today + timedelta(days=days))
    start = clock.day_start(today)
    mature = case((Card.interval_days >= MATURE_DAYS, 1), else_=0).label("mature")
    counts = {today + timedelta(days=i): [0, 0] for i in range(days)}
    overdue = select(mature, func.count()).where(
        *due_cards(user_id, deck_ids), Card.due < start
    ).group_by(mature)
    for mat, count in session.execute(overdue):
        counts[today][int(mat)] += int(count)
    # One integer key (day number * 2 + mature) groups faster than two.
    key = (day_number(Card.due, clock.segments(start, end)) * 2 + mature).label("key")
    upcoming = select(key, func.count()).where(
        *due_cards(user_id, deck_ids), Card.due >= start, Card.due < end
    ).group_by(key)
    for packed, count in session.execute(upcoming).all():
        number, mat = divmod(int(packed), 2)
        counts[to_date(number)][mat] += int(count)
    return [(day_, young, old) for day_, (young, old) in counts.items()]


def next_days_load(
    session: Session,
    user_id: int,
    deck_ids: Iterable[int],
    days: int = 7,
    *,
    now: datetime | None = None,
) -> dict[int, list[int]]:
    """Cards due on each of the next ``days`` days per deck, its sub-decks included.

    Today's count includes the overdue cards; days are the user's days.
    """
    from app.db import utcnow

    now = now or utcnow()
    user = session.get(User, user_id)
    wanted = list(deck_ids)
    if user is None or not wanted:
        return {deck_id: [0] * days for deck_id in wanted}
    clock = clock_for(user)
    today = clock.day_of(now)
    start, end = clock.day_start(today), clock.day_start(today + timedelta(days=days))
    day = case(
        (Card.due < start, literal(0)),
        else_=day_number(Card.due, clock.segments(start, end)) - (today - EPOCH).days,
    ).label("day")
    stmt = select(Card.deck_id, day, func.count()).where(
        *due_cards(user_id, None), Card.due < end
    ).group_by(Card.deck_id, day)
    own: dict[int, list[int]] = defaultdict(lambda: [0] * days)
    for deck_id, offset, count in session.execute(stmt):
        own[int(deck_id)][int(offset)] += int(count)
    parents = {
        ident: parent
        for ident, parent in session.execute(
            select(Deck.id, Deck.parent_id).where(Deck.user_id == user_id)
        )
    }
    totals: dict[int, list[int]] = {deck_id: [0] * days for deck_id in wanted}
    for deck_id, load in own.items():
        current: int | None = deck_id
        while current is not None:
            if current in totals:
                totals[current] = [a + b for a, b in zip(totals[current], load, strict=True)]
            current = parents.get(current)
    return totals
