"""Cards by hand: add, edit, show, and the one-card actions (delete, suspend, move, reset).

Views load the user's rows, call :mod:`app.cards.store`, and commit once. A
form error rolls back and shows the form again with the message and what
was typed. ``next`` (a local path) says where to go after an action, so the
browser and the review page can send the user back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.access import live_card_or_404
from app.accounts.auth import current_user, login_required
from app.cards import store as card_store
from app.cards.display import card_sides, source_excerpt
from app.cards.store import CardInput, CardInputError
from app.db import get_session, utcnow
from app.i18n import _
from app.models import Card, CardKind, Deck, Review
from app.redirects import local_target
from cards.cloze import cloze_back, cloze_front, cloze_numbers, highlights_to_clozes
from cards.render import render_markdown

bp = Blueprint("cards", __name__, url_prefix="/cards")



def safe_next(default: str) -> str:
    """The form's or query's ``next`` if it is a local path, else ``default``."""
    return local_target(request.form.get("next") or request.args.get("next"), default)


def user_decks(session: Session) -> list[Deck]:
    """The current user's decks, by name."""
    return list(
        session.scalars(select(Deck).where(Deck.user_id == current_user().id).order_by(Deck.name))
    )


def form_input() -> CardInput:
    """The add/edit form as typed."""
    form = request.form
    return CardInput(
        front=form.get("front", ""), back=form.get("back", ""),
        kind=form.get("kind", CardKind.BASIC.value), deck_id=form.get("deck_id", ""),
        new_deck=form.get("new_deck", ""), tags=form.get("tags", ""),
    )


@bp.route("/add", methods=("GET", "POST"))
@login_required
def add() -> str | Response | tuple[str, int]:
    """Add a card (or a reversed pair, or one card per cloze)."""
    session = get_session()
    user_id = current_user().id
    typed = CardInput(
        deck_id=request.args.get("deck", ""), tags=request.args.get("tags", ""),
        kind=request.args.get("kind", CardKind.BASIC.value),
    )
    error = warning = None
    duplicate: Card | None = None
    created: list[Card] = []
    if request.method == "POST":
        typed = form_input()
        try:
            duplicate = _unconfirmed_duplicate(session, user_id, typed)
            created = [] if duplicate else card_store.create_cards(
                session, user_id, typed, utcnow())
        except CardInputError as exc:
            session.rollback()
            error = str(exc)
        if duplicate and not error:
            warning = _("A card with this front is already in this deck. "
                        "Save again to add it anyway.")
        elif created:
            deck = created[0].deck
            session.commit()
            flash(_("Added %(n)d card(s) to %(deck)s.", n=len(created), deck=deck.name))
            if request.form.get("another"):
                return redirect(url_for("cards.add", deck=deck.id, tags=typed.tags,
                                        kind=typed.kind))
            return redirect(url_for("cards.show", card_id=created[0].id))
    return render_template(
        "cards/add.html", typed=typed, error=error, warning=warning, duplicate=duplicate,
        decks=user_decks(session), kinds=card_store.MANUAL_KINDS,
    ), (422 if error else 200)


def _unconfirmed_duplicate(session: Session, user_id: int, typed: CardInput) -> Card | None:
    """A card with the same front in the chosen deck, unless the user chose to add anyway."""
    if request.form.get("allow_duplicate") or not typed.front.strip():
        return None
    deck_id: int | None = int(typed.deck_id) if typed.deck_id.isdigit() else None
    if typed.new_deck.strip():  # a "new" deck that already exists is that deck
        deck_id = session.scalar(select(Deck.id).where(
            Deck.user_id == user_id, Deck.name == card_store.clean_deck_name(typed.new_deck)))
    if deck_id is None:
        return None
    found = card_store.duplicates(session, user_id, deck_id, typed.front)
    return found[0] if found else None


@bp.route("/<int:card_id>/edit", methods=("GET", "POST"))
@login_required
def edit(card_id: int) -> str | Response | tuple[str, int]:
    """Edit a card's text, deck and tags."""
    session = get_session()
    card = live_card_or_404(card_id)
    # A hand-made reversed card is edited from its first side, so the pair stays one note.
    if card.kind == CardKind.REVERSED.value and card.ord == 1 and not card_store.is_extracted(card):
        first = next((c for c in card_store.siblings(session, card) if c.ord == 0), None)
        if first is not None:
            card = first
    error = None
    typed = CardInput(
        front=card.front, back=card.back, kind=card.kind, deck_id=str(card.deck_id),
        tags=" ".join(tag.name for tag in card.tags),
    )
    if request.method == "POST":
        typed = form_input()
        typed.kind = card.kind
        try:
            deck = card_store.resolve_deck(session, current_user().id, typed)
            card_store.edit_card(session, card, typed.front, typed.back, typed.tags, deck,
                                 utcnow())
        except CardInputError as exc:
            session.rollback()
            error = str(exc)
        else:
            session.commit()
            flash(_("Card saved."))
            return redirect(safe_next(url_for("cards.show", card_id=card.id)))
    return render_template(
        "cards/edit.html", card=card, typed=typed, error=error, decks=user_decks(session),
        next=safe_next(""),
    ), (422 if error else 200)


