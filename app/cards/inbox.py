"""The inbox: questions the notes asked that have no answer yet.

A messy vault leaves many of them, so the page is made for triage: each
question is answered (it becomes a normal new card), dismissed as "not a card"
(tombstoned, so no import brings it back) or skipped; several are dismissed at
once; the list is filtered by deck and by age. Every action returns to the same
filters, at the question after the one acted on, and with JavaScript the keys
``j``/``k``, ``a``, ``d``, ``s``, ``o`` and ``x`` do the same without a reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby, pairwise
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from app.access import get_owned_or_404
from app.accounts.auth import current_user, login_required
from app.cards import store as card_store
from app.cards.decks import subtree
from app.cards.display import card_renderer, source_excerpt
from app.cards.store import CardInputError
from app.db import get_session, utcnow
from app.i18n import N_, _, n_
from app.models import Card, Deck, NoteSource

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_LIMIT = 200
BULK_LIMIT = 1000

# Age filters on when the question arrived (its card's creation): (label, newer than, older than).
AGES: dict[str, tuple[str, int | None, int | None]] = {
    "": (N_("Any age"), None, None),
    "week": (N_("This week"), 7, None),
    "month": (N_("This month"), 30, None),
    "older": (N_("Older than a month"), None, 30),
}


@dataclass(frozen=True)
class Filters:
    """Which of the user's questions the page shows: a deck (with its sub-decks) and an age."""

    deck: Deck | None = None
    age: str = ""

    def args(self) -> dict[str, str]:
        """The filters as query arguments, for links and redirects that keep them."""
        args = {}
        if self.deck is not None:
            args["deck"] = str(self.deck.id)
        if self.age:
            args["age"] = self.age
        return args


def waiting(user_id: int) -> tuple[ColumnElement[bool], ...]:
    """The user's questions in the inbox: live, not retired, needing an answer."""
    return (
        Card.user_id == user_id,
        Card.needs_answer.is_(True),
        Card.deleted_at.is_(None),
        Card.retired_at.is_(None),
    )


def filtered(
    session: Session, user_id: int, filters: Filters, now: datetime
) -> tuple[ColumnElement[bool], ...]:
    """:func:`waiting` narrowed to the filters' deck subtree and age."""
    where = list(waiting(user_id))
    if filters.deck is not None:
        where.append(Card.deck_id.in_([deck.id for deck in subtree(session, filters.deck)]))
    _label, newer, older = AGES[filters.age]
    if newer is not None:
        where.append(Card.created_at >= now - timedelta(days=newer))
    if older is not None:
        where.append(Card.created_at < now - timedelta(days=older))
    return tuple(where)


def inbox_count(session: Session, user_id: int) -> int:
    """How many of the user's questions need an answer ("12 questions need an answer")."""
    count = session.scalar(select(func.count()).select_from(Card).where(*waiting(user_id)))
    return int(count or 0)


def read_filters(values: dict[str, str]) -> Filters:
    """The filters from query or form values; an unknown age or another user's deck is a 400."""
    age = values.get("age", "")
    if age not in AGES:
        raise BadRequest(_("Unknown age filter."))
    deck_id = values.get("deck", "")
    if not deck_id:
        return Filters(age=age)
    if not deck_id.isdigit():
        raise BadRequest(_("Unknown deck."))
    return Filters(deck=get_owned_or_404(Deck, int(deck_id)), age=age)


def back_to_list(filters: Filters, next_id: str | None) -> Response:
    """The list again with the same filters, scrolled to the question after the one acted on."""
    anchor = f"q-{next_id}" if next_id and next_id.isdigit() else None
    args: dict[str, Any] = {**filters.args(), "_anchor": anchor}
    return redirect(url_for("inbox.index", **args))


def wants_json() -> bool:
    """The page's script asks for JSON (it updates the list in place)."""
    return request.accept_mimetypes.best == "application/json"


