"""The inbox: questions the notes asked that have no answer yet.

They are grouped by note, each shown with its heading path and the lines
around it. Answering one gives it a back and clears ``needs_answer``: it is
then a normal new card, and review picks it up.
"""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.access import get_owned_or_404
from app.accounts.auth import current_user, login_required
from app.cards import store as card_store
from app.cards.display import card_renderer, source_excerpt
from app.cards.store import CardInputError
from app.db import get_session, utcnow
from app.i18n import _
from app.models import Card, NoteSource

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_LIMIT = 200


def waiting(user_id: int) -> tuple[ColumnElement[bool], ...]:
    """The user's questions in the inbox: live, not retired, needing an answer."""
    return (
        Card.user_id == user_id,
        Card.needs_answer.is_(True),
        Card.deleted_at.is_(None),
        Card.retired_at.is_(None),
    )


def inbox_count(session: Session, user_id: int) -> int:
    """How many of the user's questions need an answer ("12 questions need an answer")."""
    count = session.scalar(select(func.count()).select_from(Card).where(*waiting(user_id)))
    return int(count or 0)


@bp.route("/")
@login_required
def index() -> str:
    """The questions waiting for an answer, grouped by note."""
    session = get_session()
    user_id = current_user().id
    cards = session.scalars(
        select(Card)
        .outerjoin(NoteSource, NoteSource.id == Card.source_id)
        .where(*waiting(user_id))
        .order_by(NoteSource.path, Card.line, Card.id)
        .limit(PAGE_LIMIT)
    ).all()
    groups = [
        (path, [(card, source_excerpt(card)) for card in items])
        for path, items in groupby(cards, key=lambda c: c.source.path if c.source else "")
    ]
    return render_template(
        "inbox/index.html", groups=groups, total=inbox_count(session, user_id),
        shown=len(cards), render_for=card_renderer,
    )


@bp.route("/<int:card_id>/answer", methods=("POST",))
@login_required
def answer(card_id: int) -> str | Response | tuple[str, int]:
    """Answer a question: it becomes a normal new card."""
    session = get_session()
    card = get_owned_or_404(Card, card_id)
    if card.deleted_at is not None:
        return redirect(url_for("inbox.index"))
    back = request.form.get("back", "")
    if not card.needs_answer:
        flash(_("That question already has an answer."), "error")
        return redirect(url_for("inbox.index"))
    try:
        card_store.answer_question(card, back, utcnow())
    except CardInputError as exc:
        session.rollback()
        return render_template(
            "inbox/answer.html", card=card, excerpt=source_excerpt(card), back=back,
            error=str(exc), render_for=card_renderer,
        ), 422
    session.commit()
    flash(_("Answered: the card is now in review."))
    return redirect(url_for("inbox.index"))
