"""The day's review queue, read from the database.

The user's day runs from ``User.day_start_hour`` in ``User.timezone`` (see
:func:`cards.queue.day_bounds`). A card is shown today when it is live (not
needing an answer, suspended, buried, retired or thrown away) and either
due before the day ends (overdue first), or new and within the deck's new
limit, or a same-day repeat (answered below 4 today), which comes after
everything else. A card whose sibling (same ``note_key``) was answered today
waits for another day. Limits are per deck, a deck without its own limit
takes its parent's, and a deck's limit covers its subdecks; answers counted
against them are today's review rows, less the undone ones.

The next card is found with a few indexed queries each time, so nothing is
cached between requests and two tabs see the same queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from functools import cache, lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    TextClause,
    and_,
    bindparam,
    case,
    column,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from app import caches
from app.db import UTCDateTime
from app.models import Card, Review, ReviewKind, User
from cards.queue import day_bounds

__all__ = [
    "DayCounts",
    "DeckTree",
    "Reviewer",
    "Showing",
    "deck_overview",
    "load_decks",
    "next_card",
    "next_with_counts",
    "remaining_counts",
    "review_day",
    "showing_id_for",
    "today_counts",
    "today_totals",
    "user_zone",
]

COUNT_CAP = 100  # remaining counts on the review page stop at this ("100+")

# Made once: a fresh alias per query would defeat SQLAlchemy's statement cache.
_UNDO = aliased(Review, name="undo")


class Reviewer(Protocol):
    """What the queue reads of a user: a :class:`User`, or the review page's login row."""

    @property
    def id(self) -> int: ...
    @property
    def timezone(self) -> str: ...
    @property
    def day_start_hour(self) -> int: ...
    @property
    def new_per_day(self) -> int: ...
    @property
    def reviews_per_day(self) -> int: ...
    @property
    def cards_version(self) -> int: ...


def user_zone(user: Reviewer) -> tzinfo:
    """The user's time zone (UTC if the stored name is unknown)."""
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def review_day(user: Reviewer, now: datetime) -> tuple[datetime, datetime]:
    """Start and end (aware UTC) of the user's review day containing ``now``."""
    return day_bounds(now, user_zone(user), user.day_start_hour)


@dataclass(frozen=True)
class DeckNode:
    """A deck with its effective daily limits."""

    id: int
    name: str
    parent_id: int | None
    new_limit: int
    review_limit: int
    children: tuple[int, ...] = ()

    @property
    def short_name(self) -> str:
        """The last part of the deck's path."""
        return self.name.rsplit("::", 1)[-1]


@dataclass(frozen=True, eq=False)
class DeckTree:
    """A user's decks, with inherited limits resolved. Never changed once built: trees
    are shared between requests (:func:`load_decks`), and what is derived from one is
    memoised beside it, keyed by the tree (:func:`_least_limits`, :func:`_fresh_plan`)."""

    nodes: dict[int, DeckNode]
    chains: dict[int, list[int]]  # chain(d, None) of every deck
    roots: list[int]  # top-level decks, by name

    def subtree(self, deck_id: int) -> list[int]:
        """The deck and all its descendants."""
        result, stack = [], [deck_id]
        while stack:
            current = stack.pop()
            result.append(current)
            stack.extend(self.nodes[current].children)
        return result

    def chain(self, deck_id: int, top: int | None) -> list[int]:
        """The deck and its ancestors, up to ``top`` (inclusive) or the root."""
        if top is None and deck_id in self.chains:
            return self.chains[deck_id]
        result = [deck_id]
        current = self.nodes[deck_id]
        while current.id != top and current.parent_id in self.nodes:
            current = self.nodes[current.parent_id]
            result.append(current.id)
        return result


_DECKS = text(
    "SELECT id, name, parent_id, new_per_day, reviews_per_day FROM decks WHERE user_id = :uid"
)


def load_decks(session: Session, user: Reviewer) -> DeckTree:
    """The user's decks; a limit left unset comes from the parent, then the user."""
    rows = tuple(tuple(r) for r in session.execute(_DECKS, {"uid": user.id}))
    return _build_tree(rows, int(user.new_per_day), int(user.reviews_per_day))


