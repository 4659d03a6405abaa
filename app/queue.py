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
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.models import Card, Deck, Review, ReviewKind, User
from cards.queue import day_bounds

__all__ = [
    "DayCounts",
    "DeckTree",
    "Showing",
    "deck_overview",
    "load_decks",
    "next_card",
    "remaining_counts",
    "review_day",
    "showing_id_for",
    "today_counts",
    "user_zone",
]

COUNT_CAP = 1000  # remaining counts on the review page stop at this ("1000+")


def user_zone(user: User) -> tzinfo:
    """The user's time zone (UTC if the stored name is unknown)."""
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def review_day(user: User, now: datetime) -> tuple[datetime, datetime]:
    """Start and end (aware UTC) of the user's review day containing ``now``."""
    return day_bounds(now, user_zone(user), user.day_start_hour)


@dataclass
class DeckNode:
    """A deck with its effective daily limits."""

    id: int
    name: str
    parent_id: int | None
    new_limit: int
    review_limit: int
    children: list[int] = field(default_factory=list)

    @property
    def short_name(self) -> str:
        """The last part of the deck's path."""
        return self.name.rsplit("::", 1)[-1]


@dataclass
class DeckTree:
    """A user's decks, with inherited limits resolved."""

    nodes: dict[int, DeckNode]

    @property
    def roots(self) -> list[int]:
        """Top-level decks, by name."""
        return sorted(
            (n.id for n in self.nodes.values() if n.parent_id not in self.nodes),
            key=lambda i: self.nodes[i].name,
        )

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
        result = [deck_id]
        current = self.nodes[deck_id]
        while current.id != top and current.parent_id in self.nodes:
            current = self.nodes[current.parent_id]
            result.append(current.id)
        return result


def load_decks(session: Session, user: User) -> DeckTree:
    """The user's decks; a limit left unset comes from the parent, then the user."""
    rows = session.execute(
        select(Deck.id, Deck.name, Deck.parent_id, Deck.new_per_day, Deck.reviews_per_day)
        .where(Deck.user_id == user.id)
    ).all()
    own = {r.id: r for r in rows}

    def limit(deck_id: int, column: int) -> int:
        current = own.get(deck_id)
        while current is not None:
            value = current[column]
            if value is not None:
                return int(value)
            current = own.get(current.parent_id) if current.parent_id is not None else None
        return int(user.new_per_day if column == 3 else user.reviews_per_day)

    nodes = {
        r.id: DeckNode(r.id, r.name, r.parent_id, limit(r.id, 3), limit(r.id, 4)) for r in rows
    }
    for node in sorted(nodes.values(), key=lambda n: n.name):
        if node.parent_id in nodes:
            nodes[node.parent_id].children.append(node.id)
    return DeckTree(nodes)


@dataclass
class DayCounts:
    """Today's answers per deck: new cards started and reviews done (undone ones left out)."""

    new: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    review: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def today_counts(session: Session, user_id: int, start: datetime, end: datetime) -> DayCounts:
    """Count today's scheduled answers by deck and by whether the card was new."""
    undo = aliased(Review)
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


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(
        Card.needs_answer.is_(False),
        Card.suspended.is_(False),
        Card.retired_at.is_(None),
        Card.deleted_at.is_(None),
        or_(Card.buried_until.is_(None), Card.buried_until <= now),
    )


