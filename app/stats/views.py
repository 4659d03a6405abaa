"""The statistics page: what the user did, what is coming, and which cards are hard.

``/stats?deck=ID&period=1m|3m|1y|all&forecast=30|90|365``. The answer
figures come from :mod:`app.stats.figures` (the rollup written with each
answer), both kept between views by :mod:`app.stats.cached`; the charts from
:mod:`app.stats.charts`. Viewing the page writes nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from app.accounts.auth import current_user, login_required
from app.db import get_session, utcnow
from app.i18n import _
from app.models import Deck
from app.stats import charts
from app.stats.cached import card_snapshot, review_snapshot
from app.stats.days import clock_for
from app.stats.figures import PERIODS
from app.stats.retention import predicted_retention
from app.stats.scope import deck_subtree

bp = Blueprint("stats", __name__, url_prefix="/stats")

FORECAST_SPANS = (30, 90, 365)


def _card_url(card_id: int) -> str | None:
    try:
        return url_for("cards.show", card_id=card_id)
    except BuildError:
        return None


@bp.route("")
@login_required
def index() -> str:
    """The statistics page for all decks or one deck (sub-decks included)."""
    session = get_session()
    user = current_user()
    now = utcnow()
    period = request.args.get("period", "1m")
    if period not in PERIODS:
        period = "1m"
    span = request.args.get("forecast", type=int, default=30)
    if span not in FORECAST_SPANS:
        span = 30
    deck_id = request.args.get("deck", type=int)
    deck_ids: list[int] | None = None
    deck: Deck | None = None
    if deck_id is not None:
        deck_ids = deck_subtree(session, user.id, deck_id)
        if deck_ids is None:
            abort(404)
        deck = session.get(Deck, deck_id)

    clock = clock_for(user)
    figures = review_snapshot(session, user.id, clock, now, period, deck_ids)
    snapshot = card_snapshot(session, user.id, clock, now, span, deck_ids)
    cards, most_lapses, lowest_ef, due = (
        snapshot.cards, snapshot.most_lapses, snapshot.lowest_ef, snapshot.due)
    chart_list = [
        charts.forecast_chart(due),
        charts.reviews_chart(figures),
        charts.time_chart(figures),
        charts.retention_chart(figures),
        charts.buttons_chart(figures, user.grade_buttons),
        charts.states_chart(cards),
        charts.intervals_chart(cards),
        charts.efactor_chart(cards),
    ]
    decks = session.execute(
        select(Deck.id, Deck.name).where(Deck.user_id == user.id).order_by(Deck.name)
    ).all()
    periods = [("1m", _("1 month")), ("3m", _("3 months")), ("1y", _("1 year")),
               ("all", _("All time"))]
    return render_template(
        "stats/index.html",
        figures=figures, cards=cards, heatmap=charts.heatmap_chart(figures),
        charts=chart_list, most_lapses=most_lapses, lowest_ef=lowest_ef, card_url=_card_url,
        deck=deck, decks=decks, period=period, periods=periods, span=span,
        spans=FORECAST_SPANS, due_today=due[0][1] + due[0][2] if due else 0,
        minutes=charts.minutes, state_names=charts.state_names(),
        predicted=predicted_retention(session, user.id, now, deck_ids),
    )
