"""Storing hand-made and edited cards: the shell's card functions.

Every function takes a session and never commits; the caller (a view or a
CLI command) commits once. Nothing is hard-deleted: a deleted card keeps its
row (``deleted_at``) so its review history stays, and an extracted card's
key is tombstoned so no import brings it back.

How hand-made cards are stored:

- ``basic``: one card, key and note key ``manual:<uuid>``.
- ``reversed``: two sibling cards sharing the note key ``manual:<uuid>``:
  ord 0 (key ``manual:<uuid>``) asks the front, ord 1 (key
  ``manual:<uuid>:r``) holds the sides swapped, so it asks the back. The
  note's fields (for export) are ord 0's.
- ``cloze``: one card per cloze number, all sharing the note key; the card
  of ``{{cN::…}}`` has ``ord = N - 1`` and key ``manual:<uuid>:cN``. Its
  ``front`` is the whole cloze text (``==highlights==`` numbered), its
  ``back`` the extra text shown with the answer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from app.cards.rescheduling import reschedule_moving
from app.i18n import _
from app.models import Card, CardKind, Deck, Tag, Tombstone
from cards.cloze import cloze_numbers, cloze_problem, has_cloze, highlights_to_clozes
from cards.draft import normalize

MAX_FIELD_BYTES = 64 * 1024
MAX_TAG_LENGTH = 200
MAX_DECK_NAME = 500
MANUAL_KINDS = (CardKind.BASIC.value, CardKind.REVERSED.value, CardKind.CLOZE.value)
MANUAL_PREFIX = "manual:"

_TAG_SPLIT = re.compile(r"[\s,，、]+")


class CardInputError(ValueError):
    """The typed card cannot be stored; the message says why, for the user."""


@dataclass
class CardInput:
    """What the add/edit form (or ``wengu add``) was given, as typed."""

    front: str = ""
    back: str = ""
    kind: str = CardKind.BASIC.value
    deck_id: str = ""
    new_deck: str = ""
    tags: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def parse_tags(text: str) -> list[str]:
    """Tag names from space- or comma-separated text, in order, without repeats."""
    seen: dict[str, None] = {}
    for name in _TAG_SPLIT.split(text.strip()):
        name = name.strip().lstrip("#")
        if name:
            seen.setdefault(name[:MAX_TAG_LENGTH], None)
    return list(seen)


def is_extracted(card: Card) -> bool:
    """Whether the card came from a note (its key is not a hand-made one)."""
    return not card.key.startswith(MANUAL_PREFIX)


def clean_deck_name(name: str) -> str:
    """A deck path with its parts trimmed (``a :: b`` → ``a::b``); empty parts dropped."""
    parts = [part.strip() for part in name.split("::")]
    return "::".join(part for part in parts if part)


def get_or_create_deck(session: Session, user_id: int, name: str) -> Deck:
    """The user's deck called ``name`` (a ``::`` path), created with its parents if missing."""
    name = clean_deck_name(name)
    if not name:
        raise CardInputError(_("A deck needs a name."))
    if len(name) > MAX_DECK_NAME:
        raise CardInputError(_("A deck name can have at most %(n)d characters.", n=MAX_DECK_NAME))
    parts = name.split("::")
    parent: Deck | None = None
    deck: Deck | None = None
    for depth in range(1, len(parts) + 1):
        path = "::".join(parts[:depth])
        deck = session.scalar(select(Deck).where(Deck.user_id == user_id, Deck.name == path))
        if deck is None:
            deck = Deck(user_id=user_id, name=path, parent=parent)
            session.add(deck)
            session.flush()
        parent = deck
    assert deck is not None
    return deck


def get_or_create_tags(session: Session, user_id: int, names: Iterable[str]) -> list[Tag]:
    """The user's tags with these names, created if missing."""
    tags = []
    for name in names:
        tag = session.scalar(select(Tag).where(Tag.user_id == user_id, Tag.name == name))
        if tag is None:
            tag = Tag(user_id=user_id, name=name)
            session.add(tag)
            session.flush()
        tags.append(tag)
    return tags


def resolve_deck(session: Session, user_id: int, form: CardInput) -> Deck:
    """The deck the form names: its "new deck" text, else its deck id (the user's own only)."""
    if form.new_deck.strip():
        return get_or_create_deck(session, user_id, form.new_deck)
    try:
        deck_id = int(form.deck_id)
    except ValueError:
        raise CardInputError(_("Choose a deck, or name a new one.")) from None
    deck = session.get(Deck, deck_id)
    if deck is None or deck.user_id != user_id:
        raise CardInputError(_("That deck does not exist."))
    return deck