@lru_cache(maxsize=64)
def _build_tree(rows: tuple[tuple[Any, ...], ...], new_default: int,
                review_default: int) -> DeckTree:
    """The tree for these deck rows (memoized on the rows themselves; trees never change)."""
    own = {r[0]: r for r in rows}

    def limit(deck_id: int, column: int) -> int:
        current = own.get(deck_id)
        while current is not None:
            value = current[column]
            if value is not None:
                return int(value)
            current = own.get(current[2]) if current[2] is not None else None
        return new_default if column == 3 else review_default

    children: dict[int, list[int]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r[1]):
        if r[2] in own:
            children[r[2]].append(r[0])
    nodes = {r[0]: DeckNode(r[0], r[1], r[2], limit(r[0], 3), limit(r[0], 4),
                            tuple(children[r[0]])) for r in rows}
    roots = sorted((n.id for n in nodes.values() if n.parent_id not in nodes),
                   key=lambda i: nodes[i].name)
    bare = DeckTree(nodes, {}, roots)
    return DeckTree(nodes, {d: bare.chain(d, None) for d in nodes}, roots)


caches.register(
    "deck trees", "app.review.queue._build_tree",
    holds="a user's decks with inherited limits, per (deck rows, user's default limits)",
    invalidated_by="nothing: keyed by the deck rows and limits themselves, read each request",
    clear=_build_tree.cache_clear,
)


@dataclass
class DayCounts:
    """Today's answers per deck: new cards started and reviews done (undone ones left out)."""

    new: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    review: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def today_counts(session: Session, user_id: int, start: datetime, end: datetime) -> DayCounts:
    """Count today's scheduled answers by deck and by whether the card was new."""
    undo = _UNDO
    was_new = case((Review.due_before.is_(None), 1), else_=0)
    rows = session.execute(
        select(Card.deck_id, was_new, func.count())
        .select_from(Review)
        .join(Card, Card.id == Review.card_id)
        .where(
            Review.user_id == user_id,
            Review.reviewed_at >= start,
            Review.reviewed_at < end,
            Review.kind == ReviewKind.REVIEW.value,
            ~select(undo.id).where(undo.undoes_id == Review.id).exists(),
        )
        .group_by(Card.deck_id, was_new)
    ).all()
    counts = DayCounts()
    for deck_id, new, count in rows:
        (counts.new if new else counts.review)[deck_id] += count
    return counts


_DAY_TOTALS = text(
    "SELECT count(CASE WHEN kind = :review AND due_before IS NULL THEN 1 END),"
    " count(CASE WHEN kind = :review AND due_before IS NOT NULL THEN 1 END),"
    " count(CASE WHEN kind = :undo THEN 1 END) FROM reviews"
    " WHERE user_id = :uid AND reviewed_at >= :start AND reviewed_at < :end"
).bindparams(bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()))


def today_totals(session: Session, user_id: int, start: datetime, end: datetime) -> DayCounts:
    """Today's scheduled answers, new and seen, in total (key 0), undone ones left out.

    Reads only the covering index ``ix_reviews_user_day`` in one pass (no grouping),
    so it stays cheap however many cards were answered today.
    """
    new, seen, undos = session.execute(_DAY_TOTALS, {
        "uid": user_id, "start": start, "end": end,
        "review": ReviewKind.REVIEW.value, "undo": ReviewKind.UNDO.value,
    }).one()
    totals = DayCounts()
    totals.new[0] += new
    totals.review[0] += seen
    if undos:
        undone = session.execute(
            select(Review.due_before.is_(None), func.count())
            .where(
                Review.id.in_(
                    select(_UNDO.undoes_id).where(
                        _UNDO.user_id == user_id, _UNDO.kind == ReviewKind.UNDO.value,
                        _UNDO.reviewed_at >= start, _UNDO.reviewed_at < end,
                    )
                ),
                Review.kind == ReviewKind.REVIEW.value,
                Review.reviewed_at >= start,
            )
            .group_by(Review.due_before.is_(None))
        ).all()
        for was_new, count in undone:
            (totals.new if was_new else totals.review)[0] -= count
    return totals


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(
        Card.needs_answer.is_(False),
        Card.suspended.is_(False),
        Card.retired_at.is_(None),
        Card.deleted_at.is_(None),
        or_(Card.buried_until.is_(None), Card.buried_until <= now),
    )


