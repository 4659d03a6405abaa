"""The review's store: the rows the queue needs, and the one way to write an answer.

The queue's rules live in :mod:`cards.queue`; this module only reads what
they need (the user's decks, live cards, today's answers) and writes what an
answer changes. :func:`write_answer` is the only writer of answers, used by
every path: it moves the user's ``cards_version`` on first (which also locks
the user's row, so two answers of one user never interleave), then reads the
card's committed state, asks its deck's scheduler (:func:`cards.scheduler.next_state`:
SM-2 or FSRS, see :mod:`app.cards.scheduler_choice`) for the new one, appends
the review row (the state before and after, SM-2's and FSRS's fields) and
stores the card's state. An answer is therefore always
computed from what is stored, whatever an open page or a worker's memory
believed. An answer and an undo are also counted into the statistics rollup
(:func:`app.stats.rollup.record`). Functions here take a session and never
commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any, NamedTuple, Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.cards.display import SidesSource
from app.cards.scheduler_choice import remember, user_schedulers
from app.models import Card, Deck, NoteSource, Review, ReviewKind, bump_cards_version
from app.stats import rollup
from cards.fsrs_scheduler import Phase
from cards.queue import DeckLimits, DeckTree, Done, Limits, QueueCard, Rules, day_bounds
from cards.scheduler import CardState, DeckScheduler, next_state
from cards.sm2 import MAX_INTERVAL, State

__all__ = [
    "Refused",
    "Reviewer",
    "ReviewerValues",
    "ShownRow",
    "Written",
    "answered_today",
    "apply_state",
    "card_state",
    "last_undoable",
    "last_undoable_id",
    "live_card",
    "load_cards",
    "load_decks",
    "load_done",
    "load_shown",
    "next_unburial",
    "review_day",
    "rules_of",
    "state_of",
    "undo_answer",
    "undo_last",
    "user_zone",
    "write_answer",
]


class Reviewer(Protocol):
    """What the queue reads of a user."""

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
    def max_interval_days(self) -> int: ...
    @property
    def new_stop_overdue(self) -> int | None: ...
    @property
    def cards_version(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ReviewerValues:
    """A :class:`Reviewer` read once (an ORM user reloads itself after each commit)."""

    id: int
    timezone: str
    day_start_hour: int
    new_per_day: int
    reviews_per_day: int
    max_interval_days: int
    new_stop_overdue: int | None
    cards_version: int

    @classmethod
    def of(cls, user: Reviewer) -> ReviewerValues:
        """``user``'s values as they are now."""
        return cls(user.id, user.timezone, user.day_start_hour, user.new_per_day,
                   user.reviews_per_day, user.max_interval_days, user.new_stop_overdue,
                   user.cards_version)


def user_zone(user: Reviewer) -> tzinfo:
    """The user's time zone (UTC if the stored name is unknown)."""
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def review_day(user: Reviewer, now: datetime) -> tuple[datetime, datetime]:
    """Start and end (aware UTC) of the user's review day containing ``now``."""
    return day_bounds(now, user_zone(user), user.day_start_hour)


def rules_of(user: Reviewer) -> Rules:
    """The queue's rules as the user set them."""
    return Rules(overall=Limits(user.new_per_day, user.reviews_per_day),
                 stop_new_overdue=user.new_stop_overdue)


def live_card() -> ColumnElement[bool]:
    """A card that may be reviewed: answered, not suspended, retired or thrown away.

    (Burying is a rule of the day's queue: :func:`cards.queue.is_buried`.)
    """
    return and_(
        Card.needs_answer.is_(False),
        Card.suspended.is_(False),
        Card.retired_at.is_(None),
        Card.deleted_at.is_(None),
    )


def card_state(card: Card) -> CardState:
    """The card's scheduling columns (SM-2's and FSRS's) as the core sees them."""
    return _card_state(tuple(getattr(card, column.key) for column in _STATE))


def state_of(card: Card) -> State:
    """The card's SM-2 state as the SM-2 core sees it."""
    return card_state(card).sm2_state()


def apply_state(card: Card, state: CardState) -> None:
    """Write ``state`` onto the card (the ORM way: for rescheduling and undo)."""
    for column, value in zip(_STATE, _columns(state), strict=True):
        setattr(card, column.key, value)


def load_decks(session: Session, user: Reviewer) -> DeckTree:
    """The user's decks; a limit left unset comes from the parent, then the user."""
    rows = session.execute(
        select(Deck.id, Deck.name, Deck.parent_id, Deck.new_per_day, Deck.reviews_per_day)
        .where(Deck.user_id == user.id)
    )
    return DeckTree.build((DeckLimits(*row) for row in rows),
                          Limits(user.new_per_day, user.reviews_per_day))


