"""Answers counted straight from the review history, and how an answer is classified.

Reviews are classified from their before-state (documented in README):

- ``repeat``: a same-day repeat (kind ``repeat``);
- ``new``: the card's first answer (reps, lapses and interval before all 0);
- ``learning``: a card on its first steps or relearning after a lapse
  (interval before <= 1 day and reps before <= 1);
- ``review``: every other answer. Young: interval before < 21 days; mature: >= 21.

The rule exists twice, as SQL (:func:`review_class`, for grouping the history)
and in Python (:func:`class_of`, for the rollup written with each answer);
``tests/test_stats_queries.py`` checks that they agree around every boundary.

A review that an ``undo`` row points at does not count. Undo rows are rare, so
each aggregate is computed over all answers and the undone answers' own
aggregate is subtracted from it. The statistics page reads the rollup
(:mod:`app.stats.rollup`) instead when it can; this module is what the rollup
is rebuilt from, and what a deck-filtered page counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from app.models import Review
from app.stats.days import DayClock, day_number, to_date

MATURE_DAYS = 21
CLASSES = ("new", "learning", "review", "repeat")
NEW, LEARNING, REVIEW, REPEAT = range(4)

GroupKey = tuple[date, int, bool, int]  # day, class, mature, grade
Groups = dict[GroupKey, list[int]]  # -> [reviews, duration_ms]


def review_class() -> ColumnElement[int]:
    """SQL: the class of a review (see the module docstring)."""
    return case(
        (Review.kind == "repeat", REPEAT),
        (and_(Review.reps_before == 0, Review.lapses_before == 0, Review.interval_before == 0),
         NEW),
        (and_(Review.interval_before <= 1, Review.reps_before <= 1), LEARNING),
        else_=REVIEW,
    )


def class_of(kind: str, reps_before: int, lapses_before: int, interval_before: int) -> int:
    """The class of one review, as :func:`review_class` computes it in SQL."""
    if kind == "repeat":
        return REPEAT
    if reps_before == 0 and lapses_before == 0 and interval_before == 0:
        return NEW
    if interval_before <= 1 and reps_before <= 1:
        return LEARNING
    return REVIEW


def is_mature(interval_before: int) -> bool:
    """Whether an answer counts as one of a mature card (interval before >= 21 days)."""
    return interval_before >= MATURE_DAYS


def group_reviews(
    session: Session,
    segments: Sequence[tuple[datetime, int]],
    *conditions: Any,
    keep: ColumnElement[bool] | None = None,
) -> Groups:
    """Answers matching ``conditions`` grouped by (day, class, mature, grade).

    Answers for which ``keep`` is false are dropped after grouping: the
    planner sees only the conditions meant for its index.
    """
    day = day_number(Review.reviewed_at, segments).label("day")
    cls = review_class().label("cls")
    mature = case((Review.interval_before >= MATURE_DAYS, 1), else_=0).label("mature")
    early = (case((keep, 1), else_=0) if keep is not None else literal(1)).label("early")
    stmt = (
        select(day, cls, mature, Review.grade, early, func.count(), func.sum(Review.duration_ms))
        .where(Review.kind != "undo", Review.grade.is_not(None), *conditions)
        .group_by(day, cls, mature, Review.grade, early)
    )
    groups: Groups = {}
    for number, klass, mat, grade, kept, count, ms in session.connection().execute(stmt).all():
        if not kept:
            continue
        groups[(to_date(number), int(klass), bool(mat), int(grade))] = [int(count), int(ms or 0)]
    return groups


def history_segments(
    session: Session, user_id: int, clock: DayClock, now: datetime
) -> list[tuple[datetime, int]] | None:
    """The day offsets covering the user's whole history and today (None: no answers)."""
    # Two queries: each is one probe of the user's time index (together, a scan).
    first = session.scalar(select(func.min(Review.reviewed_at)).where(Review.user_id == user_id))
    last = session.scalar(select(func.max(Review.reviewed_at)).where(Review.user_id == user_id))
    if first is None or last is None:
        return None
    return clock.segments(min(first, now) - timedelta(days=1),
                          max(last, now) + timedelta(days=2))


def counted_groups(
    session: Session, user_id: int, segments: Sequence[tuple[datetime, int]],
    *conditions: Any,
) -> Groups:
    """The user's answers matching ``conditions`` grouped as :func:`group_reviews` does,
    the undone ones left out."""
    scope = [Review.user_id == user_id, *conditions]
    groups = group_reviews(session, segments, *scope)
    # Looked up by primary key; the scope is checked on the few rows found.
    undone_ids = select(Review.undoes_id).where(Review.undoes_id.is_not(None))
    undone = group_reviews(session, segments, Review.id.in_(undone_ids), keep=and_(*scope))
    for key, (count, ms) in undone.items():
        row = groups.setdefault(key, [0, 0])
        row[0] -= count
        row[1] -= ms
    return {key: row for key, row in groups.items() if row[0] or row[1]}


@dataclass
class ReviewTotals:
    """Counted answers, undone ones left out, in the shapes the page needs."""

    # day -> answers (every day from ``since``: the heatmap and the streak)
    per_day: dict[date, int] = field(default_factory=dict)
    # (day, class, mature, correct) -> [answers, duration_ms], days from ``detail_since``
    days: dict[tuple[date, int, bool, bool], list[int]] = field(default_factory=dict)
    # (class, mature, grade) -> answers, days from ``detail_since``
    buttons: dict[tuple[int, bool, int], int] = field(default_factory=dict)

    def fold(self, groups: Groups, detail_since: date | None, sign: int = 1) -> None:
        """Add (or with ``sign=-1`` take away) fine-grained groups."""
        for (day, cls, mature, grade), (count, ms) in groups.items():
            self.per_day[day] = self.per_day.get(day, 0) + sign * count
            if detail_since is not None and day < detail_since:
                continue
            row = self.days.setdefault((day, cls, mature, grade >= 3), [0, 0])
            row[0] += sign * count
            row[1] += sign * ms
            key = (cls, mature, grade)
            self.buttons[key] = self.buttons.get(key, 0) + sign * count

    def pruned(self) -> ReviewTotals:
        """The same totals without empty entries."""
        return ReviewTotals(
            {day: count for day, count in self.per_day.items() if count},
            {key: row for key, row in self.days.items() if row[0] or row[1]},
            {key: count for key, count in self.buttons.items() if count},
        )


def history_totals(
    session: Session,
    user_id: int,
    clock: DayClock,
    now: datetime,
    *,
    card_ids: Any = None,
    since: date | None = None,
    detail_since: date | None = None,
) -> ReviewTotals:
    """Answers per day from ``since``; by class, maturity, grade from ``detail_since``;
    counted from the history. ``card_ids`` (a subquery) limits them to some cards."""
    totals = ReviewTotals()
    segments = history_segments(session, user_id, clock, now)
    if segments is None:
        return totals
    scope: list[Any] = []
    if card_ids is not None:
        scope.append(Review.card_id.in_(card_ids))
    if since is not None:
        scope.append(Review.reviewed_at >= clock.day_start(since))
    totals.fold(counted_groups(session, user_id, segments, *scope), detail_since)
    return totals.pruned()
