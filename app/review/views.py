"""The daily review: show the next card, answer it, undo, suspend, bury, throw away.

Every action is a POST form that works without JavaScript (the page reloads
through a redirect); ``review.js`` sends the same forms with ``format=json``
and swaps in the next card from the JSON reply. Answering is idempotent: the
form carries the showing's id, and a second answer to the same showing
(double click, resubmitted form, second tab) records nothing.
"""

from __future__ import annotations

import json
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
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.access import get_owned_or_404, live_card_or_404
from app.accounts.auth import current_user, login_required
from app.cards.display import card_sides, source_excerpt
from app.cards.scheduler_choice import user_schedulers
from app.db import get_session, utcnow
from app.i18n import _
from app.models import Card, Deck, Tombstone
from app.review.answers import (
    card_state,
    is_same_day_repeat,
    last_undoable,
    last_undoable_id,
    undo_answer,
    write_answer,
)
from app.review.fast import answer_in_snapshot
from app.review.queue import (
    COUNT_CAP,
    Reviewer,
    Showing,
    day_summary,
    review_day,
)
from app.review.snapshot import Snapshot, checkin, showing_with_counts
from cards.scheduler import DeckScheduler, SchedulerKind, preview
from cards.sm2 import BUTTONS, Grade

bp = Blueprint("review", __name__, url_prefix="/review")

# The card's latest review row (its current showing) and the row answering this showing.
_ANSWERED = text(
    "SELECT max(id), max(CASE WHEN showing_id = :sid THEN id END) FROM reviews"
    " WHERE card_id = :cid"
)
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


def button_waits(showing: Showing, scheduler: DeckScheduler, now: datetime) -> dict[int, timedelta]:
    """How long each grade would put this showing away with its deck's scheduler
    (zero: again today, an SM-2 same-day repeat)."""
    waits = preview(card_state(showing.card), scheduler, now,
                    same_day_repeat=showing.same_day_repeat)
    if showing.same_day_repeat and scheduler.kind is SchedulerKind.SM2:
        # Below 4 the card comes back again today.
        waits = {g: (w if g >= Grade.HESITANT else timedelta(0)) for g, w in waits.items()}
    return waits


def showing_waits(showing: Showing, user: Reviewer) -> dict[int, timedelta]:
    """:func:`button_waits` with the showing's deck's scheduler."""
    schedulers = user_schedulers(get_session, user.id, user.cards_version)
    scheduler = schedulers.get(showing.card.deck_id, DeckScheduler())
    return button_waits(showing, scheduler, utcnow())


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
    """The card editor: the cards feature's page when there is one, else ours."""
    back = url_for("review.start", deck=deck)
    if "cards.edit" in current_app.view_functions:
        return url_for("cards.edit", card_id=card_id, next=back)
    return url_for("review.edit", card_id=card_id, deck=deck)


def render_review(deck: int | None, *, partial: bool, can_undo: bool | None = None,
                  snapshot: Snapshot | None = None) -> str:
    """The review page (or just its swappable part) for the next card, or the day's end.

    ``can_undo`` spares a query when the caller knows (it has just recorded an answer);
    ``snapshot``: the queue the caller holds (see :mod:`app.review.snapshot`).
    """
    session = get_session()
    user = current_user()
    now = utcnow()
    showing, counts = showing_with_counts(get_session, user, now, deck, snapshot)
    if showing is None:
        template = "review/_done.html" if partial else "review/done.html"
        return render_template(template, deck=deck, summary=day_summary(session, user, now),
                               can_undo=last_undoable_id(session, user.id) is not None)
    front, back = showing.sides or card_sides(showing.card)
    if can_undo is None:
        can_undo = last_undoable_id(session, user.id) is not None
    context = {
        "deck": deck, "showing": showing, "card": showing.card, "front": front, "back": back,
        "buttons": grade_buttons(showing, user.grade_buttons == 6, user),
        "counts": {name: (f"{n}+" if n >= COUNT_CAP else str(n)) for name, n in counts.items()},
        "edit_url": edit_url(showing.card.id, deck),
        "can_undo": can_undo,
    }
    return render_template("review/_card.html" if partial else "review/show.html", **context)


def card_data(
    deck: int | None, showing: Showing, counts: dict[str, int], user: Reviewer
) -> dict[str, Any]:
    """The next card as data, for review.js to put into the card already on the page
    (the same fields ``review/_card.html`` shows; each grade's wait goes in seconds,
    and the page holds the translated labels to put it in)."""
    card = showing.card
    front, back = showing.sides or card_sides(card)
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
        "counts": {name: (f"{n}+" if n >= COUNT_CAP else str(n)) for name, n in counts.items()},
        "urls": card_urls(card.id, deck),
    }


_MARK = 987654321  # a card id no URL holds otherwise: card_urls puts the real one in


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


