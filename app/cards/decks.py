"""Deck management: create, rename, nest, delete, per-deck daily limits and scheduler.

A deck's ``name`` is its full path (``notes::kernel::mm``); renaming or
nesting a deck rewrites its own path and the paths of every deck below it.
A deck can be deleted when it holds no cards and no sub-decks, or with its
cards moved to another deck first. Daily limits left empty inherit from the
parent deck, then from the user's settings. So do the scheduler (SM-2 or
FSRS) and FSRS's desired retention; a change of scheduler reschedules the
deck's cards from their history (:mod:`app.cards.rescheduling`).

The store functions here take a session and never commit.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.access import get_owned_or_404
from app.accounts.auth import current_user, login_required
from app.cards.rescheduling import reschedule, reschedule_moving, schedulers_of
from app.cards.scheduler_choice import deck_scheduler
from app.cards.store import CardInputError, clean_deck_name, get_or_create_deck
from app.db import get_session
from app.i18n import _, n_
from app.models import Card, Deck
from cards.fsrs_scheduler import RETENTION_RANGE
from cards.scheduler import SchedulerKind

bp = Blueprint("decks", __name__, url_prefix="/decks")

MAX_LIMIT = 100_000


class DeckError(ValueError):
    """A deck change that cannot be made; the message says why, for the user."""


def subtree(session: Session, deck: Deck) -> list[Deck]:
    """``deck`` and every deck below it (parents before children)."""
    found, todo = [], [deck]
    while todo:
        current = todo.pop(0)
        found.append(current)
        todo.extend(session.scalars(select(Deck).where(Deck.parent_id == current.id)).all())
    return found


def leaf_name(deck: Deck) -> str:
    """The last part of a deck's path."""
    return deck.name.rsplit("::", 1)[-1]


def _set_path(session: Session, deck: Deck, parent: Deck | None, leaf: str) -> None:
    """Give ``deck`` a new parent and leaf name; every deck below it follows."""
    leaf = clean_deck_name(leaf)
    if not leaf or "::" in leaf:
        raise DeckError(_("A deck name cannot be empty or contain “::” (use “Nest under”)."))
    decks = subtree(session, deck)
    if parent is not None and parent in decks:
        raise DeckError(_("A deck cannot be nested under itself or its own sub-decks."))
    old_prefix = deck.name
    new_prefix = f"{parent.name}::{leaf}" if parent is not None else leaf
    if len(new_prefix) > 500:
        raise DeckError(_("That deck name is too long."))
    if new_prefix == old_prefix:
        deck.parent = parent
        return
    renamed = {d.id: new_prefix + d.name[len(old_prefix):] for d in decks}
    clash = session.scalar(
        select(Deck.name).where(
            Deck.user_id == deck.user_id,
            Deck.name.in_(list(renamed.values())),
            Deck.id.not_in(list(renamed)),
        )
    )
    if clash is not None:
        raise DeckError(_("There is already a deck called %(name)s.", name=clash))
    if any(len(name) > 500 for name in renamed.values()):
        raise DeckError(_("That deck name is too long."))
    # Two steps, so no intermediate state breaks the per-user unique names.
    for d in decks:
        d.name = f"~renaming~{d.id}~"
    session.flush()
    for d in decks:
        d.name = renamed[d.id]
    deck.parent = parent
    session.flush()


def rename_deck(session: Session, deck: Deck, leaf: str) -> None:
    """Rename a deck (its last path part); its sub-decks' paths follow."""
    _set_path(session, deck, deck.parent, leaf)


def nest_deck(session: Session, deck: Deck, parent: Deck | None) -> None:
    """Move a deck under ``parent`` (None: to the top); its sub-decks follow."""
    _set_path(session, deck, parent, leaf_name(deck))


def delete_deck(session: Session, deck: Deck, move_to: Deck | None) -> int:
    """Delete a deck with no sub-decks; its cards (deleted ones too) move to ``move_to``.

    Without ``move_to`` the deck must hold no live cards; the rows of cards
    deleted earlier (kept for their history) then go to the parent deck.
    Returns how many live cards moved.
    """
    if session.scalar(select(func.count()).select_from(Deck).where(Deck.parent_id == deck.id)):
        raise DeckError(_("This deck has sub-decks: delete or move them first."))
    if move_to is not None and move_to.id == deck.id:
        raise DeckError(_("Choose another deck to move the cards to."))
    live = session.scalar(
        select(func.count()).select_from(Card).where(
            Card.deck_id == deck.id, Card.deleted_at.is_(None))
    ) or 0
    target = move_to or deck.parent
    if live and move_to is None:
        raise DeckError(_("This deck still holds cards: choose a deck to move them to."))
    all_cards = session.scalars(select(Card).where(Card.deck_id == deck.id)).all()
    if all_cards and target is None:
        raise DeckError(
            _("This deck keeps the history of deleted cards: choose a deck to move it to."))
    if all_cards and target is not None:
        reschedule_moving(session, all_cards, target)
    for card in all_cards:
        card.deck = target  # type: ignore[assignment]
    session.flush()
    session.delete(deck)
    session.flush()
    return live


def parse_limit(text: str) -> int | None:
    """A daily limit from a form: empty is None (inherit), else a whole number ≥ 0."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_LIMIT:
        raise DeckError(_("A daily limit is a whole number from 0 to %(n)d, or empty to inherit.",
                          n=MAX_LIMIT))
    return int(text)


def parse_scheduler(text: str) -> str | None:
    """A deck's scheduler from the form: "sm2", "fsrs", or empty to inherit."""
    value = text.strip()
    if value == "":
        return None
    if value not in {kind.value for kind in SchedulerKind}:
        raise DeckError(_("Choose SM-2, FSRS or inherit."))
    return value


