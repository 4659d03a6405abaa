"""The daily review queue: every rule, as pure functions over plain rows.

"Today" exists only here: it runs from the user's day-start hour in the
user's time zone to the same hour the next local day, whatever the UTC
offset does in between (daylight saving time). The shell hands in the time
zone, the clock and the rows; everything returned is aware UTC.

The rules:

- A card is a candidate when it is live (the shell loads live cards only)
  and not buried past ``now``. It is *due* when its due date is before the
  day's end and it was not answered today, *new* when it has never been
  answered, and a *repeat* when an answer below 4 today left it pending.
- Limits: each deck has a new-card and a review limit per day (unset: its
  parent's, then the user's). A deck's limit covers its sub-decks: a card is
  shown only while its deck and every ancestor have room, and reviewing
  every deck at once also obeys the user's overall limit. Today's scheduled
  answers (undone ones left out) count against them.
- Siblings: a card whose note (``note_key``) had a card answered today, or
  shown earlier in today's plan, waits for another day.
- Order: due cards by due date (overdue first), new cards by id, new cards
  spread among the reviews at the ratio of the two limits; repeats come
  after everything else, oldest answer first.
- Optionally, no new card is introduced while more than a threshold of
  reviews are overdue (due before today started).

:func:`plan_day` walks these rules once and gives the whole day's plan of
due and new cards in order, so every count is the length of what will be
shown. Answering the plan's first card leaves the rest of the plan as it was
(a property the tests check), which lets a queue held in memory be kept up
to date by :meth:`Queue.answered` without re-planning.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum

__all__ = [
    "Counts",
    "DeckLimits",
    "DeckTree",
    "Done",
    "Kind",
    "Limits",
    "Queue",
    "QueueCard",
    "Rules",
    "answered_notes",
    "build_queue",
    "day_bounds",
    "is_buried",
    "kind_of",
    "plan_day",
    "showing_id",
]


def day_bounds(now: datetime, tz: tzinfo, day_start_hour: int) -> tuple[datetime, datetime]:
    """The start and end (aware UTC) of the review day that contains ``now``.

    The day starts at ``day_start_hour`` local time in ``tz``; before that
    hour, it is still the previous day.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not 0 <= day_start_hour <= 23:
        raise ValueError(f"day_start_hour must be 0 to 23, not {day_start_hour}")
    local = now.astimezone(tz)
    day = local.date()
    if local.hour < day_start_hour:
        day -= timedelta(days=1)
    start_hour = time(day_start_hour)
    start = datetime.combine(day, start_hour, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), start_hour, tzinfo=tz).astimezone(UTC)
    return start, end


def showing_id(card_id: int, latest_review: int | None) -> str:
    """The id of one showing of a card: it changes with every review row of the card."""
    return f"{card_id}.{latest_review or 0}"


class Kind(StrEnum):
    """Where a card of today's queue comes from."""

    DUE = "due"
    NEW = "new"
    REPEAT = "repeat"


@dataclass(frozen=True, slots=True)
class QueueCard:
    """What the queue reads of a live card."""

    id: int
    deck_id: int
    note_key: str | None
    due: datetime | None
    last_reviewed_at: datetime | None
    repeat_pending: bool
    buried_until: datetime | None = None


def is_buried(card: QueueCard, now: datetime) -> bool:
    """Whether the card is buried at ``now``."""
    return card.buried_until is not None and card.buried_until > now


def kind_of(card: QueueCard, start: datetime, end: datetime, now: datetime) -> Kind | None:
    """The card's source in the day ``start``–``end`` at ``now``, or None if not today's."""
    if is_buried(card, now):
        return None
    answered_today = card.last_reviewed_at is not None and card.last_reviewed_at >= start
    if card.repeat_pending and answered_today:
        return Kind.REPEAT
    if card.due is None:
        return Kind.NEW
    if card.due < end and not answered_today:
        return Kind.DUE
    return None


def answered_notes(answered: Iterable[QueueCard], start: datetime) -> set[str]:
    """The notes with a card answered since ``start`` (their other cards wait)."""
    return {
        c.note_key for c in answered
        if c.note_key and c.last_reviewed_at is not None and c.last_reviewed_at >= start
    }


@dataclass(frozen=True, slots=True)
class Limits:
    """A daily limit of new cards and of reviews."""

    new: int
    review: int


@dataclass(frozen=True, slots=True)
class DeckLimits:
    """A deck as stored: its own limits, None where it inherits them."""

    id: int
    name: str
    parent_id: int | None
    new_per_day: int | None = None
    reviews_per_day: int | None = None


@dataclass
class DeckNode:
    """A deck with its effective daily limits."""

    id: int
    name: str
    parent_id: int | None
    limits: Limits
    children: list[int] = field(default_factory=list)

    @property
    def short_name(self) -> str:
        """The last part of the deck's path."""
        return self.name.rsplit("::", 1)[-1]