def card_reply(deck: int | None, showing: Showing, counts: dict[str, int], user: Reviewer,
               message: str | None = None) -> Response:
    """The JSON reply holding the next card as data (:func:`card_data`)."""
    body = json.dumps({"card": card_data(deck, showing, counts, user), "message": message},
                      ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, mimetype="application/json")


def after_action(
    deck: int | None, message: str | None = None, *, can_undo: bool | None = None,
    snapshot: Snapshot | None = None, user: Reviewer | None = None,
) -> Response:
    """Reply to a review form: the next card as JSON for review.js, else a redirect.

    An answer from review.js (``fill=1``) gets the next card as data when there is
    one: the page already has the card's shape. ``snapshot`` and ``user``: the queue
    and the user as the fast answer path read them (see :mod:`app.review.fast`).
    """
    if wants_json():
        if request.form.get("fill") == "1":
            reviewer = user or current_user()
            showing, counts = showing_with_counts(get_session, reviewer, utcnow(), deck,
                                                  snapshot)
            if showing is not None:
                return card_reply(deck, showing, counts, reviewer, message)
            snapshot = None  # checked in already
        return jsonify(html=render_review(deck, partial=True, can_undo=can_undo,
                                          snapshot=snapshot), message=message)
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
def answer() -> Response | tuple[Response, int]:
    """Record a grade for the shown card, once per showing.

    Straight from the queue snapshot when it holds this showing
    (:mod:`app.review.fast`), else the ordinary way, which also checks the login.
    """
    form = _answer_form()
    if form is not None:
        done = answer_in_snapshot(deck_arg(), *form)
        if done is not None:
            snapshot, user = done
            return after_action(deck_arg(), can_undo=True, snapshot=snapshot, user=user)
    return _answer(form)


@login_required
def _answer(form: tuple[int, int, str, int | None] | None) -> Response | tuple[Response, int]:
    if form is None:
        return jsonify(error=_("That answer is not valid.")), 400
    card_id, grade, showing_id, duration_ms = form
    session = get_session()
    deck = deck_arg()
    card = get_owned_or_404(Card, card_id)
    last, already = session.execute(_ANSWERED, {"cid": card.id, "sid": showing_id}).one()
    if already is None:
        if showing_id != f"{card.id}.{last or 0}":  # what showing_id_for gives
            # The card changed since this page showed it (another tab): show what is next.
            return after_action(deck, _("This card was answered elsewhere."))
        now = utcnow()
        start_of_day, _end = review_day(current_user(), now)
        try:
            write_answer(
                session, card, grade, now,
                same_day_repeat=is_same_day_repeat(card, start_of_day),
                showing_id=showing_id, duration_ms=duration_ms,
            )
            session.commit()
        except IntegrityError:  # the same showing answered at the same moment elsewhere
            session.rollback()
    return after_action(deck, can_undo=True)


@bp.route("/undo", methods=("POST",))
@login_required
def undo() -> Response:
    """Undo the last answer: the card's state comes back exactly; the undo is recorded."""
    session = get_session()
    latest = last_undoable(session, current_user().id)
    if latest is None:
        return after_action(deck_arg(), _("Nothing to undo."))
    undo_answer(session, latest, utcnow())
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
    card = live_card_or_404(card_id)
    now = utcnow()
    card.deleted_at = now
    exists = session.scalar(
        select(Tombstone.id).where(Tombstone.user_id == card.user_id, Tombstone.key == card.key)
    )
    if exists is None:
        session.add(Tombstone(user_id=card.user_id, key=card.key, reason="not-a-card",
                              front=card.front, created_at=now))
    session.commit()
    return after_action(deck_arg(), _("Card thrown away."))


@bp.route("/<int:card_id>/edit", methods=("GET", "POST"))
@login_required
def edit(card_id: int) -> str | Response | tuple[str, int]:
    """A small editor for the card's two sides, returning to the review."""
    card = live_card_or_404(card_id)
    deck = deck_arg()
    error = None
    front, back = card.front, card.back
    if request.method == "POST":
        front, back = request.form.get("front", ""), request.form.get("back", "")
        if not front.strip():
            error = _("The front of a card cannot be empty.")
        else:
            card.front, card.back = front, back
            card.edited, card.modified_at = True, utcnow()
            get_session().commit()
            return redirect(url_for("review.start", deck=deck))
    return render_template("review/edit.html", card=card, deck=deck, front=front, back=back,
                           error=error), (422 if error else 200)


@bp.route("/<int:card_id>/source")
@login_required
def source(card_id: int) -> str:
    """Where the card comes from: the note's path, heading path, line, and nearby lines."""
    card = live_card_or_404(card_id)
    template = "review/_source.html" if request.args.get("partial") else "review/source.html"
    return render_template(template, card=card, lines=source_excerpt(card), deck=deck_arg())