def done(filters: Filters, message: str) -> Response:
    """The reply to an action: JSON with the new counts for the script, else a redirect."""
    if wants_json():
        session, user_id = get_session(), current_user().id
        shown = session.scalar(
            select(func.count()).select_from(Card).where(
                *filtered(session, user_id, filters, utcnow()))
        )
        total = inbox_count(session, user_id)
        summary = (n_("%(num)d question needs an answer.", "%(num)d questions need an answer.",
                      total) if total else _("No questions are waiting for an answer."))
        return jsonify(message=message, total=total, shown=int(shown or 0), summary=summary)
    flash(message)
    return back_to_list(filters, request.form.get("next"))


@bp.route("/")
@login_required
def index() -> str:
    """The questions waiting for an answer, grouped by note, filtered by deck and age."""
    session = get_session()
    user_id = current_user().id
    filters = read_filters(dict(request.args))
    where = filtered(session, user_id, filters, utcnow())
    cards = session.scalars(
        select(Card)
        .outerjoin(NoteSource, NoteSource.id == Card.source_id)
        .where(*where)
        .order_by(NoteSource.path, Card.line, Card.id)
        .limit(PAGE_LIMIT)
    ).all()
    matching = session.scalar(select(func.count()).select_from(Card).where(*where))
    groups = [
        (path, [(card, source_excerpt(card)) for card in items])
        for path, items in groupby(cards, key=lambda c: c.source.path if c.source else "")
    ]
    following = {card.id: later.id for card, later in pairwise(cards)}
    decks = session.scalars(
        select(Deck).where(Deck.user_id == user_id).order_by(Deck.name)
    ).all()
    return render_template(
        "inbox/index.html", groups=groups, total=inbox_count(session, user_id),
        matching=int(matching or 0), shown=len(cards), render_for=card_renderer,
        filters=filters, decks=decks, ages=AGES, following=following,
    )


@bp.route("/<int:card_id>/answer", methods=("POST",))
@login_required
def answer(card_id: int) -> str | Response | tuple[str, int]:
    """Answer a question: it becomes a normal new card."""
    session = get_session()
    card = get_owned_or_404(Card, card_id)
    filters = read_filters(dict(request.form))
    if card.deleted_at is not None:
        return done(filters, _("That question was dismissed."))
    if not card.needs_answer:
        return done(filters, _("That question already has an answer."))
    back = request.form.get("back", "")
    try:
        card_store.answer_question(card, back, utcnow())
    except CardInputError as exc:
        session.rollback()
        if wants_json():
            return jsonify(error=str(exc)), 422  # type: ignore[return-value]
        return render_template(
            "inbox/answer.html", card=card, excerpt=source_excerpt(card), back=back,
            error=str(exc), render_for=card_renderer, filters=filters,
            next_id=request.form.get("next"),
        ), 422
    session.commit()
    return done(filters, _("Answered: the card is now in review."))


@bp.route("/<int:card_id>/dismiss", methods=("POST",))
@login_required
def dismiss(card_id: int) -> Response:
    """Dismiss a question as "not a card": tombstoned, so no import brings it back."""
    session = get_session()
    card = get_owned_or_404(Card, card_id)
    filters = read_filters(dict(request.form))
    card_store.delete_cards(session, [card], utcnow(), reason="not-a-card")
    session.commit()
    return done(filters, _("Dismissed: not a card."))


@bp.route("/dismiss", methods=("POST",))
@login_required
def dismiss_many() -> Response:
    """Dismiss the selected questions at once (only the user's own, still in the inbox)."""
    session = get_session()
    user_id = current_user().id
    filters = read_filters(dict(request.form))
    ids = [int(value) for value in request.form.getlist("ids") if value.isdigit()][:BULK_LIMIT]
    if not ids:
        flash(_("Select the questions to dismiss first."), "error")
        return back_to_list(filters, None)
    cards = session.scalars(select(Card).where(*waiting(user_id), Card.id.in_(ids))).all()
    count = card_store.delete_cards(session, cards, utcnow(), reason="not-a-card")
    session.commit()
    message = n_("Dismissed %(num)d question: not a card.",
                 "Dismissed %(num)d questions: not cards.", count)
    return done(filters, message)
