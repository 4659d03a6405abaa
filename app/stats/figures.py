"""The answers' side of the statistics page: heatmap, streak, per-period bins,
retention and buttons, from the counted answers (the rollup, else the history).

The figures are computed from :class:`~app.stats.history.ReviewTotals`, which
come from the rollup (:mod:`app.stats.rollup`) when it is current for the
user's day settings, and from the review history otherwise (a deck filter, or
a rollup not rebuilt yet): the page reads, never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card
from app.stats import rollup
from app.stats.days import DayClock
from app.stats.history import LEARNING, NEW, REPEAT, REVIEW, ReviewTotals, history_totals

PERIODS = {"1m": 30, "3m": 91, "1y": 365, "all": None}
HEATMAP_DAYS = 365


def review_totals(
    session: Session,
    user_id: int,
    clock: DayClock,
    now: datetime,
    *,
    card_ids: Any = None,
    since: date | None = None,
    detail_since: date | None = None,
    use_rollup: bool = True,
) -> ReviewTotals:
    """Answers per day from ``since``; by class, maturity, grade from ``detail_since``.

    From the rollup when it is current (and no ``card_ids`` subquery limits
    them to some cards), else counted from the history. Undone answers are
    left out either way.
    """
    if card_ids is None and use_rollup:
        found = rollup.read(session, user_id, clock, since, detail_since)
        if found is not None:
            return found
    return history_totals(session, user_id, clock, now, card_ids=card_ids, since=since,
                          detail_since=detail_since)


def answer_figures(
    session: Session, user_id: int, clock: DayClock, now: datetime, period: str,
    deck_ids: Sequence[int] | None = None,
) -> ReviewFigures:
    """The page's answer figures for ``period``, all decks or ``deck_ids``."""
    today = clock.day_of(now)
    since = detail_since = None
    if PERIODS[period] is not None:
        detail_since = period_start(period, today)
        since = min(detail_since, today - timedelta(days=HEATMAP_DAYS - 1))
    card_ids = None
    if deck_ids is not None:
        card_ids = select(Card.id).where(Card.user_id == user_id, Card.deck_id.in_(deck_ids))
    totals = review_totals(session, user_id, clock, now, card_ids=card_ids, since=since,
                           detail_since=detail_since)
    return review_figures(totals, today, period)



@dataclass
class Bin:
    """A stretch of days (one day, a week or a month) in the period charts."""

    start: date
    end: date  # exclusive
    by_class: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # indexed like CLASSES
    duration_ms: int = 0
    # Answers of class "review": [young correct, young total, mature correct, mature total].
    retention: list[int] = field(default_factory=lambda: [0, 0, 0, 0])


@dataclass
class ReviewFigures:
    """Everything the page shows about answers, for one period."""

    today: date
    period_start: date
    heatmap: list[tuple[date, int]]  # the past year, oldest first, today last
    streak: int
    days_studied: int  # in the heatmap's year
    daily_average: float  # answers per day studied, in the heatmap's year
    bins: list[Bin]  # the period's days (1m, 3m), weeks (1y) or months (all)
    bin_unit: str  # "day" | "week" | "month"
    retention_bins: list[Bin]  # weeks (1m, 3m) or months (1y, all)
    retention_unit: str
    buttons: dict[str, list[int]]  # learning|young|mature -> answers per grade 0..5
    total_reviews: int
    total_ms: int


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _bins(start: date, today: date, unit: str) -> list[Bin]:
    bins: list[Bin] = []
    if unit == "day":
        cursor = start
        while cursor <= today:
            bins.append(Bin(cursor, cursor + timedelta(days=1)))
            cursor += timedelta(days=1)
    elif unit == "week":
        cursor = _week_start(start)
        while cursor <= today:
            bins.append(Bin(cursor, cursor + timedelta(days=7)))
            cursor += timedelta(days=7)
    else:
        cursor = _month_start(start)
        while cursor <= today:
            bins.append(Bin(cursor, _next_month(cursor)))
            cursor = _next_month(cursor)
    return bins


def _bin_index(bins: Sequence[Bin], day: date) -> int | None:
    low, high = 0, len(bins) - 1
    while low <= high:
        mid = (low + high) // 2
        if day < bins[mid].start:
            high = mid - 1
        elif day >= bins[mid].end:
            low = mid + 1
        else:
            return mid
    return None


def period_start(period: str, today: date, totals: ReviewTotals | None = None) -> date:
    """The first day of ``period`` (``all``: the first day with an answer)."""
    days = PERIODS[period]
    if days is None:
        return min(totals.per_day if totals else (), default=today)
    return today - timedelta(days=days - 1)


def review_figures(totals: ReviewTotals, today: date, period: str) -> ReviewFigures:
    """Heatmap, streak, average, per-bin counts, retention and buttons from ``totals``.

    The streak counts the days in a row with an answer, ending today, or
    yesterday while today has none yet. The daily average is over the days
    studied in the past year. Buttons leave same-day repeats out; retention
    counts answers of class "review" only.
    """
    start = period_start(period, today, totals)
    unit = {"1m": "day", "3m": "day", "1y": "week"}.get(period, "month")
    retention_unit = "week" if period in ("1m", "3m") else "month"
    bins, retention_bins = _bins(start, today, unit), _bins(start, today, retention_unit)
    per_day = totals.per_day
    total = total_ms = 0
    for (day, cls, mature, correct), (count, ms) in totals.days.items():
        if day < start or day > today:
            continue
        total += count
        total_ms += ms
        index = _bin_index(bins, day)
        if index is not None:
            bins[index].by_class[cls] += count
            bins[index].duration_ms += ms
        if cls == REVIEW:
            index = _bin_index(retention_bins, day)
            if index is not None:
                slot = 2 if mature else 0
                retention_bins[index].retention[slot] += count if correct else 0
                retention_bins[index].retention[slot + 1] += count
    buttons = {name: [0] * 6 for name in ("learning", "young", "mature")}
    for (cls, mature, grade), count in totals.buttons.items():
        if cls == REPEAT:
            continue
        group = "learning" if cls in (NEW, LEARNING) else "mature" if mature else "young"
        buttons[group][grade] += count
    heatmap = [
        (today - timedelta(days=back), per_day.get(today - timedelta(days=back), 0))
        for back in range(HEATMAP_DAYS - 1, -1, -1)
    ]
    streak = 0
    cursor = today if per_day.get(today) else today - timedelta(days=1)
    while per_day.get(cursor, 0) > 0:
        streak += 1
        cursor -= timedelta(days=1)
    studied = [count for _day, count in heatmap if count > 0]
    return ReviewFigures(
        today=today, period_start=start, heatmap=heatmap, streak=streak,
        days_studied=len(studied),
        daily_average=sum(studied) / len(studied) if studied else 0.0,
        bins=bins, bin_unit=unit, retention_bins=retention_bins,
        retention_unit=retention_unit, buttons=buttons, total_reviews=total, total_ms=total_ms,
    )


def retention_share(correct: int, answered: int) -> float | None:
    """The share answered correctly, or None when nothing was answered."""
    return correct / answered if answered else None