@dataclass
class DeckTree:
    """A user's decks, with inherited limits resolved (read-only once built)."""

    nodes: dict[int, DeckNode]
    chains: dict[int, tuple[int, ...]]  # a deck and its ancestors, up to the root
    roots: list[int]  # top-level decks, by name

    @classmethod
    def build(cls, decks: Iterable[DeckLimits], default: Limits) -> DeckTree:
        """The tree of ``decks``; a limit left unset comes from the parent, then ``default``."""
        own = {d.id: d for d in decks}

        def inherited(deck: DeckLimits, new: bool) -> int:
            current: DeckLimits | None = deck
            while current is not None:
                value = current.new_per_day if new else current.reviews_per_day
                if value is not None:
                    return value
                current = own.get(current.parent_id) if current.parent_id is not None else None
            return default.new if new else default.review

        nodes = {
            d.id: DeckNode(d.id, d.name, d.parent_id,
                           Limits(inherited(d, True), inherited(d, False)))
            for d in own.values()
        }
        for node in sorted(nodes.values(), key=lambda n: n.name):
            if node.parent_id in nodes:
                nodes[node.parent_id].children.append(node.id)
        chains: dict[int, tuple[int, ...]] = {}
        for deck_id in nodes:
            chain, current = [deck_id], nodes[deck_id]
            while current.parent_id in nodes and current.parent_id not in chain:
                current = nodes[current.parent_id]
                chain.append(current.id)
            chains[deck_id] = tuple(chain)
        roots = sorted((n.id for n in nodes.values() if n.parent_id not in nodes),
                       key=lambda i: nodes[i].name)
        return cls(nodes, chains, roots)

    def subtree(self, deck_id: int) -> list[int]:
        """The deck and all its descendants."""
        result, stack = [], [deck_id]
        while stack:
            current = stack.pop()
            result.append(current)
            stack.extend(self.nodes[current].children)
        return result


@dataclass
class Done:
    """Today's scheduled answers per deck (undone ones left out): new cards and reviews."""

    new: dict[int, int] = field(default_factory=dict)
    review: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rules:
    """The user's settings the queue applies.

    ``overall``: the limits of reviewing every deck at once (the user's own
    limits, also the default of decks without one); ``stop_new_overdue``:
    when set, no new card is introduced while more reviews than this are
    overdue in the reviewed decks.
    """

    overall: Limits
    stop_new_overdue: int | None = None


_OVERALL = 0  # the key of the overall limit among the decks' counters (deck ids start at 1)


def _left(tree: DeckTree, done: Done, rules: Rules,
          scope: int | None) -> tuple[dict[int, int], dict[int, int]]:
    """What each deck (and, reviewing every deck, the whole: key 0) may still show today."""
    done_new: dict[int, int] = {}
    done_review: dict[int, int] = {}
    for counts, into in ((done.new, done_new), (done.review, done_review)):
        for deck_id, n in counts.items():
            for a in tree.chains.get(deck_id, ()):
                into[a] = into.get(a, 0) + n
    new_left = {d: node.limits.new - done_new.get(d, 0) for d, node in tree.nodes.items()}
    review_left = {d: node.limits.review - done_review.get(d, 0)
                   for d, node in tree.nodes.items()}
    if scope is None:
        new_left[_OVERALL] = rules.overall.new - sum(done.new.values())
        review_left[_OVERALL] = rules.overall.review - sum(done.review.values())
    return new_left, review_left


def _scope_decks(tree: DeckTree, scope: int | None) -> set[int]:
    if scope is None:
        return set(tree.nodes)
    return set(tree.subtree(scope)) if scope in tree.nodes else set()


