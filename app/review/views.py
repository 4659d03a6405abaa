"""The daily review: show the next card, answer it, undo, suspend, bury, throw away.

Every action is a POST form that works without JavaScript (the page reloads
through a redirect); ``review.js`` sends the same forms with ``format=json``
and swaps in the next card from the JSON reply. Answering is idempotent: the
form carries the showing's id, and a second answer to the same showing
(double click, resubmitted form, second tab) records nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app import caches
from app.access import get_owned_or_404, live_card_or_404
from app.accounts.auth import current_user, login_required
from app.cards.display import source_excerpt
from app.cards.scheduler_choice import user_schedulers
from app.cards.store import delete_cards
from app.db import get_session, utcnow
from app.i18n import _
from app.models import Card, Deck
from app.review.snapshot import Showing, Snapshot, checkin, next_with_counts, take_answer
from app.review.store import (
    Refused,
    Reviewer,
    ReviewerValues,
    review_day,
    undo_last,
    write_answer,
)
from app.review.summary import day_summary
from cards.queue import Counts
from cards.scheduler import DeckScheduler, SchedulerKind, preview
from cards.sm2 import BUTTONS, Grade

COUNT_CAP = 100  # remaining counts on the review page stop at this ("100+")

bp = Blueprint("review", __name__, url_prefix="/review")

MAX_DURATION_MS = 60 * 60 * 1000


def interval_label(wait: timedelta) -> str:
    """A button's wait: "1m" and "10m" for learning steps, "3h", "6d", or "today" for
    an SM-2 same-day repeat."""
    if wait <= timedelta(0):
        return _("today")
    if wait < timedelta(hours=1):  # halves round up, as review.js rounds them
        return _("%(minutes)dm", minutes=max(1, int(wait.total_seconds() / 60 + 0.5)))
    if wait < timedelta(days=1):
        return _("%(hours)dh", hours=int(wait.total_seconds() / 3600 + 0.5))
    return _("%(days)dd", days=wait.days)


def button_waits(showing: Showing, scheduler: DeckScheduler, now: datetime,
                 max_interval: int) -> dict[int, timedelta]:
    """How long each grade would put this showing away with its deck's scheduler
    (zero: again today, an SM-2 same-day repeat; ``max_interval``: SM-2's longest
    interval in days)."""
    waits = preview(showing.state, scheduler, now, same_day_repeat=showing.same_day_repeat,
                    max_interval=max_interval)
    if showing.same_day_repeat and scheduler.kind is SchedulerKind.SM2:
        # Below 4 the card comes back again today.
        waits = {g: (w if g >= Grade.HESITANT else timedelta(0)) for g, w in waits.items()}
    return waits


def showing_waits(showing: Showing, user: Reviewer) -> dict[int, timedelta]:
    """:func:`button_waits` with the showing's deck's scheduler and the user's maximum."""
    schedulers = user_schedulers(get_session, user.id, user.cards_version)
    scheduler = schedulers.get(showing.deck_id, DeckScheduler())
    return button_waits(showing, scheduler, utcnow(), user.max_interval_days)


def grade_buttons(showing: Showing, six: bool, user: Reviewer) -> list[dict[str, Any]]:
    """The grade buttons for this showing: Anki's four, or SM-2's six grades."""
    intervals = showing_waits(showing, user)
    if six:
        names = [_("Blackout"), _("Wrong"), _("Almost"), _("Hard"), _("Good"), _("Easy")]
        return [
            {"grade": int(g), "key": str(int(g)), "name": names[g], "css": f"q{int(g)}",
             "interval": interval_label(intervals[g])}
            for g in Grade
        ]
    labels = {"again": _("Again"), "hard": _("Hard"), "good": _("Good"), "easy": _("Easy")}
    return [
        {"grade": int(g), "key": str(i), "name": labels[name], "css": name,
         "interval": interval_label(intervals[g])}
        for i, (name, g) in enumerate(BUTTONS.items(), start=1)
    ]


def deck_arg() -> int | None:
    """The deck being reviewed (``deck`` in the query or form), or None for all decks."""
    raw = request.values.get("deck", "")
    return int(raw) if raw.isdigit() else None


def wants_json() -> bool:
    """Whether review.js sent the form (it adds ``format=json``)."""
    return request.values.get("format") == "json"


def edit_url(card_id: int, deck: int | None) -> str:
    """The card's editor (the card page's), returning to the review."""
    return url_for("cards.edit", card_id=card_id, next=url_for("review.start", deck=deck))


