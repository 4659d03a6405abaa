"""An answer straight from the queue snapshot, on the database driver's own connection.

Answering is the request a reviewer makes hundreds of times a day, and the
review page keeps it within about a millisecond. SQLAlchemy's session and
statement machinery alone cost that much for the four statements an answer
needs (load the login, move the user's ``cards_version`` on, append the
review row, store the card's state; a fifth reads the decks' schedulers when
they are not kept for the snapshot's version), so this path, and only this
path, runs them on the DB-API connection of the engine's pool, as fixed
statements written for both backends (``:name`` parameters, turned into
the driver's style by :func:`_sql`). The rules are not repeated here: the
new state and the review row come from :func:`app.review.answers.answer_values`
(the deck's scheduler, read by :data:`app.cards.scheduler_choice.SCHEDULERS_QUERY`),
and the next card from the snapshot.

It applies only when the user's queue snapshot (:mod:`app.review.snapshot`)
holds the card and this showing of it, and the user's ``cards_version`` is
still the snapshot's when the answer is written. Anything else (a stale
page, a second tab, another worker's change, a logged-out session) returns
None, writes nothing, and the caller answers the ordinary way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from flask import session as cookie

from app.cards.scheduler_choice import (
    SCHEDULERS_QUERY,
    remember,
    remembered,
    schedulers_from_rows,
)
from app.db import committed, get_engine, utcnow
from app.review.answers import answer_values, is_same_day_repeat, state_columns, stored
from app.review.snapshot import Snapshot, checkin, take

__all__ = ["LoginRow", "answer_in_snapshot"]

_USER = (
    "SELECT session_version, cards_version, timezone, day_start_hour, new_per_day,"
    " reviews_per_day FROM users WHERE id = :uid"
)
_BUMP = (
    "UPDATE users SET cards_version = cards_version + 1"
    " WHERE id = :uid AND cards_version = :known"
)


@cache
def _sql(statement: str, dialect: str) -> str:
    """``statement`` in the driver's parameter style (sqlite3 takes ``:name`` as is)."""
    if dialect == "sqlite":
        return statement
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", statement)


@cache
def _insert_review(columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO reviews ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + c for c in columns)}) RETURNING id")


@cache
def _update_card(columns: tuple[str, ...]) -> str:
    return (f"UPDATE cards SET {', '.join(f'{c} = :{c}' for c in columns)}"
            " WHERE id = :card_id")


def _bind(values: dict[str, Any], sqlite: bool) -> dict[str, Any]:
    """``values`` as the driver takes them: SQLite keeps times as naive UTC text, as
    SQLAlchemy writes them (``2026-05-04 10:00:00.000000``)."""
    if not sqlite:
        return values
    return {
        k: v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        if isinstance(v, datetime) else v
        for k, v in values.items()
    }


@dataclass(slots=True)
class LoginRow:
    """The user's columns the answer needs, read with the login check (a
    :class:`~app.review.queue.Reviewer`; an ORM object costs more to make than to read)."""

    id: int
    session_version: int
    cards_version: int
    timezone: str
    day_start_hour: int
    new_per_day: int
    reviews_per_day: int


def answer_in_snapshot(
    deck: int | None, card_id: int, grade: int, showing_id: str, duration_ms: int | None
) -> tuple[Snapshot, LoginRow] | None:
    """Record the answer if the user's snapshot vouches for this showing, and change
    the snapshot to match; the snapshot (checked out: the caller checks it in) and the
    user as read for it. None when the ordinary path must answer; nothing was written."""
    user_id, session_version = cookie.get("user_id"), cookie.get("session_version")
    if not isinstance(user_id, int):
        return None
    snapshot = take(user_id, deck)
    if snapshot is None:
        return None
    entry = snapshot.entry(card_id)
    if entry is None or entry.showing_id != showing_id:
        checkin(snapshot)
        return None
    engine = get_engine()
    sqlite = engine.dialect.name == "sqlite"
    dbapi = engine.dialect.loaded_dbapi
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_sql(_USER, engine.dialect.name), {"uid": user_id})
        row = cursor.fetchone()
        if row is None or row[0] != session_version:
            connection.rollback()
            return None  # logged out: the ordinary path says so
        user = LoginRow(user_id, *row)
        now = utcnow()
        if not snapshot.fits(user, now):
            connection.rollback()
            return None  # stale: dropped, the ordinary path builds a new one
        card = entry.card
        schedulers = remembered(user_id, snapshot.version)  # the version was just checked
        if schedulers is None:
            cursor.execute(_sql(SCHEDULERS_QUERY, engine.dialect.name), {"uid": user_id})
            schedulers = schedulers_from_rows(cursor.fetchall())
        after, values = answer_values(
            card, grade, now, scheduler=schedulers[card.deck_id],
            same_day_repeat=is_same_day_repeat(card, snapshot.start),
            showing_id=showing_id, duration_ms=duration_ms,
        )
        cursor.execute(_sql(_BUMP, engine.dialect.name),
                       {"uid": user_id, "known": snapshot.version})
        if cursor.rowcount != 1:  # another change came first
            connection.rollback()
            return None
        columns = tuple(sorted(values))
        cursor.execute(_sql(_insert_review(columns), engine.dialect.name), _bind(values, sqlite))
        inserted = cursor.fetchone()
        assert inserted is not None  # RETURNING gives the new row's id
        review_id = int(inserted[0])
        state = state_columns(after)
        cursor.execute(_sql(_update_card(tuple(state)), engine.dialect.name),
                       _bind({**state, "card_id": card.id}, sqlite))
        connection.commit()
        committed(engine)
    except dbapi.IntegrityError:  # this showing answered at the same moment elsewhere
        connection.rollback()
        return None
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    snapshot.answered(entry, stored(card, after, values, review_id))
    user.cards_version = snapshot.version
    remember(user_id, snapshot.version, schedulers)  # the answer changed no deck
    return snapshot, user