def check_fields(kind: str, front: str, back: str) -> None:
    """Raise :class:`CardInputError` if the fields cannot make a card of ``kind``."""
    if kind not in MANUAL_KINDS:
        raise CardInputError(_("Unknown card kind."))
    if not front.strip():
        raise CardInputError(_("The front is empty."))
    for label, text in ((_("front"), front), (_("back"), back)):
        if len(text.encode("utf-8")) > MAX_FIELD_BYTES:
            raise CardInputError(
                _("The %(field)s is longer than %(n)d KB.", field=label, n=MAX_FIELD_BYTES // 1024)
            )
    unclosed = cloze_problem(front) if kind == CardKind.CLOZE.value else None
    if unclosed is not None:
        line, opening = unclosed
        raise CardInputError(_(
            "The cloze deletion %(opening)s on line %(line)d is never closed: end it with }}"
            " (braces inside it must be balanced).", opening=opening, line=line))
    if kind == CardKind.CLOZE.value and not has_cloze(front):
        raise CardInputError(
            _("A cloze card needs a deletion in its text: {{c1::…}} or ==…==.")
        )


def duplicates(
    session: Session, user_id: int, deck_id: int, front: str, *, exclude: Sequence[int] = ()
) -> list[Card]:
    """The user's live cards in ``deck_id`` whose front matches ``front`` once normalised."""
    wanted = normalize(front)
    if not wanted:
        return []
    rows = session.scalars(
        select(Card).where(
            Card.user_id == user_id,
            Card.deck_id == deck_id,
            Card.deleted_at.is_(None),
            Card.id.not_in(exclude) if exclude else Card.id.is_not(None),
            Card.search_text.startswith(wanted, autoescape=True),
        )
    )
    return [card for card in rows if normalize(card.front) == wanted]


def create_cards(
    session: Session, user_id: int, form: CardInput, now: datetime
) -> list[Card]:
    """Validate the form and add its card(s); nothing is added when it raises."""
    front, back = form.front.replace("\r\n", "\n"), form.back.replace("\r\n", "\n")
    check_fields(form.kind, front, back)
    tag_names = parse_tags(form.tags)
    deck = resolve_deck(session, user_id, form)
    tags = get_or_create_tags(session, user_id, tag_names)
    note_key = f"{MANUAL_PREFIX}{uuid.uuid4().hex}"
    specs: list[tuple[str, int, str, str]] = []
    if form.kind == CardKind.REVERSED.value:
        specs = [(note_key, 0, front, back), (f"{note_key}:r", 1, back, front)]
    elif form.kind == CardKind.CLOZE.value:
        text = highlights_to_clozes(front)
        specs = [(f"{note_key}:c{n}", n - 1, text, back) for n in cloze_numbers(text)]
    else:
        specs = [(note_key, 0, front, back)]
    cards = []
    for key, ord_, card_front, card_back in specs:
        card = Card(
            user_id=user_id, deck=deck, key=key, note_key=note_key, ord=ord_, kind=form.kind,
            front=card_front, back=card_back, created_at=now, modified_at=now, tags=list(tags),
        )
        session.add(card)
        cards.append(card)
    session.flush()
    return cards


def siblings(session: Session, card: Card) -> list[Card]:
    """The live cards sharing ``card``'s note key (itself included), by ord."""
    return list(
        session.scalars(
            select(Card)
            .where(
                Card.user_id == card.user_id,
                Card.note_key == card.note_key,
                Card.deleted_at.is_(None),
            )
            .order_by(Card.ord)
        )
    )


def edit_card(
    session: Session, card: Card, front: str, back: str, tags: str, deck: Deck, now: datetime
) -> None:
    """Change a card's text, tags and deck; siblings of a hand-made pair or cloze follow.

    An extracted card becomes ``edited``, so that imports report a conflict
    rather than overwrite it; a question given a back no longer needs an answer.
    """
    front, back = front.replace("\r\n", "\n"), back.replace("\r\n", "\n")
    kind = card.kind if card.kind in MANUAL_KINDS else CardKind.BASIC.value
    check_fields(kind, front, back)
    tag_rows = get_or_create_tags(session, card.user_id, parse_tags(tags))
    group = siblings(session, card) if not is_extracted(card) else [card]
    if card.kind == CardKind.CLOZE.value and not is_extracted(card):
        _edit_cloze(session, card, group, highlights_to_clozes(front), back, now)
        group = siblings(session, card)
    elif card.kind == CardKind.REVERSED.value and not is_extracted(card):
        for other in group:
            swapped = (other.ord != card.ord)
            other.front, other.back = (back, front) if swapped else (front, back)
    else:
        card.front, card.back = front, back
    for other in group:
        other.deck = deck
        other.tags = list(tag_rows)
        other.modified_at = now
        if is_extracted(other):
            other.edited = True
        if other.needs_answer and other.back.strip():
            other.needs_answer = False  # answered through the edit form
    session.flush()


def _edit_cloze(
    session: Session, card: Card, group: list[Card], text: str, back: str, now: datetime
) -> None:
    numbers = set(cloze_numbers(text))
    by_number = {other.ord + 1: other for other in group}
    for number, other in by_number.items():
        if number in numbers:
            other.front, other.back = text, back
        else:
            delete_cards(session, [other], now)
    for number in sorted(numbers - by_number.keys()):
        session.add(
            Card(
                user_id=card.user_id, deck_id=card.deck_id, key=f"{card.note_key}:c{number}",
                note_key=card.note_key, ord=number - 1, kind=card.kind, front=text, back=back,
                created_at=now, modified_at=now, tags=list(card.tags),
            )
        )
    session.flush()


def delete_cards(session: Session, cards: Iterable[Card], now: datetime, *,
                 reason: str = "deleted") -> int:
    """Mark cards deleted (rows and history kept); extracted ones get a tombstone saying
    why (``reason``: "deleted", or "not-a-card" when thrown away during review)."""
    count = 0
    for card in cards:
        if card.deleted_at is not None:
            continue
        card.deleted_at = now
        count += 1
        if is_extracted(card):
            exists = session.scalar(
                select(func.count()).select_from(Tombstone).where(
                    Tombstone.user_id == card.user_id, Tombstone.key == card.key
                )
            )
            if not exists:
                session.add(Tombstone(user_id=card.user_id, key=card.key, front=card.front,
                                      reason=reason, created_at=now))
    session.flush()
    return count


def set_suspended(cards: Iterable[Card], suspended: bool) -> int:
    """Suspend (or unsuspend) cards; returns how many changed."""
    count = 0
    for card in cards:
        if card.suspended != suspended:
            card.suspended = suspended
            count += 1
    return count


def move_cards(cards: Iterable[Card], deck: Deck) -> int:
    """Move cards to ``deck``; returns how many moved. A card whose scheduler changes
    with the move (SM-2 ↔ FSRS) is rescheduled from its history."""
    moving = [card for card in cards if card.deck_id != deck.id]
    session = object_session(deck)
    if moving and session is not None:
        reschedule_moving(session, moving, deck)
    for card in moving:
        card.deck = deck
    return len(moving)


def tag_cards(session: Session, cards: Iterable[Card], names: Sequence[str]) -> int:
    """Add tags to cards (existing tags kept); returns how many cards gained a tag."""
    if not names:
        return 0
    count = 0
    cards = list(cards)
    if not cards:
        return 0
    tags = get_or_create_tags(session, cards[0].user_id, names)
    for card in cards:
        missing = [tag for tag in tags if tag not in card.tags]
        if missing:
            card.tags.extend(missing)
            count += 1
    return count


def reset_scheduling(cards: Iterable[Card]) -> int:
    """Make cards new again (SM-2 state back to the start); their review history stays."""
    count = 0
    for card in cards:
        card.reps, card.ef, card.interval_days, card.lapses = 0, 250, 0, 0
        card.due = None
        card.last_reviewed_at = None
        card.repeat_pending = False
        card.buried_until = None
        count += 1
    return count


def answer_question(card: Card, back: str, now: datetime) -> None:
    """Give a question that needs an answer its answer: it becomes a normal new card."""
    back = back.replace("\r\n", "\n")
    if not back.strip():
        raise CardInputError(_("The answer is empty."))
    if len(back.encode("utf-8")) > MAX_FIELD_BYTES:
        raise CardInputError(_("The answer is longer than %(n)d KB.", n=MAX_FIELD_BYTES // 1024))
    card.back = back
    card.needs_answer = False
    card.modified_at = now
    if is_extracted(card):
        card.edited = True