def shown_counts(counts: Counts) -> dict[str, str]:
    """The counts as the review bar shows them (capped: "100+")."""
    return {name: (f"{n}+" if n >= COUNT_CAP else str(n)) for name, n in
            (("review", counts.review), ("new", counts.new), ("repeat", counts.repeat))}


def render_review(deck: int | None, *, partial: bool,
                  snapshot: Snapshot | None = None) -> str:
    """The review page (or just its swappable part) for the next card, or the day's end.

    ``snapshot``: the queue the caller holds (see :mod:`app.review.snapshot`).
    """
    user = current_user()
    now = utcnow()
    found = next_with_counts(get_session, user, now, deck, snapshot)
    showing = found.showing
    can_undo = found.undoable  # the Undo button: the snapshot knows, no query
    if showing is None:
        template = "review/_done.html" if partial else "review/done.html"
        return render_template(template, deck=deck, can_undo=can_undo,
                               summary=day_summary(get_session(), user, now, deck))
    front, back = showing.sides
    context = {
        "deck": deck, "showing": showing, "card": showing.card, "front": front, "back": back,
        "buttons": grade_buttons(showing, user.grade_buttons == 6, user),
        "counts": shown_counts(found.counts),
        "urls": card_urls(showing.card.id, deck),
        "can_undo": can_undo,
    }
    return render_template("review/_card.html" if partial else "review/show.html", **context)


def card_data(
    deck: int | None, showing: Showing, counts: Counts, user: Reviewer
) -> dict[str, Any]:
    """The next card as data, for review.js to put into the card already on the page
    (the same fields ``review/_card.html`` shows; each grade's wait goes in seconds,
    and the page holds the translated labels to put it in)."""
    card = showing.card
    front, back = showing.sides
    return {
        "id": card.id,
        "showing_id": showing.showing_id,
        "front": front,
        "back": back,
        "context": card.context or "",
        "tag": "repeat" if showing.same_day_repeat else "new" if showing.is_new else "",
        "deck": showing.deck_name,
        "waits": {int(g): int(w.total_seconds())
                  for g, w in showing_waits(showing, user).items()},
        "counts": shown_counts(counts),
        "urls": card_urls(card.id, deck),
    }


_MARK = 987654321  # a card id no URL holds otherwise: card_urls puts the real one in
caches.register(
    "review tool URLs", 'app.extensions["wengu.review_urls"] (app.review.views.card_urls)',
    holds="the review page's tool URLs per (script root, deck), with a stand-in card id",
    invalidated_by="nothing: the URL map does not change while the app runs",
)


def card_urls(card_id: int, deck: int | None) -> dict[str, str]:
    """The URLs of the card's tools on the review page.

    Built once per deck (and script root) with a stand-in id, then per card by
    putting its id in: six ``url_for`` calls cost more than the rest of the reply.
    """
    key = (request.script_root, deck)
    patterns: dict[tuple[str, int | None], dict[str, str]]
    patterns = current_app.extensions.setdefault("wengu.review_urls", {})
    found = patterns.get(key)
    if found is None:
        found = patterns[key] = {
            "edit": edit_url(_MARK, deck),
            "suspend": url_for("review.suspend", card_id=_MARK),
            "bury": url_for("review.bury", card_id=_MARK),
            "discard": url_for("review.discard", card_id=_MARK),
            "source": url_for("review.source", card_id=_MARK, deck=deck),
            "source_partial": url_for("review.source", card_id=_MARK, partial=1),
        }
    mark, real = str(_MARK), str(card_id)
    return {name: url.replace(mark, real, 1) for name, url in found.items()}


def card_reply(deck: int | None, showing: Showing, counts: Counts, user: Reviewer,
               message: str | None = None) -> Response:
    """The JSON reply holding the next card as data (:func:`card_data`)."""
    body = json.dumps({"card": card_data(deck, showing, counts, user), "message": message},
                      ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, mimetype="application/json")


def after_action(
    deck: int | None, message: str | None = None, *,
    snapshot: Snapshot | None = None, user: Reviewer | None = None,
) -> Response:
    """Reply to a review form: the next card as JSON for review.js, else a redirect.

    An answer from review.js (``fill=1``) gets the next card as data when there is
    one: the page already has the card's shape. ``snapshot`` and ``user``: the queue
    and the user as the answer read them (see :mod:`app.review.snapshot`).
    """
    if wants_json():
        if request.form.get("fill") == "1":
            reviewer = user or current_user()
            found = next_with_counts(get_session, reviewer, utcnow(), deck, snapshot)
            if found.showing is not None:
                return card_reply(deck, found.showing, found.counts, reviewer, message)
            snapshot = None  # checked in already
        return jsonify(html=render_review(deck, partial=True, snapshot=snapshot),
                       message=message)
    if snapshot is not None:
        checkin(snapshot)
    return redirect(url_for("review.start", deck=deck))


