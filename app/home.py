"""The home page: the deck list (counts from :mod:`app.review.summary`), and the main navigation."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from app.accounts.auth import login_required
from app.i18n import N_

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> str:
    """The deck list: every deck, nested, with today's due, new and learning counts."""
    from sqlalchemy import select

    from app.accounts.auth import current_user
    from app.cards.deck_list import deck_lines
    from app.db import get_session, utcnow
    from app.models import Deck
    from app.review.summary import deck_overview
    from app.stats.charts import sparkline_svg
    from app.stats.forecast import next_days_load

    session, user, now = get_session(), current_user(), utcnow()
    overview = deck_overview(session, user, now)
    decks = overview.decks
    folded = session.scalars(
        select(Deck.id).where(Deck.user_id == user.id, Deck.collapsed.is_(True))
    ).all()
    load = next_days_load(session, user.id, [deck.id for deck in decks], now=now)
    sparklines = {deck_id: sparkline_svg(counts) for deck_id, counts in load.items()}
    waiting = 0
    if "inbox.index" in current_app.view_functions:
        from app.cards.inbox import inbox_count

        waiting = inbox_count(session, user.id)
    return render_template("home.html", decks=decks, total=overview.total,
                           lines=deck_lines(decks, folded), sparklines=sparklines,
                           inbox_waiting=waiting)


# The main navigation, in order. An entry shows once its blueprint is registered,
# so each feature adds itself by registering its endpoint.
NAV = (
    ("home.index", N_("Decks")),
    ("review.start", N_("Review")),
    ("cards.add", N_("Add")),
    ("browse.index", N_("Browse")),
    ("inbox.index", N_("Inbox")),
    ("imports.index", N_("Import")),
    ("stats.index", N_("Statistics")),
    ("export.index", N_("Export")),
    ("account.settings", N_("Settings")),
)


@bp.app_context_processor
def navigation() -> dict[str, object]:
    """``nav_items()`` for the layout: the registered entries of :data:`NAV`, translated."""
    from flask import current_app

    from app.i18n import _ as gettext

    def nav_items() -> list[tuple[str, str]]:
        views = current_app.view_functions
        return [(endpoint, gettext(label)) for endpoint, label in NAV if endpoint in views]

    return {"nav_items": nav_items}
