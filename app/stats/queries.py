"""The statistics page's figures, aggregated in SQL and grouped by the user's day.

The user's day runs from ``User.day_start_hour`` to the same hour the next day
in ``User.timezone``. SQL gives every timestamp a day number
``(epoch seconds + shift) / 86400``, where the shift (UTC offset minus the day
start) comes from a ``CASE`` over the few intervals of constant UTC offset in
the range, computed in Python from the time zone: exact across DST changes and
for half-hour zones, the same on SQLite and PostgreSQL, and no review is ever
loaded into Python, only the grouped rows.

Reviews are classified from their before-state (documented in README):

- ``repeat``: a same-day repeat (kind ``repeat``);
- ``new``: the card's first answer (reps, lapses and interval before all 0);
- ``learning``: a card on its first steps or relearning after a lapse
  (interval before <= 1 day and reps before <= 1);
- ``review``: every other answer. Young: interval before < 21 days; mature: >= 21.

A review that an ``undo`` row points at does not count. Undo rows are rare, so
each aggregate is computed over all answers and the undone answers' own
aggregate is subtracted from it.

Days that have ended (and are more than two hours behind) never change, since
reviews are append-only: their aggregates are kept in ``review_day_stats`` and
extended on each visit (see :func:`refresh_rollup`); only the current day and
new rows are aggregated live.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.db import UTCDateTime
from app.models import Card, Deck, NoteSource, Review, ReviewDayStat, ReviewStatsMark, User

EPOCH = date(1970, 1, 1)
DAY_SECONDS = 86400
MATURE_DAYS = 21
CLASSES = ("new", "learning", "review", "repeat")
NEW, LEARNING, REVIEW, REPEAT = range(4)
CARD_STATES = ("new", "learning", "young", "mature", "suspended", "needs_answer", "retired")
PERIODS = {"1m": 30, "3m": 91, "1y": 365, "all": None}
HEATMAP_DAYS = 365
ROLLUP_MARGIN = timedelta(hours=2)
INTERVAL_BUCKETS = ((0, 0), (1, 1), (2, 2), (3, 6), (7, 13), (14, 20), (21, 59), (60, 179),
                    (180, 364), (365, None))


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a UTC timestamp column."""

    type = Integer()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds)