@bp.route("/<int:card_id>")
@login_required
def show(card_id: int) -> str:
    """A card: its sides rendered, its source, its review history."""
    session = get_session()
    card = live_card_or_404(card_id)
    front, back = card_sides(card)
    reviews = session.scalars(
        select(Review).where(Review.card_id == card.id, Review.user_id == current_user().id)
        .order_by(Review.reviewed_at, Review.id)
    ).all()
    return render_template(
        "cards/show.html", card=card, front=front, back=back, reviews=reviews,
        excerpt=source_excerpt(card), decks=user_decks(session),
        siblings=[c for c in card_store.siblings(session, card) if c.id != card.id],
    )


def _card_action(card_id: int, message: str, apply: Callable[[Session, Card], object]) -> Response:
    session = get_session()
    card = live_card_or_404(card_id)
    apply(session, card)
    session.commit()
    flash(message)
    return redirect(safe_next(url_for("cards.show", card_id=card.id)))


@bp.route("/<int:card_id>/delete", methods=("POST",))
@login_required
def delete(card_id: int) -> Response:
    """Delete a card (its row and history stay; an extracted card's key is tombstoned)."""
    session = get_session()
    card = live_card_or_404(card_id)
    card_store.delete_cards(session, [card], utcnow())
    session.commit()
    flash(_("Card deleted."))
    target = safe_next(url_for("browse.index"))
    if target.startswith(url_for("cards.show", card_id=card.id)):
        target = url_for("browse.index")
    return redirect(target)


@bp.route("/<int:card_id>/suspend", methods=("POST",))
@login_required
def suspend(card_id: int) -> Response:
    """Suspend a card: review skips it until it is unsuspended."""
    return _card_action(card_id, _("Card suspended."),
                        lambda _s, card: card_store.set_suspended([card], True))


@bp.route("/<int:card_id>/unsuspend", methods=("POST",))
@login_required
def unsuspend(card_id: int) -> Response:
    """Unsuspend a card."""
    return _card_action(card_id, _("Card unsuspended."),
                        lambda _s, card: card_store.set_suspended([card], False))


@bp.route("/<int:card_id>/reset", methods=("POST",))
@login_required
def reset(card_id: int) -> Response:
    """Make a card new again; its review history stays."""
    return _card_action(card_id, _("Scheduling reset: the card is new again."),
                        lambda _s, card: card_store.reset_scheduling([card]))


@bp.route("/<int:card_id>/move", methods=("POST",))
@login_required
def move(card_id: int) -> Response:
    """Move a card to another of the user's decks."""
    session = get_session()
    card = live_card_or_404(card_id)
    deck = session.get(Deck, request.form.get("deck_id", type=int) or 0)
    if deck is None or deck.user_id != current_user().id:
        flash(_("That deck does not exist."), "error")
        return redirect(safe_next(url_for("cards.show", card_id=card.id)))
    card_store.move_cards([card], deck)
    session.commit()
    flash(_("Card moved to %(deck)s.", deck=deck.name))
    return redirect(safe_next(url_for("cards.show", card_id=card.id)))


@bp.route("/preview", methods=("POST",))
@login_required
def preview() -> Response:
    """The live preview: the typed sides rendered, and any duplicate front in the deck."""
    data = request.get_json(silent=True) or request.form
    front, back = str(data.get("front", "")), str(data.get("back", ""))
    kind = str(data.get("kind", CardKind.BASIC.value))
    sides: list[dict[str, str]] = []
    if kind == CardKind.CLOZE.value:
        text = highlights_to_clozes(front)
        for number in cloze_numbers(text):
            back_html = render_markdown(cloze_back(text, number))
            if back.strip():
                back_html += render_markdown(back)
            sides.append({"front": render_markdown(cloze_front(text, number)),
                          "back": back_html})
    else:
        sides.append({"front": render_markdown(front), "back": render_markdown(back)})
        if kind == CardKind.REVERSED.value:
            sides.append({"front": render_markdown(back), "back": render_markdown(front)})
    duplicates: list[dict[str, Any]] = []
    deck_id = str(data.get("deck_id", ""))
    exclude = str(data.get("card_id") or "")
    if deck_id.isdigit() and front.strip():
        found = card_store.duplicates(
            get_session(), current_user().id, int(deck_id), front,
            exclude=[int(exclude)] if exclude.isdigit() else [],
        )
        duplicates = [{"id": c.id, "url": url_for("cards.show", card_id=c.id)} for c in found]
    return jsonify(sides=sides, duplicates=duplicates,
                   duplicate_message=_("A card with this front is already in this deck.")
                   if duplicates else "")
