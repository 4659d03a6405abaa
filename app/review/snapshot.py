"""Today's queue held in memory between answers, so that answering is not a search.

Planning a day reads every card the day may show (:func:`app.review.store.load_cards`)
and walks the queue's rules (:func:`cards.queue.build_queue`): exact, but
milliseconds, and the review page asks after every answer. A :class:`Snapshot`
keeps those rows' plan, and an answer to its next card moves it on by one
(:meth:`cards.queue.Queue.answered`: the rest of a day's plan does not change
when its first card is answered). Nothing here re-implements a rule.

Why it stays exact: a snapshot is stamped with the user's ``cards_version``,
which every change to the user's cards, decks or reviews moves on in its own
transaction (:func:`app.models.bump_cards_version`). An answer moves it on too
(:func:`app.review.store.write_answer`) and reports the version it found; the
snapshot takes the answer only if that was its own stamp, and only if the
answer was to its next card. Anything else (another tab, worker or process,
an import, an undo, a suspend) leaves a version the snapshot doesn't have,
and the next request plans the day again. A snapshot also ends with the
review day, when the user's limits or day change, and when a buried card
comes back. With ``QUEUE_CHECK`` set (the tests set it) every card and
count read from a snapshot is compared with a freshly planned day.

A snapshot also knows whether the user has an answer to undo (the review
page's Undo button): read when it is planned, true once it takes an answer,
and kept exact by the same version (an undo, like any review row, moves it on).

Snapshots live in the worker's memory, one per user and deck, and a request
takes its snapshot out while it uses it, so two requests never change one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import caches
from app.cards.display import SidesSource, render_sides
from app.models import User
from app.review.store import (
    Reviewer,
    Written,
    last_undoable_id,
    load_cards,
    load_decks,
    load_done,
    load_shown,
    next_unburial,
    review_day,
    rules_of,
)
from cards.queue import Counts, DeckTree, Kind, Queue, Rules, build_queue, showing_id
from cards.scheduler import CardState

__all__ = [
    "Next", "QueueCache", "Showing", "ShownCard", "Snapshot", "build", "checkin", "init_app",
    "next_with_counts", "take_answer",
]

SHOWN_BATCH = 20  # cards loaded at a time from the queue's head (each rendered when shown)
CACHED = 256  # snapshots kept per worker (one per user and deck under review)
NO_COUNTS = Counts(0, 0, 0)


@dataclass(frozen=True, slots=True)
class ShownCard:
    """What the review page shows of a card besides its sides."""

    id: int
    context: str | None


@dataclass
class Showing:
    """The card to show next, and what answering it will be."""

    card: ShownCard
    deck_id: int
    state: CardState
    same_day_repeat: bool
    showing_id: str
    is_new: bool
    deck_name: str
    sides: tuple[str, str]


@dataclass(frozen=True, slots=True)
class Next:
    """What the review page shows next: the card (None: the day is done), what is left
    today, and whether the user has an answer to undo."""

    showing: Showing | None
    counts: Counts
    undoable: bool


@dataclass
class _Shown:
    """A card of the queue's head: what the page shows of it, its state, the id of its
    latest review row and what its sides are rendered from."""

    card: ShownCard
    state: CardState
    latest_review: int
    sides: SidesSource


@dataclass
class Snapshot:
    """The queue of one user and deck (None: every deck) for one review day."""

    user_id: int
    deck_id: int | None
    start: datetime
    end: datetime
    rules: Rules  # the user's settings it was planned with
    version: int  # the user's cards_version it reflects
    valid_until: datetime  # the day's end, or the moment a buried card comes back
    tree: DeckTree
    queue: Queue
    shown: dict[int, _Shown] = field(default_factory=dict)
    undoable: bool = False  # the user has an answer not undone yet
    cacheable: bool = True

    def fits(self, user: Reviewer, now: datetime) -> bool:
        """Whether this snapshot is still the user's queue at ``now``."""
        return (
            self.version == user.cards_version
            and self.start <= now < self.valid_until
            and self.rules == rules_of(user)
            and (self.start, self.end) == review_day(user, now)
        )

    def counts(self) -> Counts:
        """What is left today (see :meth:`cards.queue.Queue.counts`)."""
        return self.queue.counts()

    def showing(self, session: Callable[[], Session]) -> Showing | None:
        """The next card, its sides rendered now (``session`` asked for when the queue's
        next cards must be read)."""
        found = self.queue.next()
        if found is None:
            return None
        card, kind = found
        shown = self.shown.get(card.id)
        if shown is None:
            db = session()
            wanted = [c.id for c in self.queue.upcoming(SHOWN_BATCH) if c.id not in self.shown]
            for card_id, row in load_shown(db, self.user_id, wanted).items():
                self.shown[card_id] = _Shown(ShownCard(card_id, row.context), row.state,
                                             row.latest_review, row.sides)
            shown = self.shown[card.id]
        return Showing(
            card=shown.card, deck_id=card.deck_id, state=shown.state,
            same_day_repeat=kind is Kind.REPEAT,
            showing_id=showing_id(card.id, shown.latest_review), is_new=kind is Kind.NEW,
            deck_name=self.tree.nodes[card.deck_id].name, sides=render_sides(shown.sides),
        )

    def answered(self, written: Written) -> bool:
        """Take in an answer just written; False if this snapshot can't (then drop it)."""
        if written.version_before != self.version or not self.queue.answered(written.card):
            return False
        shown = self.shown.get(written.card.id)
        if shown is not None:
            shown.state, shown.latest_review = written.after, written.review_id
        self.version += 1
        self.undoable = True
        return True


