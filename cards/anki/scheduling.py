"""Carrying wengu's scheduling state (SM-2's, and FSRS's memory) and review history
into the package.

genanki writes every card as new; :func:`with_scheduling` post-processes the
package's collection (the SQLite database, before it is zipped):

- the collection's creation time ``crt`` is the start of the user's review
  day that contains :attr:`Schedule.created`, with the user's day-start hour
  as Anki's ``rollover`` and the UTC offset as its ``creationOffset``, so
  Anki counts days the way wengu does;
- a card wengu has answered becomes a review card (type and queue 2) with
  ``ivl`` = the interval, ``due`` = its due day counted from the creation
  day (Anki shifts it into the importing collection's days on import),
  ``factor`` = EF × 1000 (wengu keeps EF in hundredths: 250 → 2500),
  ``reps`` = the number of answers in its history (Anki counts every review
  there, where SM-2's repetition count restarts at each lapse) and
  ``lapses``; a new card stays new; a suspended card keeps its
  type and gets queue −1;
- a card with an FSRS memory state carries it in the card's ``data`` column
  as Anki keeps it (``{"s": stability, "d": difficulty, "dr": desired
  retention, "decay": decay}``, rounded as Anki rounds them), so that Anki
  with FSRS turned on continues from it;
- each answer becomes a ``revlog`` row: Anki's buttons Again/Hard/Good/Easy
  for SM-2 grades 0–2/3/4/5, the interval before and after, the ease, the
  time taken (capped at Anki's 60 s) and the kind (learning for a new card's
  answers and same-day repeats, review, relearning for repeats after a lapse).

Anki keeps all this only when the package is imported with its scheduling
("Import any learning progress").
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from cards.anki.records import ExportCard, ExportReview, PlacedCard

__all__ = [
    "ANKI_MAX_ANSWER_MS",
    "Schedule",
    "anki_ease",
    "fsrs_card_data",
    "review_day",
    "with_scheduling",
]

ANKI_MAX_ANSWER_MS = 60_000
"""Anki caps the time taken per answer at 60 seconds."""

# Anki's card types and queues, and its revlog kinds.
_TYPE_NEW, _TYPE_REVIEW = 0, 2
_QUEUE_NEW, _QUEUE_REVIEW, _QUEUE_SUSPENDED = 0, 2, -1
_LOG_LEARN, _LOG_REVIEW, _LOG_RELEARN = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the package's collection is created, and how the user's days run.

    ``created`` is normally the export time; ``tz`` and ``day_start_hour``
    are the user's time zone and the hour their review day starts.
    """

    created: datetime
    tz: tzinfo
    day_start_hour: int = 4

    def __post_init__(self) -> None:
        if self.created.tzinfo is None:
            raise ValueError("created must be an aware datetime")
        if not 0 <= self.day_start_hour <= 23:
            raise ValueError(f"day_start_hour must be 0 to 23, not {self.day_start_hour}")


def review_day(moment: datetime, tz: tzinfo, day_start_hour: int) -> date:
    """The user's review day that ``moment`` falls in (before the start hour: the day before)."""
    local = moment.astimezone(tz)
    day = local.date()
    return day - timedelta(days=1) if local.hour < day_start_hour else day


def anki_ease(grade: int) -> int:
    """Anki's button (1 Again, 2 Hard, 3 Good, 4 Easy) for an SM-2 grade 0–5."""
    if grade < 3:
        return 1
    return grade - 1


def fsrs_card_data(card: ExportCard) -> str:
    """The card's ``data`` column: its FSRS memory state as Anki stores it, or empty
    (as genanki leaves it) for a card without one."""
    if card.stability is None or card.difficulty is None:
        return ""
    data: dict[str, float] = {"s": round(card.stability, 2), "d": round(card.difficulty, 3)}
    if card.desired_retention is not None:
        data["dr"] = round(card.desired_retention, 2)
    if card.decay is not None:
        data["decay"] = round(card.decay, 3)
    return json.dumps(data)


def _log_kind(review: ExportReview) -> int:
    if review.repeat:
        return _LOG_RELEARN if review.lapses_before > 0 else _LOG_LEARN
    return _LOG_LEARN if review.was_new else _LOG_REVIEW


def with_scheduling(
    connection: sqlite3.Connection, placed: Sequence[PlacedCard], schedule: Schedule
) -> int:
    """Write the cards' SM-2 state and history into the package's collection.

    Returns the number of revlog rows written. New-card positions, written
    when the collection was built, are kept.
    """
    first_day = review_day(schedule.created, schedule.tz, schedule.day_start_hour)
    crt_local = datetime.combine(first_day, time(schedule.day_start_hour), tzinfo=schedule.tz)
    offset = crt_local.utcoffset() or timedelta(0)
    (conf_text,) = connection.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(conf_text)
    conf.update({
        "schedVer": 2,
        "rollover": schedule.day_start_hour,
        "creationOffset": -int(offset.total_seconds() // 60),
        "nextPos": len(placed) + 1,
    })
    connection.execute(
        "UPDATE col SET crt = ?, conf = ?", (int(crt_local.timestamp()), json.dumps(conf))
    )

    card_rows = []
    log_rows: list[tuple[int, ...]] = []
    for item in placed:
        card = item.card
        if card.due is not None:
            due_day = review_day(card.due, schedule.tz, schedule.day_start_hour)
            card_rows.append((
                _TYPE_REVIEW, _QUEUE_SUSPENDED if card.suspended else _QUEUE_REVIEW,
                (due_day - first_day).days, max(1, card.interval_days), card.ef * 10,
                len(card.reviews), card.lapses, fsrs_card_data(card), item.card_id,
            ))
        for review in card.reviews:
            log_rows.append((
                int(review.reviewed_at.timestamp() * 1000), item.card_id, -1,
                anki_ease(review.grade), review.interval_after, review.interval_before,
                review.ef_after * 10,
                min(max(review.duration_ms or 0, 0), ANKI_MAX_ANSWER_MS), _log_kind(review),
            ))
    connection.executemany(
        "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, lapses = ?,"
        " data = ? WHERE id = ?",
        card_rows,
    )
    # A revlog id is the answer's time in ms; answers at the same ms move up one by one.
    log_rows.sort(key=lambda row: row[0])
    previous = None
    for i, row in enumerate(log_rows):
        if previous is not None and row[0] <= previous:
            log_rows[i] = (previous + 1, *row[1:])
        previous = log_rows[i][0]
    connection.executemany("INSERT INTO revlog VALUES(?,?,?,?,?,?,?,?,?)", log_rows)
    connection.commit()
    return len(log_rows)
