"""The day's queue held in memory between answers, so that answering is not a search.

:mod:`app.review.queue` finds the next card with a few indexed queries; that is
exact but costs milliseconds, and the review page asks after every answer.
A :class:`Snapshot` runs those queries once, deeper: the first
:data:`DEPTH` cards of each source (due, new, same-day repeats) in queue
order, today's answers per deck, and how many cards each source holds per
deck. Each answer written by the review page then changes the snapshot the
way it changed the database (:meth:`Snapshot.answered`): the card leaves
its source and its siblings leave theirs, it joins the repeats if it scored
below 4, and it counts against the limits. The next card and the counts are
read from memory, and :func:`app.review.queue.plan_context` decides, as for the
queries, where the next card may come from.

Why it stays exact: a snapshot is stamped with the user's ``cards_version``,
which every change to the user's cards or decks bumps in its own
transaction (:func:`app.models.bump_cards_version`). The answer path moves
the version from the snapshot's stamp to the next one in the same
transaction as its write (:func:`app.review.answers.write_answer`) and only
then applies the answer to the snapshot; any other writer (another tab,
worker or process, an import, an undo, an edit) leaves a version the
snapshot doesn't have, and the next request builds a new one. A snapshot
also ends with the review day, when the user's limits or day change, when a
buried card comes back, and when a source runs past what was fetched. With
``QUEUE_CHECK`` set (the tests set it) every answer read from a snapshot is
compared with the queries' own, and a difference is an error.

Snapshots live in the worker's memory, one per user and deck, and a request
takes its snapshot out while it uses it, so two requests never change one.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from flask import Flask, current_app
from sqlalchemy import TextClause, bindparam, column, select
from sqlalchemy.orm import Session

from app import caches
from app.cards.display import card_sides
from app.db import UTCDateTime
from app.models import Card, User
from app.review.answers import Written
from app.review.queue import (
    COUNT_CAP,
    DayCounts,
    DeckTree,
    Reviewer,
    Showing,
    _bind_times,
    _Context,
    _inner,
    _statement,
    load_decks,
    next_with_counts,
    plan_context,
    review_day,
    today_counts,
    today_totals,
)

__all__ = [
    "QueueCache", "Snapshot", "check_against_queries", "checkin", "init_app",
    "showing_with_counts", "take",
]

DEPTH = 200  # cards fetched per source: a snapshot lasts about this many answers
MARGIN = 20  # cards fetched past what today's limits leave
CACHED = 256  # snapshots kept per worker (one per user and deck under review)

_KINDS = ("due", "new", "repeat")
_COUNT_NAMES = {"due": "review", "new": "new", "repeat": "repeat"}


class Entry:
    """A card of the snapshot: the card (detached, its columns loaded), the id of its
    latest review row (its showing id's second half), and its sides as HTML."""

    __slots__ = ("card", "deck_id", "latest_review", "note_key", "sides")

    def __init__(self, card: Card, latest_review: int, sides: tuple[str, str]) -> None:
        self.card = card
        self.latest_review = latest_review
        self.sides = sides
        # Plain copies of what the queue reads in loops (an ORM attribute costs more).
        self.deck_id = card.deck_id
        self.note_key = card.note_key

    @property
    def showing_id(self) -> str:
        """What :func:`app.review.queue.showing_id_for` gives for the card now."""
        return f"{self.card.id}.{self.latest_review}"


@cache
def _per_deck_statement(kind: str, by_deck: bool) -> TextClause:
    """How many cards ``kind`` holds in each deck, as the count on the review page reads
    them (no sibling rule), in the snapshot's scope (``:decks``) or every deck."""
    inner = _inner(kind, by_deck, True).replace("SELECT c.id ", "SELECT c.deck_id, count(*) ", 1)
    return _bind_times(f"{inner} GROUP BY c.deck_id",
                       *([bindparam("decks", expanding=True)] if by_deck else []))


_NEXT_UNBURIAL = _bind_times(
    "SELECT min(c.buried_until) AS next FROM cards c WHERE c.user_id = :uid"
    " AND c.buried_until > :now"
).columns(column("next", UTCDateTime()))


def _version(session: Session, user_id: int) -> int:
    return int(session.scalar(select(User.cards_version).where(User.id == user_id)) or 0)


@dataclass
class Snapshot:
    """The queue of one user and deck (None: every deck) for one review day."""

    user_id: int
    deck_id: int | None
    start: datetime
    end: datetime
    limits: tuple[int, int]  # the user's default new and review limits it was built with
    version: int  # the user's cards_version it reflects
    valid_until: datetime  # the day's end, or the moment a buried card comes back
    tree: DeckTree
    totals: DayCounts
    counts: DayCounts
    lists: dict[str, list[Entry]]
    complete: dict[str, bool]  # whether a source's list holds all its cards
    per_deck: dict[str, dict[int, int]]
    where: dict[int, str] = field(default_factory=dict)  # card id -> its source
    by_note: dict[str, list[Entry]] = field(default_factory=dict)  # due and new, by note_key
    cacheable: bool = True

    def fits(self, user: Reviewer, now: datetime) -> bool:
        """Whether this snapshot is still the user's queue at ``now``."""
        return (
            self.version == user.cards_version
            and self.start <= now < self.valid_until
            and self.limits == (user.new_per_day, user.reviews_per_day)
            and (self.start, self.end) == review_day(user, now)
        )

    def entry(self, card_id: int) -> Entry | None:
        """The card's entry, if it is in one of the fetched lists."""
        kind = self.where.get(card_id)
        if kind is None:
            return None
        return next((e for e in self.lists[kind] if e.card.id == card_id), None)

    def _context(self, user: Reviewer, now: datetime) -> _Context:
        return plan_context(user, now, (self.start, self.end), self.tree, self.deck_id,
                            self.totals, lambda: self.counts)

    def _first(self, ctx: _Context, kind: str) -> Entry | bool | None:
        """The first card ``kind`` may give now; False when the fetched list ran out."""
        params = ctx.source(kind)
        if params is None:
            return None
        decks = params.get("decks")
        allowed = None if decks is None else set(decks)
        for entry in self.lists[kind]:
            if allowed is None or entry.deck_id in allowed:
                return entry
        return None if self.complete[kind] else False

    def _counts(self, ctx: _Context) -> dict[str, int]:
        caps = {"due": min(ctx.review_left, COUNT_CAP), "new": min(ctx.new_left, COUNT_CAP),
                "repeat": COUNT_CAP}
        counts = {}
        for kind in _KINDS:
            params = ctx.source(kind)
            if params is None or caps[kind] <= 0:
                counts[_COUNT_NAMES[kind]] = 0
                continue
            decks = params.get("decks")
            held = self.per_deck[kind]
            total = (sum(held.values()) if decks is None
                     else sum(held.get(d, 0) for d in decks))
            counts[_COUNT_NAMES[kind]] = min(caps[kind], total)
        return counts

    def next_with_counts(
        self, user: Reviewer, now: datetime
    ) -> tuple[Showing | None, dict[str, int]] | None:
        """What :func:`app.review.queue.next_with_counts` gives, or None if the snapshot can't
        tell (a list ran past what was fetched)."""
        ctx = self._context(user, now)
        order = ("new", "due") if ctx.plan.prefer_new else ("due", "new")
        for kind in (*order, "repeat"):
            found = self._first(ctx, kind)
            if found is False:
                return None
            if isinstance(found, Entry):
                card = found.card
                repeat = kind == "repeat"
                showing = Showing(card, repeat, found.showing_id, not repeat and card.due is None,
                                  self.tree.nodes[card.deck_id].name, sides=found.sides)
                return showing, self._counts(ctx)
        return None, {}

    def answered(self, entry: Entry, written: Written) -> None:
        """Change the snapshot as ``written`` (an answer to ``entry``'s card) changed the
        database."""
        card = entry.card
        kind = self.where.pop(card.id)
        self.lists[kind].remove(entry)
        self.per_deck[kind][card.deck_id] -= 1
        if written.scheduled:
            (self.totals.new if written.was_new else self.totals.review)[0] += 1
            (self.counts.new if written.was_new else self.counts.review)[card.deck_id] += 1
        for other in self.by_note.pop(entry.note_key, ()) if entry.note_key else ():
            source = self.where.get(other.card.id)
            if other is not entry and source in ("due", "new"):  # waits for another day
                self.lists[source].remove(other)
                del self.where[other.card.id]
        entry.latest_review = written.review_id
        if written.after.repeat_pending and (written.after.last_review or self.start) >= self.start:
            self.per_deck["repeat"][card.deck_id] = self.per_deck["repeat"].get(card.deck_id, 0) + 1
            if self.complete["repeat"]:  # else it lies past the fetched part
                bisect.insort(self.lists["repeat"], entry,
                              key=lambda e: (e.card.last_reviewed_at, e.card.id))
                self.where[card.id] = "repeat"
        self.version += 1


def build(
    session: Session, user: Reviewer, now: datetime, deck_id: int | None
) -> Snapshot | None:
    """A new snapshot of the user's queue (None if ``deck_id`` is not one of theirs)."""
    version = _version(session, user.id)
    start, end = review_day(user, now)
    tree = load_decks(session, user)
    if deck_id is not None and deck_id not in tree.nodes:
        return None
    totals = today_totals(session, user.id, start, end)
    counts = today_counts(session, user.id, start, end)
    ctx = plan_context(user, now, (start, end), tree, deck_id, totals, lambda: counts)
    lists: dict[str, list[Entry]] = {}
    complete: dict[str, bool] = {}
    per_deck: dict[str, dict[int, int]] = {}
    where: dict[int, str] = {}
    base: dict[str, Any] = {"uid": user.id, "now": now, "start": start, "end": end,
                            "no": False, "yes": True}
    scope = ctx.plan.scope
    for kind in _KINDS:
        per_deck[kind] = {
            int(d): int(n) for d, n in session.execute(
                _per_deck_statement(kind, scope is not None),
                {**base, "decks": scope} if scope is not None else base,
            )
        }
        params = ctx.source(kind)
        lists[kind] = []
        complete[kind] = True
        if params is None:
            continue
        # No more than today's limits can still show (and a few the deck limits or
        # siblings may skip); past that a new snapshot is built.
        left = {"due": ctx.review_left, "new": ctx.new_left}.get(kind, DEPTH)
        depth = min(DEPTH, left + MARGIN)
        rows = session.execute(_statement(kind, "decks" in params), {**params, "n": depth}).all()
        complete[kind] = len(rows) < depth
        for card, latest in rows:
            # Rendered now, while the card's note (for its images) can still be read.
            entry = Entry(card, int(latest or 0), card_sides(card))
            session.expunge(card)
            lists[kind].append(entry)
            where[card.id] = kind
    unburial = session.execute(_NEXT_UNBURIAL, {"uid": user.id, "now": now}).scalar()
    snapshot = Snapshot(
        user_id=user.id, deck_id=deck_id, start=start, end=end,
        limits=(user.new_per_day, user.reviews_per_day), version=version,
        valid_until=min(end, unburial) if unburial is not None else end,
        tree=tree, totals=totals, counts=counts, lists=lists, complete=complete,
        per_deck=per_deck, where=where,
    )
    for kind in ("due", "new"):
        for entry in lists[kind]:
            if entry.note_key:
                snapshot.by_note.setdefault(entry.note_key, []).append(entry)
    # A change committed while these queries ran may be half in them: use, don't keep.
    snapshot.cacheable = _version(session, user.id) == version
    return snapshot


class QueueCache:
    """The worker's snapshots, the most recently used kept."""

    def __init__(self, size: int = CACHED) -> None:
        self._items: OrderedDict[tuple[int, int | None], Snapshot] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def take(self, user_id: int, deck_id: int | None) -> Snapshot | None:
        """Take the snapshot out (no other request can use it meanwhile)."""
        with self._lock:
            return self._items.pop((user_id, deck_id), None)

    def put(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` for the next request."""
        with self._lock:
            self._items[(snapshot.user_id, snapshot.deck_id)] = snapshot
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every snapshot."""
        with self._lock:
            self._items.clear()


caches.register(
    "queue snapshots", 'app.extensions["wengu.queue_cache"] (app.review.snapshot.QueueCache)',
    holds="each user's day's queue per deck, between answers",
    invalidated_by="User.cards_version: a snapshot stamped with another version is dropped; "
                   "the day's end; a change of the user's day or limit settings",
)


def init_app(app: Flask) -> None:
    """Give ``app`` its snapshot cache."""
    app.extensions["wengu.queue_cache"] = QueueCache()


def _cache() -> QueueCache:
    cache_: QueueCache = current_app.extensions["wengu.queue_cache"]
    return cache_


def take(user_id: int, deck_id: int | None) -> Snapshot | None:
    """The user's cached snapshot for ``deck_id``, taken out of the cache as it is
    (the caller checks that it :meth:`~Snapshot.fits`, and checks it in)."""
    return _cache().take(user_id, deck_id)


def checkin(snapshot: Snapshot) -> None:
    """Keep ``snapshot`` for the user's next request (unless it may be stale)."""
    if snapshot.cacheable:
        _cache().put(snapshot)


def showing_with_counts(
    db: Callable[[], Session], user: Reviewer, now: datetime, deck_id: int | None,
    snapshot: Snapshot | None = None,
) -> tuple[Showing | None, dict[str, int]]:
    """:func:`app.review.queue.next_with_counts`, read from the user's snapshot: ``snapshot``
    when the caller holds it, else the cached one, else a new one (it is checked in
    here). ``db`` gives the session, asked for only when the database must be read."""
    if snapshot is None or not snapshot.fits(user, now):
        snapshot = take(user.id, deck_id)
        if snapshot is None or not snapshot.fits(user, now):
            snapshot = build(db(), user, now, deck_id)
    if snapshot is None:  # not the user's deck
        return None, {"review": 0, "new": 0, "repeat": 0}
    found = snapshot.next_with_counts(user, now)
    if found is None:  # past what was fetched: fetch again from here
        snapshot = build(db(), user, now, deck_id)
        found = snapshot.next_with_counts(user, now) if snapshot is not None else None
    if snapshot is not None:
        checkin(snapshot)
    if found is None:
        found = next_with_counts(db(), user, now, deck_id)
    if current_app.config.get("QUEUE_CHECK"):
        check_against_queries(db(), user, now, deck_id, found)
    return found


def check_against_queries(session: Session, user: Reviewer, now: datetime, deck_id: int | None,
           found: tuple[Showing | None, dict[str, int]]) -> None:
    """Raise if ``found`` (what a snapshot said) is not what the queries say
    (with ``QUEUE_CHECK``, as in the tests)."""
    showing, counts = next_with_counts(session, user, now, deck_id)

    def seen(s: Showing | None) -> tuple[Any, ...] | None:
        return None if s is None else (s.card.id, s.showing_id, s.same_day_repeat, s.is_new,
                                       s.deck_name)

    if (seen(found[0]), found[1]) != (seen(showing), counts):
        raise AssertionError(
            f"queue snapshot says {seen(found[0])} {found[1]}, the queries {seen(showing)} "
            f"{counts}"
        )