def _left_today(tree: DeckTree, counts: DayCounts) -> tuple[dict[int, int], dict[int, int]]:
    """New cards and reviews each deck may still show today.

    A deck's limit covers its subdecks, so what a deck may show is the least
    of what it and each of its ancestors has left.
    """
    done_new: dict[int, int] = defaultdict(int)
    done_review: dict[int, int] = defaultdict(int)
    for d in tree.nodes:
        for ancestor in tree.chain(d, None):
            done_new[ancestor] += counts.new.get(d, 0)
            done_review[ancestor] += counts.review.get(d, 0)
    new_left, review_left = {}, {}
    for d in tree.nodes:
        chain = tree.chain(d, None)
        new_left[d] = max(0, min(tree.nodes[a].new_limit - done_new[a] for a in chain))
        review_left[d] = max(0, min(tree.nodes[a].review_limit - done_review[a] for a in chain))
    return new_left, review_left


@dataclass(frozen=True)
class _Plan:
    """Where today's cards may come from: decks still under their limits."""

    scope: list[int] | None  # None: every deck
    review_decks: list[int]
    new_decks: list[int]
    prefer_new: bool


def _prefer_new(tree: DeckTree, user: Reviewer, deck_id: int | None, done_new: int,
                done_review: int) -> bool:
    """Whether the next card should be a new one.

    New cards are spread among the reviews at the ratio of the two limits
    (20 new per 200 reviews: one new card after every ten reviews).
    """
    if deck_id is not None:
        new_limit = tree.nodes[deck_id].new_limit
        review_limit = tree.nodes[deck_id].review_limit
    else:
        new_limit, review_limit = user.new_per_day, user.reviews_per_day
    return (done_new + 1) * review_limit <= done_review * new_limit


def _plan(tree: DeckTree, counts: DayCounts, user: Reviewer | None,
          deck_id: int | None) -> _Plan:
    tops = [deck_id] if deck_id is not None else tree.roots
    scope = [d for top in tops for d in tree.subtree(top)]
    new_left, review_left = _left_today(tree, counts)
    done_new = sum(counts.new.get(d, 0) for d in scope)
    done_review = sum(counts.review.get(d, 0) for d in scope)
    return _Plan(
        scope=None if deck_id is None else scope,
        review_decks=[d for d in scope if review_left[d] > 0],
        new_decks=[d for d in scope if new_left[d] > 0],
        prefer_new=user is not None and _prefer_new(tree, user, deck_id, done_new, done_review),
    )


# The hot path (one card per request) is plain SQL, built once: SQLAlchemy's
# statement building and cache keys would cost more than the queries.
_LIVE_SQL = (
    "c.needs_answer = :no AND c.suspended = :no AND c.retired_at IS NULL"
    " AND c.deleted_at IS NULL AND (c.buried_until IS NULL OR c.buried_until <= :now)"
)
_NO_SIBLING_TODAY_SQL = (
    "NOT EXISTS (SELECT 1 FROM cards s WHERE s.user_id = c.user_id"
    " AND s.note_key = c.note_key AND s.id <> c.id AND s.last_reviewed_at >= :start)"
)
_WHERE = {
    "due": "c.due IS NOT NULL AND c.due < :end"
           " AND (c.last_reviewed_at IS NULL OR c.last_reviewed_at < :start)"
           f" AND {_LIVE_SQL} AND {_NO_SIBLING_TODAY_SQL}",
    "new": f"c.due IS NULL AND {_LIVE_SQL} AND {_NO_SIBLING_TODAY_SQL}",
    "repeat": f"c.repeat_pending = :yes AND c.last_reviewed_at >= :start AND {_LIVE_SQL}",
}
_ORDER = {"due": "c.due, c.id", "new": "c.id", "repeat": "c.last_reviewed_at, c.id"}


def _bind_times(sql: str, *extra: Any) -> TextClause:
    params = [bindparam(name, type_=UTCDateTime()) for name in ("now", "start", "end")
              if f":{name}" in sql]
    return text(sql).bindparams(*params, *extra)


def _inner(kind: str, by_deck: bool, count: bool, suffix: str = "") -> str:
    where = f"c.user_id = :uid AND {_WHERE[kind]}"
    if count:
        where = where.replace(f" AND {_NO_SIBLING_TODAY_SQL}", "")
    if by_deck:
        where += f" AND c.deck_id IN :decks{suffix}"
    return f"SELECT c.id FROM cards c WHERE {where}"