_QUEUE_COLUMNS = (Card.id, Card.deck_id, Card.note_key, Card.due, Card.last_reviewed_at,
                  Card.repeat_pending, Card.buried_until)
_CARDS_OF_DAY = (
    select(*_QUEUE_COLUMNS)
    .where(
        Card.user_id == bindparam("uid"),
        live_card(),
        or_(Card.due.is_(None), Card.due < bindparam("end"),
            and_(Card.repeat_pending.is_(True), Card.last_reviewed_at >= bindparam("start"))),
    )
)
_HELD_NOTES = (
    select(Card.note_key).distinct()
    .where(Card.user_id == bindparam("uid"), Card.note_key.is_not(None),
           Card.last_reviewed_at >= bindparam("start"))
)


def load_cards(session: Session, user_id: int, start: datetime,
               end: datetime) -> tuple[list[QueueCard], set[str]]:
    """The user's live cards that today's queue may show (new, due before ``end``,
    pending repeats), and the notes with a card answered today."""
    params = {"uid": user_id, "start": start, "end": end}
    cards = [QueueCard(*row) for row in session.execute(_CARDS_OF_DAY, params)]
    held = {str(key) for key in session.scalars(_HELD_NOTES, params)}
    return cards, held


_UNDO = aliased(Review, name="undo")
_DONE = (
    select(Card.deck_id, Review.due_before.is_(None), func.count())
    .select_from(Review)
    .join(Card, Card.id == Review.card_id)
    .where(
        Review.user_id == bindparam("uid"),
        Review.reviewed_at >= bindparam("start"),
        Review.reviewed_at < bindparam("end"),
        Review.kind == ReviewKind.REVIEW.value,
        ~select(_UNDO.id).where(_UNDO.undoes_id == Review.id).exists(),
    )
    .group_by(Card.deck_id, Review.due_before.is_(None))
)


def load_done(session: Session, user_id: int, start: datetime, end: datetime) -> Done:
    """Today's scheduled answers per deck, new and seen (undone ones left out)."""
    done = Done()
    for deck_id, was_new, count in session.execute(
        _DONE, {"uid": user_id, "start": start, "end": end}
    ):
        into = done.new if was_new else done.review
        into[deck_id] = into.get(deck_id, 0) + int(count)
    return done


def next_unburial(session: Session, user_id: int, now: datetime) -> datetime | None:
    """When the user's next buried card comes back, if one is buried at ``now``."""
    return session.scalar(
        select(func.min(Card.buried_until)).where(Card.user_id == user_id,
                                                  Card.buried_until > now)
    )


_LATEST_REVIEW = (
    select(func.max(Review.id)).where(Review.card_id == Card.id).scalar_subquery()
)


class ShownRow(NamedTuple):
    """A card about to be shown, as :func:`load_shown` reads it."""

    context: str | None
    sides: SidesSource
    state: CardState
    latest_review: int  # the id of its latest review row (0: none)


def load_shown(session: Session, user_id: int,
               card_ids: Sequence[int]) -> dict[int, ShownRow]:
    """The cards about to be shown, as stored: what the page shows of each, its sides'
    source, its state and the id of its latest review row (plain rows: no ORM objects)."""
    if not card_ids:
        return {}
    rows = session.connection().execute(_SHOWN, {"uid": user_id, "ids": list(card_ids)})
    found: dict[int, ShownRow] = {}
    for card_id, context, kind, ord_, front, back, path, *rest in rows:
        *state, latest = rest
        sides = SidesSource(user_id, kind, ord_, front, back, path)
        found[int(card_id)] = ShownRow(context, sides, _card_state(state), int(latest or 0))
    return found


class Refused(Enum):
    """Why an answer was not written."""

    ANSWERED = "answered"  # this showing was answered already (a double submit)
    STALE = "stale"  # the card was answered or changed elsewhere since it was shown
    GONE = "gone"  # not the user's card, or no longer live


@dataclass(frozen=True, slots=True)
class Written:
    """What an answer stored: the card as the queue reads it now, its state, whether
    the answer was a scheduled one (not a same-day repeat) of a new card, the review
    row's id, and the user's ``cards_version`` before this answer."""

    card: QueueCard
    after: CardState
    scheduled: bool
    was_new: bool
    review_id: int
    version_before: int


_STATE = (Card.reps, Card.ef, Card.interval_days, Card.due, Card.lapses,
          Card.last_reviewed_at, Card.repeat_pending,
          Card.fsrs_phase, Card.fsrs_step, Card.stability, Card.difficulty)
