"""The card browser: a sortable, filterable table of the user's cards, and bulk actions.

The query string holds the whole view (filters, search, sort, page cursor),
so every page of it can be bookmarked; :mod:`app.cards.search` builds the query.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.auth import current_user, login_required
from app.cards import store as card_store
from app.cards.search import SORTS, STATES, BadCursor, BrowseQuery, page
from app.db import get_session, utcnow
from app.i18n import _, n_
from app.models import Card, Deck, Tag

bp = Blueprint("browse", __name__, url_prefix="/browse")

BULK_ACTIONS = ("suspend", "unsuspend", "move", "tag", "delete")


@bp.route("/")
@login_required
def index() -> tuple[str, int]:
    """The browser; a page link that was tampered with (or outlived its sort) is a 400
    showing the first page."""
    session = get_session()
    user_id = current_user().id
    query = BrowseQuery.from_args(request.args)
    status = 200
    try:
        result = page(session, user_id, query, utcnow())
    except BadCursor:
        flash(_("That page link is no longer valid; showing the first page."), "error")
        query = BrowseQuery.from_args({**request.args, "after": "", "before": ""})
        result = page(session, user_id, query, utcnow())
        status = 400
    decks = session.scalars(select(Deck).where(Deck.user_id == user_id).order_by(Deck.name)).all()
    tags = session.scalars(select(Tag.name).where(Tag.user_id == user_id).order_by(Tag.name)).all()
    return render_template(
        "browse/index.html", query=query, page=result, decks=decks, tags=tags,
        sorts=SORTS, states=STATES, now=utcnow(),
    ), status


@bp.route("/bulk", methods=("POST",))
@login_required
def bulk() -> Response:
    """Apply one action to the selected cards (the user's live cards only)."""
    session = get_session()
    user_id = current_user().id
    back = url_for("browse.index") + _query_suffix(request.form.get("return", ""))
    ids = [int(value) for value in request.form.getlist("ids") if value.isdigit()]
    action = request.form.get("action", "")
    if action not in BULK_ACTIONS:
        flash(_("Choose an action."), "error")
        return redirect(back)
    cards = list(session.scalars(select(Card).where(
        Card.user_id == user_id, Card.id.in_(ids), Card.deleted_at.is_(None))))
    if not cards:
        flash(_("Select at least one card."), "error")
        return redirect(back)
    now = utcnow()
    if action in ("suspend", "unsuspend"):
        count = card_store.set_suspended(cards, action == "suspend")
        message = n_("%(num)d card suspended.", "%(num)d cards suspended.", count) \
            if action == "suspend" else \
            n_("%(num)d card unsuspended.", "%(num)d cards unsuspended.", count)
    elif action == "move":
        deck = session.get(Deck, request.form.get("deck_id", type=int) or 0)
        if deck is None or deck.user_id != user_id:
            flash(_("That deck does not exist."), "error")
            return redirect(back)
        count = card_store.move_cards(cards, deck)
        message = n_("%(num)d card moved to %(deck)s.", "%(num)d cards moved to %(deck)s.",
                     count, deck=deck.name)
    elif action == "tag":
        names = card_store.parse_tags(request.form.get("tags", ""))
        if not names:
            flash(_("Type the tag(s) to add."), "error")
            return redirect(back)
        count = card_store.tag_cards(session, cards, names)
        message = n_("%(num)d card tagged.", "%(num)d cards tagged.", count)
    else:
        count = card_store.delete_cards(session, cards, now)
        message = n_("%(num)d card deleted.", "%(num)d cards deleted.", count)
    session.commit()
    flash(message)
    return redirect(back)


def _query_suffix(query_string: str) -> str:
    """``?…`` to return to the browser as it was (only the browser's own parameters)."""
    pairs = parse_qsl(query_string.lstrip("?"))
    query = BrowseQuery.from_args(dict(pairs))
    args = query.args()
    return "?" + urlencode(args) if args else ""