@cache
def _statement(kind: str, by_deck: bool) -> ExecutableReturnsRows:
    """The first card of one source in queue order (``LIMIT :n``), loaded whole.

    Each card comes with the id of its latest review row (for its showing id).
    """
    inner = _inner(kind, by_deck, False).replace(
        "SELECT c.id ", f"SELECT c.*, {_LATEST_REVIEW} AS latest_review ", 1
    )
    textual = _bind_times(f"{inner} ORDER BY {_ORDER[kind]} LIMIT :n",
                          *([bindparam("decks", expanding=True)] if by_deck else []))
    return select(Card, column("latest_review", Integer)).from_statement(textual)


_LATEST_REVIEW = "(SELECT max(r.id) FROM reviews r WHERE r.card_id = c.id)"


_KINDS = ("due", "new", "repeat")


@cache
def _count_statement(modes: tuple[str, ...]) -> TextClause:
    """Every source's count (up to ``:n_<kind>``) in one statement.

    ``modes`` has one entry per kind: "closed" (count 0), "all" or "decks" (``:decks_<kind>``).
    """
    parts: list[str] = []
    extra: list[BindParameter[Any]] = []
    for kind, mode in zip(_KINDS, modes, strict=True):
        if mode == "closed":
            parts.append("0")
            continue
        inner = _inner(kind, mode == "decks", True, f"_{kind}")
        parts.append(f"(SELECT count(*) FROM ({inner} LIMIT :n_{kind}) q_{kind})")
        if mode == "decks":
            extra.append(bindparam(f"decks_{kind}", expanding=True))
    return _bind_times(f"SELECT {', '.join(parts)}", *extra)


@dataclass
class Showing:
    """The card to show next, and what answering it will be."""

    card: Card
    same_day_repeat: bool
    showing_id: str
    is_new: bool
    deck_name: str = ""
    sides: tuple[str, str] | None = None  # the card's sides as HTML, when known


@dataclass
class _Context:
    """What one request needs to pick cards: the day, the decks, what is left today."""

    user: Reviewer
    now: datetime
    start: datetime
    end: datetime
    tree: DeckTree
    deck_id: int | None
    plan: _Plan
    new_left: int
    review_left: int

    def source(self, kind: str) -> dict[str, Any] | None:
        """The parameters for ``kind`` (due, new, repeat), or None if closed."""
        scope = self.plan.scope
        if kind == "repeat":
            decks = scope
        else:
            decks = self.plan.review_decks if kind == "due" else self.plan.new_decks
            if not decks:
                return None
            if scope is None and len(decks) == len(self.tree.nodes):
                decks = None  # every deck: no filter
        params: dict[str, Any] = {"uid": self.user.id, "now": self.now, "start": self.start,
                                  "end": self.end, "no": False, "yes": True}
        if decks is not None:
            params["decks"] = decks
        return params

    def first(self, session: Session, kind: str) -> tuple[Card, str] | None:
        """The first card from ``kind`` in queue order, and its showing id."""
        params = self.source(kind)
        if params is None:
            return None
        statement = _statement(kind, "decks" in params)
        row = session.execute(statement, {**params, "n": 1}).first()
        if row is None:
            return None
        card: Card = row[0]
        return card, f"{card.id}.{row[1] or 0}"

    def counts(self, session: Session) -> dict[str, int]:
        """How many cards each source holds, capped, in one statement."""
        caps = {"due": min(self.review_left, COUNT_CAP), "new": min(self.new_left, COUNT_CAP),
                "repeat": COUNT_CAP}
        modes: list[str] = []
        params: dict[str, Any] = {}
        for kind in _KINDS:
            kind_params = self.source(kind)
            if kind_params is None or caps[kind] <= 0:
                modes.append("closed")
                continue
            params.update({k: v for k, v in kind_params.items() if k != "decks"})
            params[f"n_{kind}"] = caps[kind]
            if "decks" in kind_params:
                modes.append("decks")
                params[f"decks_{kind}"] = kind_params["decks"]
            else:
                modes.append("all")
        if all(mode == "closed" for mode in modes):
            return {"review": 0, "new": 0, "repeat": 0}
        row = session.execute(_count_statement(tuple(modes)), params).one()
        return {"review": int(row[0]), "new": int(row[1]), "repeat": int(row[2])}


def _context(
    session: Session, user: Reviewer, now: datetime, deck_id: int | None
) -> _Context | None:
    start, end = review_day(user, now)
    tree = load_decks(session, user)
    if deck_id is not None and deck_id not in tree.nodes:
        return None
    totals = today_totals(session, user.id, start, end)
    return plan_context(user, now, (start, end), tree, deck_id, totals,
                        lambda: today_counts(session, user.id, start, end))


