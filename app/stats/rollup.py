"""The ``review_day_stats`` rollup: answers counted per user's day, written with each answer.

The statistics page reads the user's answers from this table alone, so that
viewing it writes nothing and costs the same with ten years of history as
with one. Each row counts the user's answers on one of their days by class,
maturity and grade (:mod:`app.stats.history`), with their time taken.

It stays exact because it is written in the same transaction as what it is
derived from: every code path that appends review rows calls :func:`record`
(an undo takes its answer back out, ``undone=True``). Its day numbers depend
on a time zone and day start, so ``review_stats_marks`` says which ones the
rollup counts for, and :func:`record` counts on those days: a user's mark is
made with the user (counting nothing), :func:`rebuild` counts the history
again for the user's current settings (the settings page calls it when they
change; ``wengu stats rebuild`` and ``wengu db upgrade`` for databases that
predate the rollup, where no mark exists and :func:`record` counts nothing).
A reader finding no mark for the user's settings counts the history instead
(:func:`app.stats.figures.review_totals`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    Table,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Mapper, QueryableAttribute, Session

from app import caches
from app.models import Review, ReviewDayStat, ReviewStatsMark, User
from app.stats.days import DayClock, clock_for, to_date, to_number
from app.stats.history import ReviewTotals, class_of, counted_groups, history_segments, is_mature

__all__ = ["UNREAD", "UPSERT_SQL", "clock_of", "is_current", "mark_columns", "read",
           "rebuild", "record", "stale_users", "upsert_params"]

# One statement per answer, on both backends (``:name`` parameters).
UPSERT_SQL = (
    "INSERT INTO review_day_stats"
    " (user_id, day, review_class, mature, grade, reviews, duration_ms)"
    " VALUES (:user_id, :day, :review_class, :mature, :grade, :reviews, :duration_ms)"
    " ON CONFLICT (user_id, day, review_class, mature, grade) DO UPDATE SET"
    " reviews = review_day_stats.reviews + excluded.reviews,"
    " duration_ms = review_day_stats.duration_ms + excluded.duration_ms"
)
_UPSERT = text(UPSERT_SQL)
# Made once: building a statement costs more than running this one.
_MARK = select(ReviewStatsMark.timezone, ReviewStatsMark.day_start_hour).where(
    ReviewStatsMark.user_id == bindparam("uid"))

caches.register(
    "statistics rollup", "the review_day_stats table (app.stats.rollup)",
    holds="each user's answers per day by class, maturity and grade, for the day settings "
          "in review_stats_marks",
    invalidated_by="never stale: written in the answer's transaction (record); counted "
                   "again when the day settings change (rebuild)",
)
_COLUMNS = ("user_id", "kind", "grade", "reviewed_at", "reps_before", "lapses_before",
            "interval_before", "duration_ms")


def upsert_params(
    clock: DayClock, row: Review | Mapping[str, Any], *, undone: bool = False
) -> dict[str, Any] | None:
    """The parameters of :data:`UPSERT_SQL` for one review row (a ``Review`` or the
    values of one) counted on ``clock``'s days, or None for a row that counts nothing
    (an undo row)."""
    key = _group_key(clock.number_of, row)
    if key is None:
        return None
    sign = -1 if undone else 1
    return _params(key, sign, sign * key[5])


def _group_key(
    number_of: Callable[[datetime], int], row: Review | Mapping[str, Any]
) -> tuple[int, int, int, bool, int, int] | None:
    """(user, day, class, mature, grade, time taken) of one review row; None for an undo."""
    values = row if isinstance(row, dict) else (
        {name: row[name] for name in _COLUMNS} if isinstance(row, Mapping)
        else {name: getattr(row, name) for name in _COLUMNS})
    grade, kind = values["grade"], values["kind"]
    if grade is None or kind == "undo":
        return None
    interval = int(values["interval_before"])
    return (int(values["user_id"]), number_of(values["reviewed_at"]),
            class_of(kind, int(values["reps_before"]), int(values["lapses_before"]), interval),
            is_mature(interval), int(grade), int(values["duration_ms"] or 0))


def _params(key: tuple[int, int, int, bool, int, int], reviews: int, ms: int) -> dict[str, Any]:
    user_id, day, review_class, mature, grade, _ms = key
    return {"user_id": user_id, "day": day, "review_class": review_class, "mature": mature,
            "grade": grade, "reviews": reviews, "duration_ms": ms}


class _Unread(Enum):
    UNREAD = "unread"


UNREAD = _Unread.UNREAD
""":func:`record`'s ``clock`` when the caller has not read the user's mark."""


def mark_columns(
    user_id: ColumnElement[int] | QueryableAttribute[int],
) -> tuple[ScalarSelect[str], ScalarSelect[int]]:
    """The mark of the user ``user_id`` names, as two columns (time zone, day start hour;
    NULL when there is none) for a statement that reads other rows of the user: a
    writer that reads anyway hands them to :func:`record` (:func:`clock_of`), which
    then reads nothing itself."""
    mark = ReviewStatsMark
    return (
        select(mark.timezone).where(mark.user_id == user_id).scalar_subquery(),
        select(mark.day_start_hour).where(mark.user_id == user_id).scalar_subquery(),
    )


def clock_of(timezone: str | None, day_start_hour: int | None) -> DayClock | None:
    """The days the rollup counts on, from the columns of :func:`mark_columns` (None: no
    mark, nothing is counted)."""
    if timezone is None or day_start_hour is None:
        return None
    return DayClock(timezone, int(day_start_hour))


def record(
    session: Session, user_id: int, rows: Iterable[Review | Mapping[str, Any]],
    *, undone: bool = False, clock: DayClock | _Unread | None = UNREAD,
) -> None:
    """Count review rows just appended (or, ``undone=True``, answers an undo took back)
    into the user's rollup, in the caller's transaction, on the days of the settings
    the rollup is counted for (its mark). ``clock``: those days, when the caller read
    the mark in this transaction (:func:`mark_columns`; None: there is none). Never
    commits."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # what is pending first: the user's row is locked before this one
    connection = session.connection()  # Core: the session's statement handling costs more
    if clock is UNREAD:
        mark = connection.execute(_MARK, {"uid": user_id}).first()
        clock = None if mark is None else DayClock(mark[0], mark[1])
    if clock is None:  # nothing counted yet (a database from before): rebuild counts these
        return
    # Rows counted on the same day in the same group are added up first: a bulk
    # append (an imported history) costs one statement per group, not per answer.
    number_of = clock.numbering()
    groups: dict[tuple[int, int, int, bool, int], list[int]] = {}
    for row in rows:
        key = _group_key(number_of, row)
        if key is None:
            continue
        found = groups.get(key[:5])
        if found is None:
            groups[key[:5]] = [1, key[5]]
        else:
            found[0] += 1
            found[1] += key[5]
    if groups:
        sign = -1 if undone else 1
        connection.execute(_UPSERT, [_params((*key, 0), sign * count, sign * ms)
                                     for key, (count, ms) in groups.items()])