def parse_retention(text: str) -> float | None:
    """A desired retention from the form, as a percentage (90) or a fraction (0.9);
    empty inherits."""
    value = text.strip().rstrip("%").strip()
    if value == "":
        return None
    low, high = RETENTION_RANGE
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number > 1:
        number /= 100
    if not low <= number <= high:
        raise DeckError(_("Desired retention must be between %(low)d%% and %(high)d%%.",
                          low=round(low * 100), high=round(high * 100)))
    return round(number, 4)


def _user_decks(session: Session) -> list[Deck]:
    return list(session.scalars(
        select(Deck).where(Deck.user_id == current_user().id).order_by(Deck.name)))


def _card_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Card.deck_id, func.count())
        .where(Card.user_id == current_user().id, Card.deleted_at.is_(None))
        .group_by(Card.deck_id)
    ).all()
    return {deck_id: count for deck_id, count in rows}


@bp.route("/", methods=("GET", "POST"))
@login_required
def manage() -> str | Response | tuple[str, int]:
    """Every deck with its card count and limits; the form to create one."""
    session = get_session()
    error = None
    name = request.form.get("name", "")
    if request.method == "POST":
        cleaned = clean_deck_name(name)
        exists = session.scalar(select(Deck).where(
            Deck.user_id == current_user().id, Deck.name == cleaned))
        try:
            if exists is not None:
                raise DeckError(_("There is already a deck called %(name)s.", name=cleaned))
            deck = get_or_create_deck(session, current_user().id, name)
        except (DeckError, CardInputError) as exc:
            session.rollback()
            error = str(exc)
        else:
            session.commit()
            flash(_("Deck %(name)s created.", name=deck.name))
            return redirect(url_for("decks.manage"))
    return render_template(
        "decks/manage.html", decks=_user_decks(session), counts=_card_counts(session),
        error=error, name=name,
    ), (422 if error else 200)


@bp.route("/<int:deck_id>/fold", methods=("POST",))
@login_required
def fold(deck_id: int) -> Response:
    """Fold or unfold a deck in the deck list (``folded=1`` or ``0``), remembered for
    the user; the deck list's script sends it in the background."""
    deck = get_owned_or_404(Deck, deck_id)
    deck.collapsed = request.form.get("folded", "1") == "1"
    get_session().commit()
    if request.values.get("format") == "json":
        return jsonify(folded=deck.collapsed)
    return redirect(url_for("home.index"))


@bp.route("/<int:deck_id>", methods=("GET", "POST"))
@login_required
def edit(deck_id: int) -> str | Response | tuple[str, int]:
    """One deck's settings: rename, nest, limits, delete (each its own form)."""
    session = get_session()
    deck = get_owned_or_404(Deck, deck_id)
    error = None
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            message = _apply(session, deck, action)
        except DeckError as exc:
            session.rollback()
            error = str(exc)
        else:
            session.commit()
            flash(message)
            if action == "delete":
                return redirect(url_for("decks.manage"))
            return redirect(url_for("decks.edit", deck_id=deck.id))
    decks = _user_decks(session)
    below = {d.id for d in subtree(session, deck)}
    return render_template(
        "decks/edit.html", deck=deck, leaf=leaf_name(deck), error=error,
        parents=[d for d in decks if d.id not in below],
        targets=[d for d in decks if d.id != deck.id],
        count=_card_counts(session).get(deck.id, 0),
        scheduler=deck_scheduler(session, deck.user_id, deck.id),
    ), (422 if error else 200)


def _owned_deck(session: Session, value: str | None) -> Deck | None:
    if not value:
        return None
    deck = session.get(Deck, int(value)) if value.isdigit() else None
    if deck is None or deck.user_id != current_user().id:
        raise DeckError(_("That deck does not exist."))
    return deck


def _apply(session: Session, deck: Deck, action: str) -> str:
    form = request.form
    if action == "rename":
        rename_deck(session, deck, form.get("name", ""))
        return _("Deck renamed to %(name)s.", name=deck.name)
    if action == "nest":
        before = schedulers_of(session, current_user(), subtree(session, deck))
        nest_deck(session, deck, _owned_deck(session, form.get("parent_id")))
        reschedule(session, current_user(), subtree(session, deck), before)
        return _("Deck moved: it is now %(name)s.", name=deck.name)
    if action == "scheduler":
        choice = parse_scheduler(form.get("scheduler", ""))
        retention = parse_retention(form.get("desired_retention", ""))
        decks = subtree(session, deck)
        before = schedulers_of(session, current_user(), decks)
        deck.scheduler, deck.desired_retention = choice, retention
        changed = reschedule(session, current_user(), decks, before)
        if changed:
            return n_(
                "Scheduler saved; %(num)d card rescheduled from its history.",
                "Scheduler saved; %(num)d cards rescheduled from their history.", changed)
        return _("Scheduler saved.")
    if action == "limits":
        deck.new_per_day = parse_limit(form.get("new_per_day", ""))
        deck.reviews_per_day = parse_limit(form.get("reviews_per_day", ""))
        return _("Daily limits saved.")
    if action == "delete":
        name = deck.name
        delete_deck(session, deck, _owned_deck(session, form.get("move_to")))
        return _("Deck %(name)s deleted.", name=name)
    raise DeckError(_("Unknown action."))