@lru_cache(maxsize=256)
def _least_limits(tree: DeckTree, deck_id: int | None) -> tuple[int, int]:
    """The least new and review limits over the decks in scope and their ancestors."""
    tops = [deck_id] if deck_id is not None else tree.roots
    relevant = {a for top in tops for d in tree.subtree(top) for a in tree.chain(d, None)}
    return (min((tree.nodes[a].new_limit for a in relevant), default=0),
            min((tree.nodes[a].review_limit for a in relevant), default=0))


@lru_cache(maxsize=256)
def _fresh_plan(tree: DeckTree, deck_id: int | None) -> _Plan:
    """The plan of a day on which no deck has an answer yet (``prefer_new`` unset)."""
    counts = DayCounts()
    counts.new.update({d: 0 for d in tree.nodes})
    counts.review.update({d: 0 for d in tree.nodes})
    return _plan(tree, counts, None, deck_id)


for _memo in (_least_limits, _fresh_plan):
    caches.register(
        f"deck tree {_memo.__name__.strip('_').replace('_', ' ')}",
        f"app.review.queue.{_memo.__name__}",
        holds=f"per deck tree and deck: {(_memo.__doc__ or '').splitlines()[0]}",
        invalidated_by="nothing: a function of an unchangeable tree (changed decks give "
                       "another tree)",
        clear=_memo.cache_clear,
    )


def plan_context(
    user: Reviewer,
    now: datetime,
    day: tuple[datetime, datetime],
    tree: DeckTree,
    deck_id: int | None,
    totals: DayCounts,
    by_deck: Callable[[], DayCounts],
) -> _Context:
    """What is left today and where the next card may come from, given today's answers
    in total (``totals``) and per deck (``by_deck``, asked only when a limit may be near)."""
    start, end = day
    tops = [deck_id] if deck_id is not None else tree.roots
    smallest_new, smallest_review = _least_limits(tree, deck_id)
    if totals.new[0] < smallest_new and totals.review[0] < smallest_review:
        # No deck can have reached a limit yet: spare the per-deck count. Every deck is
        # then open as on a fresh day, whose plan is kept per tree.
        plan = replace(
            _fresh_plan(tree, deck_id),
            prefer_new=_prefer_new(tree, user, deck_id, totals.new[0], totals.review[0]),
        )
        new_left = sum(tree.nodes[t].new_limit for t in tops) - totals.new[0]
        review_left = sum(tree.nodes[t].review_limit for t in tops) - totals.review[0]
    else:
        counts = by_deck()
        plan = _plan(tree, counts, user, deck_id)
        left_new, left_review = _left_today(tree, counts)
        new_left = sum(left_new[t] for t in tops)
        review_left = sum(left_review[t] for t in tops)
    return _Context(user, now, start, end, tree, deck_id, plan, max(new_left, 0),
                    max(review_left, 0))


_LAST_REVIEW = text("SELECT max(id) FROM reviews WHERE card_id = :cid")


def showing_id_for(session: Session, card: Card) -> str:
    """An id for this showing of the card: it changes with every review row of the card."""
    last = session.execute(_LAST_REVIEW, {"cid": card.id}).scalar()
    return f"{card.id}.{last or 0}"


def _next(session: Session, ctx: _Context) -> Showing | None:
    for kind in (("new", "due") if ctx.plan.prefer_new else ("due", "new")):
        found = ctx.first(session, kind)
        if found is not None:
            card, showing_id = found
            return Showing(card, False, showing_id, card.due is None,
                           ctx.tree.nodes[card.deck_id].name)
    found = ctx.first(session, "repeat")
    if found is None:
        return None
    card, showing_id = found
    return Showing(card, True, showing_id, False, ctx.tree.nodes[card.deck_id].name)


def next_card(
    session: Session, user: Reviewer, now: datetime, deck_id: int | None = None
) -> Showing | None:
    """The card to review next today, or None when the day is done."""
    ctx = _context(session, user, now, deck_id)
    return None if ctx is None else _next(session, ctx)


def _counts(session: Session, ctx: _Context) -> dict[str, int]:
    return ctx.counts(session)


def remaining_counts(
    session: Session, user: Reviewer, now: datetime, deck_id: int | None = None
) -> dict[str, int]:
    """How many reviews, new cards and same-day repeats are left today (capped)."""
    ctx = _context(session, user, now, deck_id)
    if ctx is None:
        return {"review": 0, "new": 0, "repeat": 0}
    return _counts(session, ctx)