_ANSWERED_SHOWING = (
    select(Review.id)
    .where(Review.card_id == Card.id, Review.showing_id == bindparam("sid"))
    .scalar_subquery()
)
# The rollup's mark comes with the card: record() then reads nothing of its own.
_COMMITTED_CARD = (
    select(*_STATE, Card.deck_id, Card.note_key, Card.buried_until, _LATEST_REVIEW,
           _ANSWERED_SHOWING, *rollup.mark_columns(Card.user_id))
    .where(Card.id == bindparam("cid"), Card.user_id == bindparam("uid"), live_card())
)
_INSERT_REVIEW = cast(Table, Review.__table__).insert()
_CARDS = cast(Table, Card.__table__)
_UPDATE_STATE = (
    _CARDS.update()
    .where(_CARDS.c.id == bindparam("card_id"))
    .values({c.key: bindparam(f"new_{c.key}") for c in _STATE})
)

# The cards about to be shown (load_shown): a page's columns, the sides' source, the
# state and the latest review row; the note's path only matters to a card with images.
_SHOWN = (
    select(Card.id, Card.context, Card.kind, Card.ord, Card.front, Card.back,
           NoteSource.path, *_STATE, _LATEST_REVIEW)
    .outerjoin(NoteSource, NoteSource.id == Card.source_id)
    .where(Card.user_id == bindparam("uid"), Card.id.in_(bindparam("ids", expanding=True)))
)


def write_answer(
    session: Session,
    user_id: int,
    card_id: int,
    grade: int,
    now: datetime,
    day_start: datetime,
    *,
    showing: str | None,
    duration_ms: int | None = None,
    max_interval: int = MAX_INTERVAL,
) -> Written | Refused:
    """Answer the card with ``grade`` from its committed state with its deck's scheduler:
    the review row and the card's new state, the user's ``cards_version`` moved on
    (not committed). ``max_interval``: SM-2's longest interval (the user's setting).

    ``showing``: the showing id the page showed (:func:`cards.queue.showing_id`);
    when it is no longer the card's current one nothing is written. None answers
    whatever the card's state is (the command line, tests).
    """
    versions = bump_cards_version(session, (user_id,))  # first: locks the user's row
    connection = session.connection()
    row = connection.execute(_COMMITTED_CARD, {"cid": card_id, "uid": user_id,
                                               "sid": showing}).first()
    if row is None:
        return Refused.GONE
    *state, deck_id, note_key, buried_until, latest, answered, mark_zone, mark_hour = row
    if answered is not None:
        return Refused.ANSWERED
    if showing is not None and showing != f"{card_id}.{latest or 0}":
        return Refused.STALE
    before = _card_state(tuple(state))
    # A same-day repeat: SM-2's, or an FSRS learning step answered the same day.
    same_day_repeat = bool(before.repeat_pending and before.last_review is not None
                           and before.last_review >= day_start)
    # The decks' schedulers as kept for the version found (an answer changes no deck).
    schedulers = user_schedulers(lambda: session, user_id, versions[user_id] - 1)
    scheduler = schedulers.get(deck_id, DeckScheduler())
    after = next_state(before, scheduler, grade, now, same_day_repeat=same_day_repeat,
                       max_interval=max_interval)
    kind = ReviewKind.REPEAT if same_day_repeat else ReviewKind.REVIEW
    values = {
        **_review_values(user_id, card_id, before, after),
        "kind": kind.value, "grade": int(grade), "reviewed_at": now,
        "showing_id": showing, "duration_ms": duration_ms, "undoes_id": None,
    }
    inserted = connection.execute(_INSERT_REVIEW, values).inserted_primary_key
    assert inserted is not None  # a single-row insert always reports its key
    rollup.record(session, user_id, [values], clock=rollup.clock_of(mark_zone, mark_hour))
    connection.execute(_UPDATE_STATE, {
        "card_id": card_id,
        **{f"new_{c.key}": v for c, v in zip(_STATE, _columns(after), strict=True)},
    })
    loaded = session.identity_map.get(session.identity_key(Card, card_id))
    if loaded is not None:
        session.expire(loaded)
    remember(user_id, versions[user_id], schedulers)
    return Written(
        card=QueueCard(card_id, deck_id, note_key, after.due, after.last_review,
                       after.repeat_pending, buried_until),
        after=after, scheduled=kind is ReviewKind.REVIEW, was_new=before.due is None,
        review_id=int(inserted[0]), version_before=versions[user_id] - 1,
    )