def _no_sibling_today(start: datetime) -> ColumnElement[bool]:
    sibling = aliased(Card)
    return ~(
        select(sibling.id)
        .where(
            sibling.user_id == Card.user_id,
            sibling.note_key == Card.note_key,
            sibling.id != Card.id,
            sibling.last_reviewed_at >= start,
        )
        .exists()
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


@dataclass
class _Plan:
    """Where today's cards may come from: decks still under their limits."""

    scope: list[int] | None  # None: every deck
    review_decks: list[int]
    new_decks: list[int]
    prefer_new: bool


def _plan(tree: DeckTree, counts: DayCounts, user: User, deck_id: int | None) -> _Plan:
    tops = [deck_id] if deck_id is not None else tree.roots
    scope = [d for top in tops for d in tree.subtree(top)]
    new_left, review_left = _left_today(tree, counts)
    done_new = sum(counts.new.get(d, 0) for d in scope)
    done_review = sum(counts.review.get(d, 0) for d in scope)
    if deck_id is not None:
        new_limit = tree.nodes[deck_id].new_limit
        review_limit = tree.nodes[deck_id].review_limit
    else:
        new_limit, review_limit = user.new_per_day, user.reviews_per_day
    # New cards are spread among the reviews at the ratio of the two limits
    # (20 new per 200 reviews: one new card after every ten reviews).
    prefer_new = (done_new + 1) * review_limit <= done_review * new_limit
    return _Plan(
        scope=None if deck_id is None else scope,
        review_decks=[d for d in scope if review_left[d] > 0],
        new_decks=[d for d in scope if new_left[d] > 0],
        prefer_new=prefer_new,
    )


def _in(decks: list[int], scope: list[int] | None, all_decks: int) -> ColumnElement[bool] | None:
    if scope is None and len(decks) == all_decks:
        return None
    return Card.deck_id.in_(decks)


def _due_query(user: User, plan: _Plan, tree: DeckTree, now: datetime,
               start: datetime, end: datetime) -> Select[Any] | None:
    if not plan.review_decks:
        return None
    query = select(Card).where(
        Card.user_id == user.id,
        Card.due.is_not(None),
        Card.due < end,
        _live(now),
        or_(Card.last_reviewed_at.is_(None), Card.last_reviewed_at < start),
        _no_sibling_today(start),
    )
    decks = _in(plan.review_decks, plan.scope, len(tree.nodes))
    if decks is not None:
        query = query.where(decks)
    return query.order_by(Card.due, Card.id)


def _new_query(user: User, plan: _Plan, tree: DeckTree, now: datetime,
               start: datetime) -> Select[Any] | None:
    if not plan.new_decks:
        return None
    query = select(Card).where(
        Card.user_id == user.id, Card.due.is_(None), _live(now), _no_sibling_today(start)
    )
    decks = _in(plan.new_decks, plan.scope, len(tree.nodes))
    if decks is not None:
        query = query.where(decks)
    return query.order_by(Card.id)


def _repeat_query(user: User, plan: _Plan, now: datetime,
                  start: datetime) -> Select[Any]:
    query = select(Card).where(
        Card.user_id == user.id,
        Card.repeat_pending.is_(True),
        Card.last_reviewed_at >= start,
        _live(now),
    )
    if plan.scope is not None:
        query = query.where(Card.deck_id.in_(plan.scope))
    return query.order_by(Card.last_reviewed_at, Card.id)


@dataclass
class Showing:
    """The card to show next, and what answering it will be."""

    card: Card
    same_day_repeat: bool
    showing_id: str
    is_new: bool


def showing_id_for(session: Session, card: Card) -> str:
    """An id for this showing of the card: it changes with every review row of the card."""
    last = session.scalar(select(func.max(Review.id)).where(Review.card_id == card.id))
    return f"{card.id}.{last or 0}"


def next_card(
    session: Session, user: User, now: datetime, deck_id: int | None = None
) -> Showing | None:
    """The card to review next today, or None when the day is done."""
    start, end = review_day(user, now)
    tree = load_decks(session, user)
    if deck_id is not None and deck_id not in tree.nodes:
        return None
    plan = _plan(tree, today_counts(session, user.id, start, end), user, deck_id)
    due = _due_query(user, plan, tree, now, start, end)
    new = _new_query(user, plan, tree, now, start)
    order = [new, due] if plan.prefer_new else [due, new]
    for query in order:
        if query is None:
            continue
        card = session.scalar(query.limit(1))
        if card is not None:
            return Showing(card, False, showing_id_for(session, card), card.due is None)
    card = session.scalar(_repeat_query(user, plan, now, start).limit(1))
    if card is None:
        return None
    return Showing(card, True, showing_id_for(session, card), False)


def _capped_count(session: Session, query: Select[Any] | None, cap: int) -> int:
    if query is None or cap <= 0:
        return 0
    inner = query.with_only_columns(Card.id).order_by(None).limit(cap).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def remaining_counts(
    session: Session, user: User, now: datetime, deck_id: int | None = None
) -> dict[str, int]:
    """How many reviews, new cards and same-day repeats are left today (capped)."""
    start, end = review_day(user, now)
    tree = load_decks(session, user)
    if deck_id is not None and deck_id not in tree.nodes:
        return {"review": 0, "new": 0, "repeat": 0}
    counts = today_counts(session, user.id, start, end)
    plan = _plan(tree, counts, user, deck_id)
    left_new, left_review = _left_today(tree, counts)
    tops = [deck_id] if deck_id is not None else tree.roots
    new_left = sum(left_new[t] for t in tops)
    review_left = sum(left_review[t] for t in tops)
    return {
        "review": _capped_count(
            session, _due_query(user, plan, tree, now, start, end), min(review_left, COUNT_CAP)
        ),
        "new": _capped_count(
            session, _new_query(user, plan, tree, now, start), min(new_left, COUNT_CAP)
        ),
        "repeat": _capped_count(session, _repeat_query(user, plan, now, start), COUNT_CAP),
    }


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
    undo = aliased(Review)
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
