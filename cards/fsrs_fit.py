"""Fitting FSRS's parameters to one reviewer's own answers (fsrs-rs, no torch).

The default FSRS-6 parameters describe an average Anki user; a reviewer with
enough history gets parameters fitted to how they actually remember. The
fitting is fsrs-rs's optimizer through its Python binding (``fsrs-rs-python``),
a small compiled wheel, where py-fsrs's own optimizer needs torch.

Each card's answers become training items the way Anki builds them for
fsrs-rs: one item per answer given on a later review day than the previous
one, holding every answer up to it with the review days elapsed between
answers (the user's days, from their time zone and day-start hour). Counting
24-hour periods instead, as py-fsrs does when it schedules, fitted worse on
the real review log in ``bench/scheduler_eval.py`` (log loss after a split
at 30% of the log: 0.443 against 0.434). Below :data:`MIN_REVIEWS` answers
the defaults are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import fsrs
import fsrs_rs_python

from cards.fsrs_scheduler import DEFAULT_PARAMETERS, rating_for
from cards.scheduler import Answer

__all__ = [
    "MIN_REVIEWS",
    "Fit",
    "Progress",
    "fit_parameters",
]

MIN_REVIEWS = 400
"""Fewer answers than this keep the default parameters."""

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)``: called as the fitting goes on."""

History = Sequence[Answer]
"""One card's answers: time, SM-2 grade 0–5 and the user's review day."""


@dataclass(frozen=True, slots=True)
class Fit:
    """The parameters to use and how they came about.

    ``fitted`` is False when there were fewer than :data:`MIN_REVIEWS` answers
    and ``parameters`` are the defaults; ``reviews`` counts the answers read
    and ``items`` the training items made from them.
    """

    parameters: tuple[float, ...]
    reviews: int
    items: int
    fitted: bool


def _items_of(history: History) -> list[tuple[datetime, fsrs_rs_python.FSRSItem]]:
    ordered = sorted(history, key=lambda answer: answer.at)
    reviews: list[fsrs_rs_python.FSRSReview] = []
    items: list[tuple[datetime, fsrs_rs_python.FSRSItem]] = []
    previous: date | None = None
    for answer in ordered:
        elapsed = 0 if previous is None else (answer.day - previous).days
        reviews.append(fsrs_rs_python.FSRSReview(int(rating_for(answer.grade)), elapsed))
        if elapsed > 0:
            items.append((answer.at, fsrs_rs_python.FSRSItem(list(reviews))))
        previous = answer.day
    return [(at, item) for at, item in items if item.long_term_review_cnt() > 0]


def _within_bounds(parameters: Sequence[float]) -> tuple[float, ...]:
    # fsrs-rs computes in 32-bit floats; keep each value inside py-fsrs's bounds.
    lower = fsrs.scheduler.LOWER_BOUNDS_PARAMETERS
    upper = fsrs.scheduler.UPPER_BOUNDS_PARAMETERS
    return tuple(
        min(max(float(value), low), high)
        for value, low, high in zip(parameters, lower, upper, strict=True)
    )


def fit_parameters(
    histories: Collection[History], *, progress: Progress | None = None
) -> Fit:
    """FSRS parameters fitted to these cards' answers, one history per card (the defaults
    below the threshold)."""
    report = progress or (lambda _stage, _done, _total: None)
    reviews = sum(len(history) for history in histories)
    if reviews < MIN_REVIEWS:
        report("too few reviews", reviews, MIN_REVIEWS)
        return Fit(DEFAULT_PARAMETERS, reviews, 0, fitted=False)
    dated: list[tuple[datetime, fsrs_rs_python.FSRSItem]] = []
    total = len(histories)
    for done, history in enumerate(histories, start=1):
        dated.extend(_items_of(history))
        if done % 100 == 0 or done == total:
            report("reading cards", done, total)
    dated.sort(key=lambda pair: pair[0])
    items = [item for _at, item in dated]
    if not items:
        return Fit(DEFAULT_PARAMETERS, reviews, 0, fitted=False)
    report("fitting", 0, 1)
    fitted = fsrs_rs_python.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items)
    report("fitting", 1, 1)
    return Fit(_within_bounds(fitted), reviews, len(items), fitted=True)