def next_with_counts(
    session: Session, user: Reviewer, now: datetime, deck_id: int | None = None
) -> tuple[Showing | None, dict[str, int]]:
    """The next card and the counts left today, sharing one look at the day."""
    ctx = _context(session, user, now, deck_id)
    if ctx is None:
        return None, {"review": 0, "new": 0, "repeat": 0}
    showing = _next(session, ctx)
    return showing, (_counts(session, ctx) if showing is not None else {})


@dataclass
class DeckRow:
    """One line of the deck list."""

    id: int
    name: str
    short_name: str
    depth: int
    due: int
    new: int
    learning: int


def deck_overview(session: Session, user: User, now: datetime) -> list[DeckRow]:
    """Every deck, nested, with today's due, new and learning (same-day repeat) counts.

    A deck's counts include its subdecks and are capped by what its limits
    still allow today.
    """
    start, end = review_day(user, now)
    tree = load_decks(session, user)
    new_left, review_left = _left_today(tree, counts=today_counts(session, user.id, start, end))
    base = select(Card.deck_id, func.count()).where(Card.user_id == user.id, _live(now))
    due_rows = session.execute(
        base.where(
            Card.due.is_not(None), Card.due < end,
            or_(Card.last_reviewed_at.is_(None), Card.last_reviewed_at < start),
        ).group_by(Card.deck_id)
    ).all()
    new_rows = session.execute(base.where(Card.due.is_(None)).group_by(Card.deck_id)).all()
    learning_rows = session.execute(
        base.where(Card.repeat_pending.is_(True), Card.last_reviewed_at >= start)
        .group_by(Card.deck_id)
    ).all()
    due = {d: int(n) for d, n in due_rows}
    new = {d: int(n) for d, n in new_rows}
    learning = {d: int(n) for d, n in learning_rows}

    rows: list[DeckRow] = []

    def visit(deck_id: int, depth: int) -> None:
        node = tree.nodes[deck_id]
        subtree = tree.subtree(deck_id)
        rows.append(DeckRow(
            id=deck_id, name=node.name, short_name=node.short_name, depth=depth,
            due=min(review_left[deck_id], sum(due.get(d, 0) for d in subtree)),
            new=min(new_left[deck_id], sum(new.get(d, 0) for d in subtree)),
            learning=sum(learning.get(d, 0) for d in subtree),
        ))
        for child in node.children:
            visit(child, depth + 1)

    for root in tree.roots:
        visit(root, 0)
    return rows


@dataclass
class DaySummary:
    """The end-of-day screen: what was done today and what tomorrow holds."""

    reviewed: int
    new: int
    repeats: int
    seconds: int
    due_tomorrow: int
    new_tomorrow: int


def day_summary(session: Session, user: User, now: datetime) -> DaySummary:
    """Today's answers (undone ones left out) and tomorrow's due and new counts."""
    start, end = review_day(user, now)
    undo = _UNDO
    rows = session.execute(
        select(Review.kind, Review.due_before.is_(None), func.count(),
               func.coalesce(func.sum(Review.duration_ms), 0))
        .where(
            Review.user_id == user.id,
            Review.reviewed_at >= start,
            Review.reviewed_at < end,
            Review.kind != ReviewKind.UNDO.value,
            ~select(undo.id).where(undo.undoes_id == Review.id).exists(),
        )
        .group_by(Review.kind, Review.due_before.is_(None))
    ).all()
    reviewed = new = repeats = millis = 0
    for kind, was_new, count, duration in rows:
        millis += int(duration or 0)
        if kind == ReviewKind.REPEAT.value:
            repeats += count
        elif was_new:
            new += count
        else:
            reviewed += count
    tomorrow_end = end + timedelta(days=1)
    due_tomorrow = session.scalar(
        select(func.count()).where(
            Card.user_id == user.id, _live(end), Card.due.is_not(None), Card.due < tomorrow_end
        )
    ) or 0
    new_cards = session.scalar(
        select(func.count()).where(Card.user_id == user.id, _live(end), Card.due.is_(None))
    ) or 0
    return DaySummary(
        reviewed=reviewed, new=new, repeats=repeats, seconds=millis // 1000,
        due_tomorrow=int(due_tomorrow), new_tomorrow=min(int(new_cards), user.new_per_day),
    )