def _epoch_default(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@dataclass(frozen=True)
class DayClock:
    """The user's day: a time zone and the hour the day starts at."""

    timezone: str
    day_start_hour: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def shift(self, at: datetime) -> int:
        """Seconds to add to a UTC time so that whole days fall on the user's days."""
        offset = at.astimezone(self.zone).utcoffset() or timedelta(0)
        return int(offset.total_seconds()) - self.day_start_hour * 3600

    def day_of(self, at: datetime) -> date:
        """The user's day that ``at`` falls in."""
        seconds = int(at.timestamp()) + self.shift(at)
        return EPOCH + timedelta(days=seconds // DAY_SECONDS)

    def day_start(self, day: date) -> datetime:
        """The UTC instant the user's ``day`` begins."""
        local = datetime(day.year, day.month, day.day, self.day_start_hour, tzinfo=self.zone)
        return local.astimezone(UTC)

    def segments(self, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        """``(until, shift)`` pairs covering [start, end): the shift holds before ``until``.

        The range is widened to whole UTC days (so that the answer can be
        cached); the last pair's ``until`` is its end. Offsets are probed every
        twelve hours and each change is located to the second by bisection.
        """
        first = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        last = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return list(self._segments(first, last + timedelta(days=1)))

    @functools.lru_cache(maxsize=256)  # noqa: B019 (the clocks are few, and immutable)
    def _segments(self, start: datetime, end: datetime) -> tuple[tuple[datetime, int], ...]:
        pairs: list[tuple[datetime, int]] = []
        current = self.shift(start)
        step = timedelta(hours=12)
        probe = start
        while probe < end:
            nxt = min(probe + step, end)
            if self.shift(nxt) != current:
                low, high = probe, nxt
                while high - low > timedelta(seconds=1):
                    mid = low + (high - low) / 2
                    if self.shift(mid) == current:
                        low = mid
                    else:
                        high = mid
                change = high.replace(microsecond=0)
                pairs.append((change, current))
                current = self.shift(change)
            probe = nxt
        pairs.append((end, current))
        return tuple(pairs)


def clock_for(user: User) -> DayClock:
    """The :class:`DayClock` of ``user``'s settings."""
    return DayClock(user.timezone or "UTC", user.day_start_hour)


def day_number(column: Any, segments: Sequence[tuple[datetime, int]]) -> ColumnElement[int]:
    """SQL: the user's day of ``column`` as days since 1970-01-01 (integer arithmetic)."""
    if len(segments) == 1:
        shift: ColumnElement[int] = literal(segments[0][1], Integer)
    else:
        whens = [(column < literal(until, UTCDateTime()), value) for until, value in segments[:-1]]
        shift = case(*whens, else_=segments[-1][1])
    return (epoch_seconds(column) + shift) // DAY_SECONDS


@functools.lru_cache(maxsize=8192)
def to_date(number: int) -> date:
    """A day number from :func:`day_number` as a date."""
    return EPOCH + timedelta(days=int(number))


def to_number(day: date) -> int:
    """A date as a day number (days since 1970-01-01)."""
    return (day - EPOCH).days


# -- reviews -----------------------------------------------------------------------------

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


def _group_reviews(
    session: Session,
    segments: Sequence[tuple[datetime, int]],
    *conditions: Any,
    keep: ColumnElement[bool] | None = None,
    since: date | None = None,
) -> Groups:
    """Answers matching ``conditions`` grouped by (day, class, mature, grade).

    Answers for which ``keep`` is false, and days before ``since``, are
    dropped after grouping: the planner sees only the conditions meant for
    its index (SQLite otherwise takes a primary-key range over the whole
    table for ``id <= n``).
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
        when = to_date(number)
        if not kept or (since is not None and when < since):
            continue
        groups[(when, int(klass), bool(mat), int(grade))] = [int(count), int(ms or 0)]
    return groups


def _undone_ids() -> Any:
    # Only undo rows point at other reviews; the outer query keeps the user's own.
    return select(Review.undoes_id).where(Review.undoes_id.is_not(None))


def _history_segments(
    session: Session, user_id: int, clock: DayClock, now: datetime
) -> list[tuple[datetime, int]] | None:
    first = session.scalar(select(func.min(Review.reviewed_at)).where(Review.user_id == user_id))
    if first is None:
        return None
    return clock.segments(min(first, now) - timedelta(days=1), now + timedelta(days=2))


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

    ``card_ids`` (a subquery) limits them to some cards, which bypasses the
    rollup; ``since`` drops earlier days. Undone answers are left out.
    """
    totals = ReviewTotals()
    segments = _history_segments(session, user_id, clock, now)
    if segments is None:
        return totals
    scope: list[Any] = [Review.user_id == user_id]
    if card_ids is not None:
        scope.append(Review.card_id.in_(card_ids))
    if since is not None:
        scope.append(Review.reviewed_at >= clock.day_start(since))
    if card_ids is None and use_rollup:
        sealed_until, last_id = _read_rollup(session, user_id, clock, since, detail_since,
                                             totals)
        if sealed_until is None:
            totals.fold(_group_reviews(session, segments, *scope), detail_since)
        else:
            # The open days (an index range on time), then the answers stored since the
            # rollup with an older time (a primary-key range).
            start = sealed_until
            if since is not None:
                start = max(start, clock.day_start(since))
            today = [Review.user_id == user_id, Review.reviewed_at >= start]
            totals.fold(_group_reviews(session, segments, *today), detail_since)
            late = _group_reviews(
                session, segments, Review.id > last_id,
                keep=and_(Review.user_id == user_id, Review.reviewed_at < sealed_until),
                since=since,
            )
            totals.fold(late, detail_since)
    else:
        totals.fold(_group_reviews(session, segments, *scope), detail_since)
    # Looked up by primary key; the scope is checked on the few rows found.
    undone = _group_reviews(session, segments, Review.id.in_(_undone_ids()), keep=and_(*scope))
    totals.fold(undone, detail_since, -1)
    return totals.pruned()


# -- the rollup of closed days --------------------------------------------------------------


class StaleRollup(RuntimeError):
    """Another request extended the rollup at the same time; retry."""


def _read_rollup(
    session: Session, user_id: int, clock: DayClock, since: date | None,
    detail_since: date | None, into: ReviewTotals,
) -> tuple[datetime | None, int]:
    """Add the sealed days to ``into`` (aggregated in SQL); returns the seal and last id."""
    mark = session.get(ReviewStatsMark, user_id)
    if mark is None or (mark.timezone, mark.day_start_hour) != (
        clock.timezone, clock.day_start_hour
    ):
        return None, 0
    stat = ReviewDayStat
    connection = session.connection()
    per_day = select(stat.day, func.sum(stat.reviews)).where(stat.user_id == user_id)
    if since is not None:
        per_day = per_day.where(stat.day >= to_number(since))
    for day, count in connection.execute(per_day.group_by(stat.day)).all():
        into.per_day[to_date(day)] = int(count)
    correct = case((stat.grade >= 3, 1), else_=0).label("correct")
    detail = (
        select(stat.day, stat.review_class, stat.mature, correct, func.sum(stat.reviews),
               func.sum(stat.duration_ms))
        .where(stat.user_id == user_id)
        .group_by(stat.day, stat.review_class, stat.mature, correct)
    )
    if detail_since is not None:
        detail = detail.where(stat.day >= to_number(detail_since))
    for day, cls, mature, right, count, ms in connection.execute(detail).all():
        into.days[(to_date(day), cls, bool(mature), bool(right))] = [int(count), int(ms)]
    buttons = (
        select(stat.review_class, stat.mature, stat.grade, func.sum(stat.reviews))
        .where(stat.user_id == user_id)
        .group_by(stat.review_class, stat.mature, stat.grade)
    )
    if detail_since is not None:
        buttons = buttons.where(stat.day >= to_number(detail_since))
    for cls, mature, grade, count in connection.execute(buttons).all():
        into.buttons[(cls, bool(mature), grade)] = int(count)
    return mark.sealed_until, mark.last_review_id


def refresh_rollup(session: Session, user: User, now: datetime) -> bool:
    """Extend ``review_day_stats`` to the user's days that ended two hours ago or more.

    Adds (never recounts) the answers between the old and the new seal, plus any
    answer with an older time inserted since (an import of old history). A
    change of time zone or day start rebuilds it. Flushes, never commits;
    raises :class:`StaleRollup` when another request moved the mark first.
    Returns whether anything changed.
    """
    clock = clock_for(user)
    seal = clock.day_start(clock.day_of(now - ROLLUP_MARGIN))
    last_id = session.scalar(select(func.max(Review.id))) or 0
    mark = session.get(ReviewStatsMark, user.id)
    if mark is not None and (mark.timezone, mark.day_start_hour) != (
        clock.timezone, clock.day_start_hour
    ):
        session.execute(delete(ReviewDayStat).where(ReviewDayStat.user_id == user.id))
        session.delete(mark)
        session.flush()
        mark = None
    if mark is not None and mark.sealed_until >= seal and mark.last_review_id >= last_id:
        return False
    segments = _history_segments(session, user.id, clock, now)
    counted = Review.id <= last_id
    if mark is None:
        added = (
            _group_reviews(session, segments, Review.user_id == user.id,
                           Review.reviewed_at < seal, keep=counted)
            if segments else {}
        )
        session.add(ReviewStatsMark(
            user_id=user.id, timezone=clock.timezone, day_start_hour=clock.day_start_hour,
            sealed_until=seal, last_review_id=last_id,
        ))
        session.flush()
    else:
        old_seal, old_id = mark.sealed_until, mark.last_review_id
        new_seal = max(seal, old_seal)
        added = {}
        if segments is not None:  # None: the user has no answers yet, only the mark moves
            # The days sealed now (a time range), and answers stored since the last
            # extension with an earlier time (a primary-key range).
            added = _group_reviews(
                session, segments, Review.user_id == user.id, Review.reviewed_at >= old_seal,
                Review.reviewed_at < new_seal, keep=counted,
            )
            for key, row in _group_reviews(
                session, segments, Review.id > old_id,
                keep=and_(Review.user_id == user.id, Review.reviewed_at < old_seal, counted),
            ).items():
                total = added.setdefault(key, [0, 0])
                total[0] += row[0]
                total[1] += row[1]
        moved = session.execute(
            update(ReviewStatsMark)
            .where(ReviewStatsMark.user_id == user.id,
                   ReviewStatsMark.sealed_until == old_seal,
                   ReviewStatsMark.last_review_id == old_id)
            .values(sealed_until=new_seal, last_review_id=max(last_id, old_id))
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleRollup(user.id)
        session.expire(mark)
    _upsert(session, user.id, added)
    session.flush()
    return True


def _upsert(session: Session, user_id: int, groups: Groups) -> None:
    if not groups:
        return
    keys = list(groups)
    days = sorted({to_number(key[0]) for key in keys})
    existing = {
        (to_date(day), int(cls), bool(mature), int(grade))
        for day, cls, mature, grade in session.execute(
            select(ReviewDayStat.day, ReviewDayStat.review_class, ReviewDayStat.mature,
                   ReviewDayStat.grade)
            .where(ReviewDayStat.user_id == user_id, ReviewDayStat.day >= days[0],
                   ReviewDayStat.day <= days[-1])
        )
    }
    fresh = []
    for key in keys:
        count, ms = groups[key]
        if key in existing:
            day, cls, mature, grade = key
            session.execute(
                update(ReviewDayStat)
                .where(ReviewDayStat.user_id == user_id, ReviewDayStat.day == to_number(day),
                       ReviewDayStat.review_class == cls, ReviewDayStat.mature == mature,
                       ReviewDayStat.grade == grade)
                .values(reviews=ReviewDayStat.reviews + count,
                        duration_ms=ReviewDayStat.duration_ms + ms)
                .execution_options(synchronize_session=False)
            )
        else:
            fresh.append({"user_id": user_id, "day": to_number(key[0]), "review_class": key[1],
                          "mature": key[2], "grade": key[3], "reviews": count,
                          "duration_ms": ms})
    if fresh:
        session.execute(insert(ReviewDayStat), fresh)


# -- cards ---------------------------------------------------------------------------------


def deck_subtree(session: Session, user_id: int, deck_id: int) -> list[int] | None:
    """The ids of ``deck_id`` and its sub-decks, or None if the user has no such deck."""
    rows = session.execute(select(Deck.id, Deck.parent_id).where(Deck.user_id == user_id)).all()
    children: dict[int | None, list[int]] = defaultdict(list)
    ids = set()
    for ident, parent in rows:
        children[parent].append(ident)
        ids.add(ident)
    if deck_id not in ids:
        return None
    found, todo = [], [deck_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return sorted(found)


def _live_cards(user_id: int, deck_ids: Sequence[int] | None) -> list[Any]:
    conditions: list[Any] = [Card.user_id == user_id, Card.deleted_at.is_(None)]
    if deck_ids is not None:
        conditions.append(Card.deck_id.in_(deck_ids))
    return conditions


def _due_conditions(user_id: int, deck_ids: Sequence[int] | None) -> list[Any]:
    return [
        *_live_cards(user_id, deck_ids), Card.retired_at.is_(None),
        Card.suspended.is_(False), Card.needs_answer.is_(False), Card.due.is_not(None),
    ]


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
        *_due_conditions(user_id, deck_ids), Card.due < start
    ).group_by(mature)
    for mat, count in session.execute(overdue):
        counts[today][int(mat)] += int(count)
    # One integer key (day number * 2 + mature) groups faster than two.
    key = (day_number(Card.due, clock.segments(start, end)) * 2 + mature).label("key")
    upcoming = select(key, func.count()).where(
        *_due_conditions(user_id, deck_ids), Card.due >= start, Card.due < end
    ).group_by(key)
    for packed, count in session.execute(upcoming).all():
        number, mat = divmod(int(packed), 2)
        counts[to_date(number)][mat] += int(count)
    return [(day_, young, old) for day_, (young, old) in counts.items()]


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
    stmt = select(key, func.count()).where(*_live_cards(user_id, deck_ids)).group_by(key)
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


@dataclass(frozen=True)
class HardCard:
    """A card the user struggles with."""

    id: int
    front: str
    lapses: int
    ef: int
    reps: int
    source_path: str | None
    line: int | None


def hardest_cards(
    session: Session, user_id: int, deck_ids: Sequence[int] | None = None, limit: int = 10
) -> tuple[list[HardCard], list[HardCard]]:
    """The cards with the most lapses, and the answered cards with the lowest E-factor."""
    base = select(Card.id).where(*_live_cards(user_id, deck_ids), Card.retired_at.is_(None))
    most_lapses = base.where(Card.lapses > 0).order_by(Card.lapses.desc(), Card.ef, Card.id)
    lowest_ef = base.where(Card.due.is_not(None), Card.ef < 250).order_by(
        Card.ef, Card.lapses.desc(), Card.id
    )
    # The ids come from the covering index alone; then the few rows' text and note.
    lapse_ids = list(session.scalars(most_lapses.limit(limit)))
    ef_ids = list(session.scalars(lowest_ef.limit(limit)))
    details = {
        row[0]: HardCard(*row)
        for row in session.execute(
            select(Card.id, Card.front, Card.lapses, Card.ef, Card.reps, NoteSource.path,
                   Card.line)
            .outerjoin(NoteSource, NoteSource.id == Card.source_id)
            .where(Card.id.in_(lapse_ids + ef_ids))
        )
    }
    return [details[i] for i in lapse_ids], [details[i] for i in ef_ids]


# -- the card figures, cached against the user's cards_version -------------------------------


@dataclass(frozen=True)
class CardSnapshot:
    """Everything the page shows that comes from the cards table (not from reviews)."""

    cards: CardFigures
    most_lapses: list[HardCard]
    lowest_ef: list[HardCard]
    due: list[tuple[date, int, int]]  # forecast: (day, young, mature)


CARD_CACHE_SIZE = 64
REVIEW_CACHE_SIZE = 64


class EngineLRU:
    """A small LRU per database engine, shared by the process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._caches: weakref.WeakKeyDictionary[Engine, OrderedDict[tuple[Any, ...], Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, engine: Engine, key: tuple[Any, ...]) -> Any:
        """The entry under ``key``, or None."""
        with self._lock:
            cache = self._caches.setdefault(engine, OrderedDict())
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            return found

    def put(self, engine: Engine, key: tuple[Any, ...], value: Any) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond the size."""
        with self._lock:
            cache = self._caches.setdefault(engine, OrderedDict())
            cache[key] = value
            cache.move_to_end(key)
            while len(cache) > self.size:
                cache.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._caches.clear()


_card_cache = EngineLRU(CARD_CACHE_SIZE)
_review_cache = EngineLRU(REVIEW_CACHE_SIZE)

Version = tuple[int, datetime | None]


def cards_version(session: Session, user_id: int) -> tuple[int, datetime | None]:
    """The user's ``cards_version`` as stored now (never the loaded object's copy).

    With the user's creation time: a user id that SQLite hands out again after
    a deletion then never meets the old user's cached figures.
    """
    row = session.execute(
        select(User.cards_version, User.created_at).where(User.id == user_id)
    ).first()
    return (0, None) if row is None else (int(row[0]), row[1])


def card_snapshot(
    session: Session, user_id: int, clock: DayClock, now: datetime, span: int,
    deck_ids: Sequence[int] | None = None, *, version: Version | None = None,
) -> CardSnapshot:
    """The card figures, the hardest cards and the forecast, cached per collection state.

    The key is the user's ``cards_version`` (bumped in the same transaction as
    any change to their cards, see :func:`app.models.bump_cards_version`), the
    deck filter, the forecast span and the user's day and day settings (the
    forecast depends on the time only through today). The version is read
    before the figures, so figures cached under a version are never older
    than it (pass ``version`` when it was just read with :func:`cards_version`).
    A small LRU per database engine, shared by the process's threads.
    """
    if version is None:
        version = cards_version(session, user_id)
    key = (user_id, None if deck_ids is None else tuple(deck_ids), version, span,
           clock.timezone, clock.day_start_hour, clock.day_of(now))
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    found: CardSnapshot | None = _card_cache.get(engine, key)
    if found is not None:
        return found
    most_lapses, lowest_ef = hardest_cards(session, user_id, deck_ids)
    snapshot = CardSnapshot(
        cards=card_figures(session, user_id, deck_ids),
        most_lapses=most_lapses,
        lowest_ef=lowest_ef,
        due=forecast(session, user_id, clock, now, span, deck_ids),
    )
    _card_cache.put(engine, key, snapshot)
    return snapshot


def latest_review_id(session: Session, user_id: int) -> int:
    """The id of the user's newest review row (0 without any); one index probe."""
    return session.scalar(select(func.max(Review.id)).where(Review.user_id == user_id)) or 0


def review_snapshot(
    session: Session, user_id: int, clock: DayClock, now: datetime, period: str,
    deck_ids: Sequence[int] | None = None, *, version: Version | None = None,
) -> ReviewFigures:
    """The page's answer figures for ``period``, cached per collection state.

    Reviews are append-only (an undo is a new row), and a new row gets an id
    above every row stored before, so the user's latest review id changes with
    every answer and undo. The key is that id, the deck filter, the period,
    the user's day and day settings (the figures depend on the time only
    through today) and the user's creation time; with a deck filter also the
    user's ``cards_version``, since the filter reads the cards' decks (a card
    moved to another deck moves its answers). Both are read before the figures.
    """
    if version is None:
        version = cards_version(session, user_id)
    if deck_ids is None:
        version = (0, version[1])  # the answers alone: card changes do not matter
    latest = latest_review_id(session, user_id)
    today = clock.day_of(now)
    key = (user_id, None if deck_ids is None else tuple(deck_ids), version, latest, period,
           clock.timezone, clock.day_start_hour, today)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    found: ReviewFigures | None = _review_cache.get(engine, key)
    if found is not None:
        return found
    since = detail_since = None
    if PERIODS[period] is not None:
        detail_since = period_start(period, today)
        since = min(detail_since, today - timedelta(days=HEATMAP_DAYS - 1))
    card_ids = None
    if deck_ids is not None:
        card_ids = select(Card.id).where(Card.user_id == user_id, Card.deck_id.in_(deck_ids))
    totals = review_totals(session, user_id, clock, now, card_ids=card_ids, since=since,
                           detail_since=detail_since)
    figures = review_figures(totals, today, period)
    _review_cache.put(engine, key, figures)
    return figures


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
        *_due_conditions(user_id, None), Card.due < end
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


# -- the figures the page shows, from the grouped rows ---------------------------------------


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