def build(session: Session, user: Reviewer, now: datetime, deck_id: int | None) -> Snapshot | None:
    """A new snapshot of the user's queue (None if ``deck_id`` is not one of theirs)."""
    version = _version(session, user.id)
    start, end = review_day(user, now)
    tree = load_decks(session, user)
    if deck_id is not None and deck_id not in tree.nodes:
        return None
    rules = rules_of(user)
    cards, held = load_cards(session, user.id, start, end)
    done = load_done(session, user.id, start, end)
    queue = build_queue(cards, tree, done, rules, deck_id, start, end, now, held)
    unburial = next_unburial(session, user.id, now)
    snapshot = Snapshot(
        user_id=user.id, deck_id=deck_id, start=start, end=end, rules=rules, version=version,
        valid_until=min(end, unburial) if unburial is not None else end, tree=tree, queue=queue,
        undoable=last_undoable_id(session, user.id) is not None,
    )
    # A change committed while these queries ran may be half in them: use, don't keep.
    snapshot.cacheable = _version(session, user.id) == version
    return snapshot


def _version(session: Session, user_id: int) -> int:
    return int(session.scalar(select(User.cards_version).where(User.id == user_id)) or 0)


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
    holds="each user's day's queue per deck, between answers: the next cards' rows "
          "(sides rendered when shown) and whether there is an answer to undo",
    invalidated_by="User.cards_version: a snapshot stamped with another version is dropped; "
                   "the day's end; a change of the user's day or limit settings",
)


def init_app(app: Flask) -> None:
    """Give ``app`` its snapshot cache."""
    app.extensions["wengu.queue_cache"] = QueueCache()


def _cache() -> QueueCache:
    cache_: QueueCache = current_app.extensions["wengu.queue_cache"]
    return cache_


def checkin(snapshot: Snapshot) -> None:
    """Keep ``snapshot`` for the user's next request (unless it may be stale)."""
    if snapshot.cacheable:
        _cache().put(snapshot)


def take_answer(user_id: int, deck_id: int | None, written: Written) -> Snapshot | None:
    """The user's snapshot with ``written`` taken in (checked out: the caller checks it
    in), or None when there is none that can take it."""
    snapshot = _cache().take(user_id, deck_id)
    if snapshot is None or not snapshot.answered(written):
        return None
    return snapshot


def next_with_counts(
    db: Callable[[], Session], user: Reviewer, now: datetime, deck_id: int | None,
    snapshot: Snapshot | None = None,
) -> Next:
    """The next card, what is left today and whether there is an answer to undo, read
    from the user's snapshot: ``snapshot`` when the caller holds it, else the cached
    one, else a new one (it is checked in here). ``db`` gives the session, asked for
    only when the database must be read."""
    if snapshot is None or not snapshot.fits(user, now):
        snapshot = _cache().take(user.id, deck_id)
        if snapshot is None or not snapshot.fits(user, now):
            snapshot = build(db(), user, now, deck_id)
    if snapshot is None:  # not the user's deck
        return Next(None, NO_COUNTS, last_undoable_id(db(), user.id) is not None)
    found = Next(snapshot.showing(db), snapshot.counts(), snapshot.undoable)
    checkin(snapshot)
    if current_app.config.get("QUEUE_CHECK"):
        _check(db(), user, now, deck_id, found)
    return found


def _check(session: Session, user: Reviewer, now: datetime, deck_id: int | None,
           found: Next) -> None:
    """Raise if ``found`` (what a snapshot said) is not what a freshly planned day says."""
    fresh = build(session, user, now, deck_id)
    undoable = last_undoable_id(session, user.id) is not None
    expected = Next(None, NO_COUNTS, undoable) if fresh is None else Next(
        fresh.showing(lambda: session), fresh.counts(), undoable)

    def seen(s: Showing | None) -> tuple[object, ...] | None:
        return None if s is None else (s.card.id, s.showing_id, s.same_day_repeat, s.is_new,
                                       s.deck_name, s.state)

    said = (seen(found.showing), found.counts, found.undoable)
    planned = (seen(expected.showing), expected.counts, expected.undoable)
    if said != planned:
        raise AssertionError(f"queue snapshot says {said}, a fresh plan {planned}")