def plan_day(
    cards: Iterable[QueueCard],
    tree: DeckTree,
    done: Done,
    rules: Rules,
    scope: int | None,
    start: datetime,
    end: datetime,
    now: datetime,
    held: Iterable[str] = (),
) -> list[tuple[QueueCard, Kind]]:
    """Today's due and new cards in the order they will be shown, within every limit.

    ``cards``: the user's live cards (any others are ignored); ``done``: today's
    answers so far; ``scope``: the deck under review (its sub-decks included)
    or None for every deck; ``held``: notes with a card answered today (see
    :func:`answered_notes`).
    """
    decks = _scope_decks(tree, scope)
    due: list[QueueCard] = []
    new: list[QueueCard] = []
    for card in cards:
        if card.deck_id not in decks:
            continue
        kind = kind_of(card, start, end, now)
        if kind is Kind.DUE:
            due.append(card)
        elif kind is Kind.NEW:
            new.append(card)
    due.sort(key=lambda c: (c.due, c.id))
    new.sort(key=lambda c: c.id)
    new_left, review_left = _left(tree, done, rules, scope)
    ratio = rules.overall if scope is None else tree.nodes[scope].limits
    done_new = sum(done.new.get(d, 0) for d in decks)
    done_review = sum(done.review.get(d, 0) for d in decks)
    overdue = sum(1 for c in due if c.due is not None and c.due < start)
    held_notes = set(held)
    extra = (_OVERALL,) if scope is None else ()
    plan: list[tuple[QueueCard, Kind]] = []
    sources = {Kind.DUE: (due, review_left), Kind.NEW: (new, new_left)}
    at = {Kind.DUE: 0, Kind.NEW: 0}

    def take(kind: Kind) -> QueueCard | None:
        pending, left = sources[kind]
        i = at[kind]
        while i < len(pending):
            card = pending[i]
            i += 1
            chain = tree.chains[card.deck_id] + extra
            if card.note_key in held_notes or any(left[a] <= 0 for a in chain):
                continue  # never fits later today either: limits only shrink
            for a in chain:
                left[a] -= 1
            at[kind] = i
            return card
        at[kind] = i
        return None

    while True:
        new_open = rules.stop_new_overdue is None or overdue <= rules.stop_new_overdue
        prefer_new = (done_new + 1) * ratio.review <= done_review * ratio.new
        order = (Kind.NEW, Kind.DUE) if prefer_new else (Kind.DUE, Kind.NEW)
        picked: tuple[QueueCard, Kind] | None = None
        for kind in order:
            if kind is Kind.NEW and not new_open:
                continue
            taken = take(kind)
            if taken is not None:
                picked = taken, kind
                break
        if picked is None:
            return plan
        card, kind = picked
        plan.append(picked)
        if card.note_key:
            held_notes.add(card.note_key)
        if kind is Kind.NEW:
            done_new += 1
        else:
            done_review += 1
            if card.due is not None and card.due < start:
                overdue -= 1


def _repeat_order(card: QueueCard) -> tuple[datetime, int]:
    return (card.last_reviewed_at or datetime.min.replace(tzinfo=UTC), card.id)


@dataclass(frozen=True, slots=True)
class Counts:
    """What is left today: reviews, new cards and same-day repeats."""

    review: int
    new: int
    repeat: int


@dataclass
class Queue:
    """One day's queue of one scope: the plan of due and new cards, then the repeats."""

    plan: list[tuple[QueueCard, Kind]]
    repeats: list[QueueCard]
    start: datetime
    position: int = 0  # how much of the plan has been answered
    _new_from: list[int] = field(default_factory=list)  # new cards from each position on

    def __post_init__(self) -> None:
        new_from = [0] * (len(self.plan) + 1)
        for i in range(len(self.plan) - 1, -1, -1):
            new_from[i] = new_from[i + 1] + (self.plan[i][1] is Kind.NEW)
        self._new_from = new_from

    def next(self) -> tuple[QueueCard, Kind] | None:
        """The card to show next and its source, or None when the day is done."""
        if self.position < len(self.plan):
            return self.plan[self.position]
        if self.repeats:
            return self.repeats[0], Kind.REPEAT
        return None

    def upcoming(self, n: int) -> list[QueueCard]:
        """The next ``n`` cards of the plan and the first ``n`` repeats."""
        return [c for c, _ in self.plan[self.position:self.position + n]] + self.repeats[:n]

    def counts(self) -> Counts:
        """How many cards are left: exactly what :meth:`next` will still give."""
        new = self._new_from[self.position]
        return Counts(len(self.plan) - self.position - new, new, len(self.repeats))

    def answered(self, after: QueueCard) -> bool:
        """Take an answer to the next card into account (``after``: the card as stored now).

        False (and nothing changed) when the answer was not to the next card: the
        queue must then be planned again.
        """
        found = self.next()
        if found is None or found[0].id != after.id:
            return False
        if found[1] is Kind.REPEAT:
            self.repeats.pop(0)
        else:
            self.position += 1
        last = after.last_reviewed_at
        if after.repeat_pending and last is not None and last >= self.start:
            bisect.insort(self.repeats, after, key=_repeat_order)
        return True


def build_queue(
    cards: Sequence[QueueCard],
    tree: DeckTree,
    done: Done,
    rules: Rules,
    scope: int | None,
    start: datetime,
    end: datetime,
    now: datetime,
    held: Iterable[str] = (),
) -> Queue:
    """Today's queue of ``scope``: :func:`plan_day`, then the pending repeats."""
    decks = _scope_decks(tree, scope)
    repeats = sorted(
        (c for c in cards
         if c.deck_id in decks and kind_of(c, start, end, now) is Kind.REPEAT),
        key=_repeat_order,
    )
    plan = plan_day(cards, tree, done, rules, scope, start, end, now, held)
    return Queue(plan, repeats, start)