def _card_state(values: Sequence[Any]) -> CardState:
    """The state from the values of :data:`_STATE`'s columns."""
    reps, ef, interval, due, lapses, last_review, repeat_pending, phase, step, stability, \
        difficulty = values
    return CardState(reps=reps, ef=ef, interval=interval, due=due, lapses=lapses,
                     last_review=last_review, repeat_pending=repeat_pending, phase=Phase(phase),
                     step=step, stability=stability, difficulty=difficulty)


def _columns(state: CardState) -> tuple[Any, ...]:
    return (state.reps, state.ef, state.interval, state.due, state.lapses, state.last_review,
            state.repeat_pending, int(state.phase), state.step, state.stability,
            state.difficulty)


def _review_values(user_id: int, card_id: int, before: CardState,
                   after: CardState) -> dict[str, Any]:
    return {
        "user_id": user_id, "card_id": card_id,
        "reps_before": before.reps, "ef_before": before.ef,
        "interval_before": before.interval, "due_before": before.due,
        "lapses_before": before.lapses, "repeat_pending_before": before.repeat_pending,
        "last_reviewed_before": before.last_review,
        "fsrs_phase_before": int(before.phase), "fsrs_step_before": before.step,
        "stability_before": before.stability, "difficulty_before": before.difficulty,
        "reps_after": after.reps, "ef_after": after.ef, "interval_after": after.interval,
        "due_after": after.due, "lapses_after": after.lapses,
        "repeat_pending_after": after.repeat_pending,
        "stability_after": after.stability, "difficulty_after": after.difficulty,
    }


_LAST_UNDOABLE = (
    select(Review.id)
    .where(Review.user_id == bindparam("uid"), Review.kind != ReviewKind.UNDO.value,
           ~select(_UNDO.id).where(_UNDO.undoes_id == Review.id).exists())
    .order_by(Review.reviewed_at.desc(), Review.id.desc())
    .limit(1)
)


def last_undoable_id(session: Session, user_id: int) -> int | None:
    """The id of the user's latest answer that has not been undone yet."""
    found = session.execute(_LAST_UNDOABLE, {"uid": user_id}).scalar()
    return None if found is None else int(found)


def last_undoable(session: Session, user_id: int) -> Review | None:
    """The user's latest answer that has not been undone yet."""
    review_id = last_undoable_id(session, user_id)
    return None if review_id is None else session.get(Review, review_id)


def undo_last(session: Session, user_id: int, now: datetime) -> Review | None:
    """Undo the user's latest answer not undone yet; the undo row, or None if there is none.

    The user's row is locked first (the ``cards_version`` bump), so two undos sent
    at once (two tabs) run one after the other and never undo the same answer twice.
    """
    bump_cards_version(session, (user_id,))
    latest = last_undoable(session, user_id)
    return None if latest is None else undo_answer(session, latest, now)


def undo_answer(session: Session, answer: Review, now: datetime) -> Review:
    """Put the card back as it was before ``answer`` and append the undo row (not committed)."""
    card = answer.card
    before = card_state(card)
    restored = replace(
        before,
        reps=answer.reps_before, ef=answer.ef_before, interval=answer.interval_before,
        due=answer.due_before, lapses=answer.lapses_before,
        last_review=answer.last_reviewed_before, repeat_pending=answer.repeat_pending_before,
    )
    if answer.fsrs_phase_before is not None:  # rows from before FSRS carry none
        restored = replace(
            restored, phase=Phase(answer.fsrs_phase_before), step=answer.fsrs_step_before,
            stability=answer.stability_before, difficulty=answer.difficulty_before,
        )
    apply_state(card, restored)
    row = Review(**_review_values(card.user_id, card.id, before, restored),
                 kind=ReviewKind.UNDO.value, grade=None, reviewed_at=now, undoes_id=answer.id)
    session.add(row)
    rollup.record(session, card.user_id, [answer], undone=True)
    return row


def answered_today(session: Session, user_id: int, start: datetime,
                   end: datetime) -> tuple[int, int, int, int]:
    """Today's answers (undone ones left out): reviews, new cards, same-day repeats,
    and the milliseconds spent."""
    rows = session.execute(
        select(Review.kind, Review.due_before.is_(None), func.count(),
               func.coalesce(func.sum(Review.duration_ms), 0))
        .where(
            Review.user_id == user_id, Review.reviewed_at >= start, Review.reviewed_at < end,
            Review.kind != ReviewKind.UNDO.value,
            ~select(_UNDO.id).where(_UNDO.undoes_id == Review.id).exists(),
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
    return reviewed, new, repeats, millis
