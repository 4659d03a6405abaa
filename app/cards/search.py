"""The card browser's query: filters, full-text search, sorting and keyset pages.

A :class:`BrowseQuery` is parsed from the browser's query string and turned
into one ``SELECT`` over the user's live (not deleted) cards.

Search is a substring match on ``Card.search_text``, which holds
``normalize(front + "\\n" + back)`` (NFKC, case-folded, spaces collapsed); the
query is normalised the same way, so ``云原生`` finds ``云原⽣`` and ``SM2``
finds ``sm2``.

States (``now`` is the request's time):

- ``new``: never scheduled (``due`` is NULL), with an answer, not suspended or retired.
- ``learning``: answered but not yet remembered once: a same-day repeat is
  pending, or ``reps == 0`` with a due time set (failed on its last review).
- ``due``: due at or before ``now``; not suspended, buried, retired or
  waiting for an answer.
- ``suspended``, ``buried`` (``buried_until`` after ``now``), ``retired``
  (its note no longer holds it), ``needs_answer``, ``edited`` (an extracted
  card the user changed by hand).

Pages are keyset pages: ordered by ``(sort value, id)``, NULLs last, and a
page starts strictly after (or ends strictly before) the cursor row, so no
row is skipped or repeated however many share a sort value.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, contains_eager, load_only

from app.models import Card, Deck, NoteSource, Review, ReviewKind, Tag, card_tags
from cards.draft import normalize

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

STATES = ("new", "learning", "due", "suspended", "buried", "retired", "needs_answer", "edited")


def review_count() -> ColumnElement[int]:
    """A card's number of answers: its review rows less each undo and the row it undid.

    Counted as ``rows - 2 × undos`` so that both counts come from indexes
    (``ix_reviews_card_time``, and the partial ``ix_reviews_card_undo``).
    """
    rows = (
        select(func.count()).select_from(Review).where(Review.card_id == Card.id)
        .correlate(Card).scalar_subquery()
    )
    undos = (
        select(func.count()).select_from(Review)
        .where(Review.card_id == Card.id, Review.kind == ReviewKind.UNDO.value)
        .correlate(Card).scalar_subquery()
    )
    count: ColumnElement[int] = rows - 2 * undos
    return count


# name → (expression, nullable, the Python type of its values). The browser's columns, sortable.
def _sort_columns() -> dict[str, tuple[Any, bool, type]]:
    return {
        "created": (Card.id, False, int),
        "front": (Card.front, False, str),
        "deck": (Deck.name, False, str),
        "kind": (Card.kind, False, str),
        "due": (Card.due, True, datetime),
        "interval": (Card.interval_days, False, int),
        "ef": (Card.ef, False, int),
        "lapses": (Card.lapses, False, int),
        "reviews": (review_count(), False, int),
        "source": (NoteSource.path, True, str),
    }


SORTS = ("created", "front", "deck", "kind", "due", "interval", "ef", "lapses", "reviews",
         "source")


# Integers a cursor may hold: what a 64-bit column stores (bigger ones overflow the driver).
MIN_INTEGER, MAX_INTEGER = -(2**63), 2**63 - 1


class BadCursor(ValueError):
    """A page cursor that cannot be decoded (edited by hand, or from another sort)."""


@dataclass(frozen=True)
class BrowseQuery:
    """What the browser shows: filters, search text, sort, and which page."""

    q: str = ""
    deck_id: int | None = None
    tag: str = ""
    state: str = ""
    source: str = ""
    sort: str = "created"
    desc: bool = True
    after: str = ""
    before: str = ""
    limit: int = PAGE_SIZE

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> BrowseQuery:
        """Parse the browser's query string; unknown values fall back to defaults."""
        sort = args.get("sort", "created")
        if sort not in SORTS:
            sort = "created"
        state = args.get("state", "")
        deck = args.get("deck", "")
        try:
            limit = min(max(int(args.get("limit", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        except ValueError:
            limit = PAGE_SIZE
        return cls(
            q=args.get("q", "").strip()[:500],
            deck_id=int(deck) if deck.isdigit() else None,
            tag=args.get("tag", "").strip(),
            state=state if state in STATES else "",
            source=args.get("source", "").strip()[:1000],
            sort=sort,
            desc=args.get("dir", "desc" if sort == "created" else "asc") == "desc",
            after=args.get("after", ""),
            before=args.get("before", ""),
            limit=limit,
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string for this query with ``changes`` (for links); defaults left out."""
        query = replace(self, **changes)
        out = {
            "q": query.q, "deck": str(query.deck_id or ""), "tag": query.tag,
            "state": query.state, "source": query.source, "sort": query.sort,
            "dir": "desc" if query.desc else "asc", "after": query.after, "before": query.before,
        }
        if query.limit != PAGE_SIZE:
            out["limit"] = str(query.limit)
        return {key: value for key, value in out.items() if value}


@dataclass(frozen=True)
class Page:
    """One page of the browser: its rows (card, review count), and the cursors around it."""

    rows: Sequence[tuple[Card, int]]
    next_cursor: str | None
    prev_cursor: str | None


def encode_cursor(value: Any, card_id: int) -> str:
    """An opaque cursor for the row with this sort value and id."""
    if isinstance(value, datetime):
        packed: Any = {"t": value.astimezone(UTC).isoformat()}
    else:
        packed = value
    raw = json.dumps([packed, card_id], ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, int]:
    """The sort value and id in a cursor (raises :class:`BadCursor`)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, card_id = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, TypeError) as error:
        raise BadCursor(str(error)) from None
    if not isinstance(card_id, int) or isinstance(card_id, bool) or not _fits(card_id):
        raise BadCursor("id")
    if isinstance(value, dict):
        try:
            value = datetime.fromisoformat(str(value["t"]))
        except (KeyError, ValueError):
            raise BadCursor("time") from None
        if value.tzinfo is None:
            raise BadCursor("naive time")
    elif value is not None and not _plain_value(value):
        raise BadCursor("value")
    return value, card_id


def _fits(number: int) -> bool:
    return MIN_INTEGER <= number <= MAX_INTEGER


def _plain_value(value: object) -> bool:
    """Whether ``value`` is an integer the database can hold or a NUL-free string."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return _fits(value)
    return isinstance(value, str) and "\x00" not in value


def deck_and_descendants(session: Session, user_id: int, deck_id: int) -> list[int]:
    """``deck_id`` and the ids of every deck below it (the user's decks only)."""
    rows = session.execute(select(Deck.id, Deck.parent_id).where(Deck.user_id == user_id)).all()
    children: dict[int | None, list[int]] = {}
    for ident, parent in rows:
        children.setdefault(parent, []).append(ident)
    if deck_id not in {ident for ident, _ in rows}:
        return []
    found, todo = [], [deck_id]
    while todo:
        ident = todo.pop()
        found.append(ident)
        todo.extend(children.get(ident, []))
    return found


def state_condition(state: str, now: datetime) -> ColumnElement[bool]:
    """The SQL condition for one of :data:`STATES` at ``now``."""
    not_buried = or_(Card.buried_until.is_(None), Card.buried_until <= now)
    conditions: dict[str, ColumnElement[bool]] = {
        "new": and_(Card.due.is_(None), Card.needs_answer.is_(False),
                    Card.suspended.is_(False), Card.retired_at.is_(None)),
        "learning": or_(Card.repeat_pending.is_(True),
                        and_(Card.reps == 0, Card.due.is_not(None))),
        "due": and_(Card.due <= now, Card.suspended.is_(False), not_buried,
                    Card.retired_at.is_(None), Card.needs_answer.is_(False)),
        "suspended": Card.suspended.is_(True),
        "buried": Card.buried_until > now,
        "retired": Card.retired_at.is_not(None),
        "needs_answer": Card.needs_answer.is_(True),
        "edited": Card.edited.is_(True),
    }
    return conditions.get(state, true())


def filtered(session: Session, user_id: int, query: BrowseQuery, now: datetime) -> Select[Any]:
    """The user's live cards matching the query's filters and search (no order, no page)."""
    stmt = (
        select(Card)
        .join(Deck, Deck.id == Card.deck_id)
        .outerjoin(NoteSource, NoteSource.id == Card.source_id)
        .where(Card.user_id == user_id, Card.deleted_at.is_(None))
    )
    if query.q:
        needle = normalize(query.q)
        if needle:
            stmt = stmt.where(Card.search_text.contains(needle, autoescape=True))
    if query.deck_id is not None:
        decks = deck_and_descendants(session, user_id, query.deck_id)
        stmt = stmt.where(Card.deck_id.in_(decks) if decks else false())
    if query.tag:
        stmt = stmt.where(
            exists()
            .where(card_tags.c.card_id == Card.id, card_tags.c.tag_id == Tag.id)
            .where(Tag.user_id == user_id, Tag.name == query.tag)
        )
    if query.state:
        stmt = stmt.where(state_condition(query.state, now))
    if query.source:
        stmt = stmt.where(NoteSource.path.contains(query.source, autoescape=True))
    return stmt


def _segments(
    column: Any, nullable: bool, kind: type, ascending: bool, nulls_last: bool, cursor: str,
) -> list[tuple[ColumnElement[bool], list[Any]]]:
    """The page's row sources in order: (condition, ORDER BY) for each.

    A nullable sort column is read in two segments, its non-NULL rows by
    ``(col, id)`` and its NULL rows by ``id``, so each segment can use an
    index; a cursor says where in which segment the page starts.
    """

    def beyond(expr: Any, bound: Any) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = expr > bound if ascending else expr < bound
        return condition

    id_order = Card.id.asc() if ascending else Card.id.desc()
    col_order = column.asc() if ascending else column.desc()
    value, card_id = decode_cursor(cursor) if cursor else (None, 0)
    if value is not None and not isinstance(value, kind):
        raise BadCursor("a value of another sort")  # PostgreSQL would refuse the comparison
    tail: ColumnElement[bool] = true()
    if value is not None:
        tail = or_(beyond(column, value), and_(column == value, beyond(Card.id, card_id)))
    elif cursor and not nullable:
        raise BadCursor("no value")
    if not nullable:
        return [(tail, [col_order, id_order])]
    values = (column.is_not(None), [col_order, id_order])
    nulls = (column.is_(None), [id_order])
    segments = [values, nulls] if nulls_last else [nulls, values]
    if not cursor:
        return segments
    if value is None:
        start = (and_(column.is_(None), beyond(Card.id, card_id)), [id_order])
        return [start, values] if not nulls_last else [start]
    start = (and_(column.is_not(None), tail), [col_order, id_order])
    return [start, nulls] if nulls_last else [start]


def shown_columns() -> list[Any]:
    """Load options for the browser's rows: the columns its table shows, nothing more.

    A card's note can be megabytes long; loading it (or a card's other sides) with
    each of its hundreds of rows made one page take seconds. Reading a column
    left out raises rather than quietly running a query per row.
    """
    return [
        load_only(Card.id, Card.deck_id, Card.source_id, Card.kind, Card.front, Card.line,
                  Card.needs_answer, Card.suspended, Card.due, Card.interval_days, Card.ef,
                  Card.lapses, raiseload=True),
        contains_eager(Card.deck).load_only(Deck.id, Deck.name, raiseload=True),
        contains_eager(Card.source).load_only(NoteSource.id, NoteSource.path, raiseload=True),
    ]


def page(session: Session, user_id: int, query: BrowseQuery, now: datetime) -> Page:
    """One page of the browser (raises :class:`BadCursor` for a mangled cursor)."""
    column, nullable, kind = _sort_columns()[query.sort]
    backwards = bool(query.before) and not query.after
    ascending = (not query.desc) != backwards
    cursor = query.before if backwards else query.after
    stmt = (
        filtered(session, user_id, query, now)
        .options(*shown_columns())
        .add_columns(column.label("sort_value"), review_count())
    )
    result: list[Any] = []
    for condition, order in _segments(column, nullable, kind, ascending, not backwards,
                                              cursor):
        wanted = query.limit + 1 - len(result)
        if wanted <= 0:
            break
        result.extend(session.execute(stmt.where(condition).order_by(*order).limit(wanted)))
    more = len(result) > query.limit
    result = result[: query.limit]
    if backwards:
        result.reverse()
    rows = [(row[0], int(row[2] or 0)) for row in result]
    first = encode_cursor(result[0][1], result[0][0].id) if result else None
    last = encode_cursor(result[-1][1], result[-1][0].id) if result else None
    if backwards:
        return Page(rows, next_cursor=last, prev_cursor=first if more else None)
    return Page(rows, next_cursor=last if more else None, prev_cursor=first if cursor else None)
