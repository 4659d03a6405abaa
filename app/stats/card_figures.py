"""The cards' side of the statistics page: how many cards are in each state, and how
their intervals and E-factors spread. One grouped scan of the cards table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from app.models import Card
from app.stats.history import MATURE_DAYS
from app.stats.scope import live_cards

CARD_STATES = ("new", "learning", "young", "mature", "suspended", "needs_answer", "retired")
INTERVAL_BUCKETS = ((0, 0), (1, 1), (2, 2), (3, 6), (7, 13), (14, 20), (21, 59), (60, 179),
                    (180, 364), (365, None))


def card_state() -> ColumnElement[int]:
    """SQL: a card's state as an index into :data:`CARD_STATES`.

    The first that holds of retired, suspended, needs an answer, new (never
    answered), learning (interval <= 1 day and at most one repetition), young
    (interval < 21 days), mature.
    """
    return case(
        (Card.retired_at.is_not(None), CARD_STATES.index("retired")),
        (Card.suspended.is_(True), CARD_STATES.index("suspended")),
        (Card.needs_answer.is_(True), CARD_STATES.index("needs_answer")),
        (Card.due.is_(None), CARD_STATES.index("new")),
        (and_(Card.interval_days <= 1, Card.reps <= 1), CARD_STATES.index("learning")),
        (Card.interval_days < MATURE_DAYS, CARD_STATES.index("young")),
        else_=CARD_STATES.index("mature"),
    )


@dataclass
class CardFigures:
    """Counts by state, and interval and E-factor distributions of reviewed cards."""

    states: dict[str, int] = field(default_factory=dict)
    intervals: list[tuple[str, int]] = field(default_factory=list)  # bucket label, cards
    efactors: list[tuple[int, int]] = field(default_factory=list)  # ef tenths (25 = 2.5), cards


def interval_bucket() -> ColumnElement[int]:
    """SQL: the index of a card's interval in :data:`INTERVAL_BUCKETS`."""
    whens = [
        (Card.interval_days <= high, index)
        for index, (_low, high) in enumerate(INTERVAL_BUCKETS) if high is not None
    ]
    return case(*whens, else_=len(INTERVAL_BUCKETS) - 1)


def bucket_label(index: int) -> str:
    """``"3–6"``, ``"1"``, ``"365+"``: the days an interval bucket covers."""
    low, high = INTERVAL_BUCKETS[index]
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}–{high}"


def card_figures(
    session: Session, user_id: int, deck_ids: Sequence[int] | None = None
) -> CardFigures:
    """Cards by state; intervals and E-factors of the cards being reviewed.

    One scan of the covering index, grouped by one integer that packs the
    state, the interval bucket and the E-factor in tenths (one grouping key is
    markedly cheaper than three on SQLite).
    """
    key = (card_state() * 100_000 + interval_bucket() * 1000 + (Card.ef + 5) // 10).label("key")
    stmt = select(key, func.count()).where(*live_cards(user_id, deck_ids)).group_by(key)
    figures = CardFigures(states=dict.fromkeys(CARD_STATES, 0))
    intervals = [0] * len(INTERVAL_BUCKETS)
    efactors: dict[int, int] = defaultdict(int)
    for packed, count in session.execute(stmt).all():
        state, rest = divmod(int(packed), 100_000)
        index, ef_tenth = divmod(rest, 1000)
        name = CARD_STATES[state]
        figures.states[name] += int(count)
        if name in ("learning", "young", "mature"):
            intervals[int(index)] += int(count)
            efactors[int(ef_tenth)] += int(count)
    figures.intervals = [(bucket_label(i), n) for i, n in enumerate(intervals)]
    if efactors:
        low, high = min(efactors), max(efactors)
        figures.efactors = [(t, efactors.get(t, 0)) for t in range(low, high + 1)]
    return figures