def is_current(session: Session, user_id: int, clock: DayClock) -> bool:
    """Whether the user's rollup counts every answer for these day settings."""
    mark = session.execute(
        select(ReviewStatsMark.timezone, ReviewStatsMark.day_start_hour)
        .where(ReviewStatsMark.user_id == user_id)
    ).first()
    return mark is not None and (mark[0], mark[1]) == (clock.timezone, clock.day_start_hour)


def read(
    session: Session, user_id: int, clock: DayClock, since: date | None,
    detail_since: date | None,
) -> ReviewTotals | None:
    """The user's answers per day from ``since`` and by class, maturity and grade from
    ``detail_since``, aggregated in SQL from the rollup; None if it is not current."""
    if not is_current(session, user_id, clock):
        return None
    into = ReviewTotals()
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
    return into.pruned()


def rebuild(session: Session, user: User, now: datetime) -> int:
    """Count the user's whole history again for their current day settings and mark
    the rollup current; returns how many answers it counts. Flushes, never commits."""
    clock = clock_for(user)
    session.execute(delete(ReviewDayStat).where(ReviewDayStat.user_id == user.id))
    session.execute(delete(ReviewStatsMark).where(ReviewStatsMark.user_id == user.id))
    segments = history_segments(session, user.id, clock, now)
    groups = {} if segments is None else counted_groups(session, user.id, segments)
    rows = [
        {"user_id": user.id, "day": to_number(day), "review_class": cls, "mature": mature,
         "grade": grade, "reviews": count, "duration_ms": ms}
        for (day, cls, mature, grade), (count, ms) in groups.items()
    ]
    if rows:
        session.execute(insert(ReviewDayStat), rows)
    session.execute(insert(ReviewStatsMark).values(
        user_id=user.id, timezone=clock.timezone, day_start_hour=clock.day_start_hour))
    return sum(count for count, _ms in groups.values())


def stale_users(session: Session) -> list[User]:
    """The users whose rollup is not current (none made yet, or other day settings)."""
    mark = ReviewStatsMark
    current = select(mark.user_id).where(
        mark.user_id == User.id, mark.timezone == User.timezone,
        mark.day_start_hour == User.day_start_hour,
    ).exists()
    return list(session.scalars(select(User).where(~current).order_by(User.id)))


@event.listens_for(User, "after_insert")
def _new_user_counts_nothing(_mapper: Mapper[User], connection: Connection, user: User) -> None:
    # A new user has no answers: their (empty) rollup is current from the start.
    connection.execute(cast(Table, ReviewStatsMark.__table__).insert().values(
        user_id=user.id, timezone=user.timezone or "UTC", day_start_hour=user.day_start_hour))