@bp.route("")
@login_required
def start() -> str:
    """The review page: the next card of the chosen deck (or all), or the day's end."""
    deck = deck_arg()
    if deck is not None:
        get_owned_or_404(Deck, deck)  # someone else's deck is a 404
    return render_review(deck, partial=False)


def _answer_form() -> tuple[int, int, str, int | None] | None:
    """The answer form's card id, grade, showing id and duration, or None if invalid."""
    card_id, grade = request.form.get("card_id", ""), request.form.get("grade", "")
    showing_id = request.form.get("showing_id", "")[:64]
    if not (card_id.isdigit() and grade.isdigit() and 0 <= int(grade) <= 5 and showing_id):
        return None
    duration = request.form.get("duration_ms", "")
    duration_ms = min(int(duration), MAX_DURATION_MS) if duration.isdigit() else None
    return int(card_id), int(grade), showing_id, duration_ms


@bp.route("/answer", methods=("POST",))
@login_required
def answer() -> Response | tuple[Response, int]:
    """Record a grade for the shown card, once per showing.

    The answer is computed from the card as stored (:func:`app.review.store.write_answer`);
    the queue snapshot then moves on by one card when it can (:mod:`app.review.snapshot`).
    """
    form = _answer_form()
    if form is None:
        return jsonify(error=_("That answer is not valid.")), 400
    card_id, grade, showing, duration_ms = form
    session, deck, now = get_session(), deck_arg(), utcnow()
    user = ReviewerValues.of(current_user())
    start_of_day, _end = review_day(user, now)
    try:
        written = write_answer(session, user.id, card_id, grade, now, start_of_day,
                               showing=showing, duration_ms=duration_ms,
                               max_interval=user.max_interval_days)
        if isinstance(written, Refused):
            session.rollback()
        else:
            session.commit()
    except IntegrityError:  # the same showing answered at the same moment elsewhere
        session.rollback()
        written = Refused.ANSWERED
    if written is Refused.GONE:
        get_owned_or_404(Card, card_id)  # someone else's card is a 404
        return after_action(deck, _("This card was answered elsewhere."))
    if written is Refused.STALE:
        # The card changed since this page showed it (another tab): show what is next.
        return after_action(deck, _("This card was answered elsewhere."))
    if written is Refused.ANSWERED:
        return after_action(deck)
    return after_action(deck, snapshot=take_answer(user.id, deck, written),
                        user=replace(user, cards_version=written.version_before + 1))


@bp.route("/undo", methods=("POST",))
@login_required
def undo() -> Response:
    """Undo the last answer: the card's state comes back exactly; the undo is recorded."""
    session = get_session()
    if undo_last(session, current_user().id, utcnow()) is None:
        session.rollback()
        return after_action(deck_arg(), _("Nothing to undo."))
    session.commit()
    return after_action(deck_arg(), _("Answer undone."))


@bp.route("/<int:card_id>/suspend", methods=("POST",))
@login_required
def suspend(card_id: int) -> Response:
    """Suspend the card: it is not shown until unsuspended."""
    live_card_or_404(card_id).suspended = True
    get_session().commit()
    return after_action(deck_arg(), _("Card suspended."))


@bp.route("/<int:card_id>/bury", methods=("POST",))
@login_required
def bury(card_id: int) -> Response:
    """Bury the card until the user's next day starts."""
    card = live_card_or_404(card_id)
    _start, end = review_day(current_user(), utcnow())
    card.buried_until = end
    get_session().commit()
    return after_action(deck_arg(), _("Card buried until tomorrow."))


@bp.route("/<int:card_id>/discard", methods=("POST",))
@login_required
def discard(card_id: int) -> Response:
    """Throw the card away as "not a card": tombstoned, so no import brings it back."""
    session = get_session()
    delete_cards(session, [live_card_or_404(card_id)], utcnow(), reason="not-a-card")
    session.commit()
    return after_action(deck_arg(), _("Card thrown away."))


@bp.route("/<int:card_id>/source")
@login_required
def source(card_id: int) -> str:
    """Where the card comes from: the note's path, heading path, line, and nearby lines."""
    card = live_card_or_404(card_id)
    template = "review/_source.html" if request.args.get("partial") else "review/source.html"
    return render_template(template, card=card, lines=source_excerpt(card), deck=deck_arg())
