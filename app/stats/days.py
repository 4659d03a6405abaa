"""The user's day, in Python and in SQL: why a statistic falls on one day or the next.

The user's day runs from ``User.day_start_hour`` to the same hour the next day
in ``User.timezone``. SQL gives every timestamp a day number
``(epoch seconds + shift) / 86400``, where the shift (UTC offset minus the day
start) comes from a ``CASE`` over the few intervals of constant UTC offset in
the range, computed in Python from the time zone: exact across DST changes and
for half-hour zones, the same on SQLite and PostgreSQL. :meth:`DayClock.day_of`
gives the same day for one instant in Python (the rollup written with each
answer uses it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app import caches
from app.db import UTCDateTime

EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()
DAY_SECONDS = 86400
_QUARTER = 900  # seconds
_UNKNOWN = -1 << 62  # not worked out yet (no shift is this far off)


class DaySettings(Protocol):
    """What the day's numbering reads of a user (a ``User`` or a row with these columns)."""

    @property
    def timezone(self) -> str: ...
    @property
    def day_start_hour(self) -> int: ...


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
        return to_date(self.number_of(at))

    def number_of(self, at: datetime) -> int:
        """The user's day that ``at`` falls in, as a day number (what SQL computes)."""
        return (int(at.timestamp()) + self.shift(at)) // DAY_SECONDS

    def numbering(self) -> Callable[[datetime], int]:
        """:meth:`number_of` for many instants (a bulk of answers): each UTC quarter-hour's
        shift is worked out once. Offsets change at most once in a quarter-hour, so the
        shift at its first and last second tell whether one shift holds all through it;
        a quarter-hour with a change in it is worked out instant by instant."""
        shifts: dict[int, int | None] = {}

        def number(at: datetime) -> int:
            seconds = at.timestamp()
            quarter = int(seconds // _QUARTER)
            shift = shifts.get(quarter, _UNKNOWN)
            if shift == _UNKNOWN:
                start = quarter * _QUARTER
                first = self.shift(datetime.fromtimestamp(start, UTC))
                last = self.shift(datetime.fromtimestamp(start + _QUARTER - 1, UTC))
                shift = shifts[quarter] = first if first == last else None
            if shift is None:
                shift = self.shift(at)
            return (int(seconds) + shift) // DAY_SECONDS

        return number

    def day_start(self, day: date) -> datetime:
        """The UTC instant the user's ``day`` begins."""
        local = datetime(day.year, day.month, day.day, self.day_start_hour, tzinfo=self.zone)
        return local.astimezone(UTC)

    def segments(self, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        """``(until, shift)`` pairs covering [start, end): the shift holds before ``until``.

        The range is widened to whole UTC days (so that the answer can be
        cached); the last pair's ``until`` is its end.
        """
        first = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        last = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return list(_segments(self, first, last + timedelta(days=1)))


@functools.lru_cache(maxsize=256)
def _segments(clock: DayClock, start: datetime, end: datetime) -> tuple[tuple[datetime, int], ...]:
    """Offsets probed every twelve hours, each change located to the second by bisection
    (a page's two-year range costs milliseconds: kept, see :mod:`app.caches`)."""
    pairs: list[tuple[datetime, int]] = []
    current = clock.shift(start)
    step = timedelta(hours=12)
    probe = start
    while probe < end:
        nxt = min(probe + step, end)
        if clock.shift(nxt) != current:
            low, high = probe, nxt
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                if clock.shift(mid) == current:
                    low = mid
                else:
                    high = mid
            change = high.replace(microsecond=0)
            pairs.append((change, current))
            current = clock.shift(change)
        probe = nxt
    pairs.append((end, current))
    return tuple(pairs)


caches.register(
    "day offsets", "app.stats.days._segments",
    holds="a time zone's UTC offsets over a range of days, per (clock, range)",
    invalidated_by="nothing: a function of its arguments (the zone database is read once)",
    clear=_segments.cache_clear,
)


def clock_for(user: DaySettings) -> DayClock:
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


def to_date(number: int) -> date:
    """A day number from :func:`day_number` as a date (called for every grouped row:
    the cheapest way, no cache needed)."""
    return date.fromordinal(_EPOCH_ORDINAL + int(number))


def to_number(day: date) -> int:
    """A date as a day number (days since 1970-01-01)."""
    return day.toordinal() - _EPOCH_ORDINAL
