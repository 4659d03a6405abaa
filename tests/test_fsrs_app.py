"""FSRS in the app: the scheduler chosen per deck and inherited, switching with the
history kept, learning steps on the review page (across the day boundary too),
button previews, undo, fitted parameters per user (button and CLI)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cards.rescheduling import fit_user
from app.cards.scheduler_choice import deck_scheduler
from app.cards.store import move_cards
from app.models import Card, FsrsParameters, Review, User
from app.review.store import Refused, card_state, review_day, write_answer
from cards import fsrs_scheduler
from cards.fsrs_fit import MIN_REVIEWS
from cards.fsrs_scheduler import Phase
from cards.scheduler import DeckScheduler, SchedulerKind
from tests.conftest import make_user
from tests.factories import make_card, make_deck, user_named

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def record_answer(db: Session, card: Card, grade: int, at: datetime) -> None:
    """Answer ``card`` at ``at`` through the one answer writer (a same-day repeat when
    the card is pending one from earlier that review day)."""
    user = db.get(User, card.user_id)
    assert user is not None
    written = write_answer(db, card.user_id, card.id, grade, at, review_day(user, at)[0],
                           showing=None)
    assert not isinstance(written, Refused)


@pytest.fixture
def traveller() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def showing(client: FlaskClient) -> dict[str, str] | None:
    page = client.get("/review").get_data(as_text=True)
    card = re.search(r'name="card_id" value="(\d+)"', page)
    if card is None:
        return None
    show = re.search(r'name="showing_id" value="([^"]+)"', page)
    assert show is not None
    return {"card_id": card.group(1), "showing_id": show.group(1)}


def answer(client: FlaskClient, grade: int, shown: dict[str, str]) -> Any:
    return client.post("/review/answer", data={**shown, "grade": str(grade)})


def test_scheduler_is_inherited_by_sub_decks(db: Session, user_id: int) -> None:
    top = make_deck(db, user_id, "lang", scheduler="fsrs", desired_retention=0.85)
    mid = make_deck(db, user_id, "lang::zh")
    own = make_deck(db, user_id, "lang::zh::idioms", scheduler="sm2")
    low = make_deck(db, user_id, "lang::zh::idioms::rare", desired_retention=0.95)
    other = make_deck(db, user_id, "maths")
    for deck in (top, mid):
        chosen = deck_scheduler(db, user_id, deck.id)
        assert chosen.kind is SchedulerKind.FSRS
        assert chosen.fsrs.desired_retention == 0.85
    assert deck_scheduler(db, user_id, own.id).kind is SchedulerKind.SM2
    rare = deck_scheduler(db, user_id, low.id)
    assert rare.kind is SchedulerKind.SM2 and rare.fsrs.desired_retention == 0.95
    assert deck_scheduler(db, user_id, other.id) == DeckScheduler()
    assert deck_scheduler(db, user_id, other.id).fsrs.desired_retention == 0.90


def test_another_users_deck_is_not_resolved(db: Session, user_id: int, app: Any) -> None:
    deck = make_deck(db, user_id, "mine", scheduler="fsrs")
    db.commit()
    other = make_user(app, "bob")
    assert deck_scheduler(db, other, deck.id) == DeckScheduler()


def _set_scheduler(client: FlaskClient, deck_id: int, scheduler: str, retention: str = "") -> Any:
    return client.post(f"/decks/{deck_id}", data={
        "action": "scheduler", "scheduler": scheduler, "desired_retention": retention})


@pytest.mark.parametrize(("scheduler", "retention", "message"), [
    ("sm3", "", "Choose SM-2, FSRS or inherit."),
    ("fsrs", "50", "between 70% and 99%"),
    ("fsrs", "abc", "between 70% and 99%"),
])
def test_bad_scheduler_settings_are_refused(
    client: FlaskClient, db: Session, user_id: int, scheduler: str, retention: str, message: str
) -> None:
    deck = make_deck(db, user_id, "d")
    db.commit()
    response = _set_scheduler(client, deck.id, scheduler, retention)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert (deck.scheduler, deck.desired_retention) == (None, None)


def _answer_sm2_history(db: Session, card: Card, grades: list[int], start: datetime) -> None:
    at = start
    for grade in grades:
        record_answer(db, card, grade, at)
        db.flush()
        assert card.due is not None
        at = card.due
    db.commit()


def test_switching_recomputes_from_history_and_keeps_it(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id, "d")
    card = make_card(db, user_id, deck=deck)
    untouched = make_card(db, user_id, deck=deck)
    _answer_sm2_history(db, card, [4, 4, 1, 4, 5], NOW - timedelta(days=60))
    sm2_before = card_state(card)
    review_count = db.scalar(select(func.count()).select_from(Review))

    response = _set_scheduler(client, deck.id, "fsrs", "90")
    assert response.status_code == 302
    assert "2 cards rescheduled" in client.get(f"/decks/{deck.id}").get_data(as_text=True)
    db.expire_all()
    after = card_state(card)
    expected = fsrs_scheduler.replay(
        [(r.reviewed_at, r.grade) for r in db.scalars(select(Review).order_by(Review.id))
         if r.grade is not None], fsrs_scheduler.Settings())
    assert (after.phase, after.stability, after.difficulty, after.due) == (
        expected.phase, expected.stability, expected.difficulty, expected.due)
    assert after.ef == sm2_before.ef  # SM-2's own field kept for a way back
    assert untouched.due is None and untouched.fsrs_phase == Phase.NEW
    assert db.scalar(select(func.count()).select_from(Review)) == review_count  # history kept

    _set_scheduler(client, deck.id, "sm2")
    db.expire_all()
    assert card_state(card).sm2_state() == sm2_before.sm2_state()


def test_a_sub_deck_follows_its_parents_switch(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    parent = make_deck(db, user_id, "p")
    child = make_deck(db, user_id, "p::c")
    pinned = make_deck(db, user_id, "p::pinned", scheduler="sm2")
    inherits = make_card(db, user_id, deck=child)
    stays = make_card(db, user_id, deck=pinned)
    _answer_sm2_history(db, inherits, [4, 4], NOW - timedelta(days=10))
    _answer_sm2_history(db, stays, [4, 4], NOW - timedelta(days=10))
    _set_scheduler(client, parent.id, "fsrs")
    db.expire_all()
    assert inherits.fsrs_phase == Phase.REVIEW and inherits.stability is not None
    assert stays.fsrs_phase == Phase.NEW and stays.stability is None


def _fsrs_user(db: Session, user_id: int) -> Card:
    deck = make_deck(db, user_id, "f", scheduler="fsrs")
    card = make_card(db, user_id, deck=deck)
    db.commit()
    return card


def test_review_buttons_show_learning_steps_and_answers_follow_them(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    card = _fsrs_user(db, user_id)
    page = client.get("/review").get_data(as_text=True)
    labels = re.findall(r'class="grade-interval">([^<]+)<', page)
    assert labels == ["1m", "6m", "10m", "8d"]  # Again, Hard, Good, Easy for a new card
    shown = showing(client)
    assert shown is not None
    answer(client, 4, shown)  # Good: the 10-minute step
    db.expire_all()
    assert card.fsrs_phase == Phase.LEARNING and card.due == NOW + timedelta(minutes=10)
    assert card.repeat_pending is True  # back today, with the day's repeats
    row = db.scalars(select(Review)).one()
    assert row.kind == "review" and row.fsrs_phase_before == Phase.NEW
    traveller.shift(timedelta(minutes=10))
    page = client.get("/review").get_data(as_text=True)
    assert re.findall(r'class="grade-interval">([^<]+)<', page)[:3] == ["1m", "10m", "2d"]
    shown = showing(client)
    assert shown is not None and shown["card_id"] == str(card.id)
    answer(client, 1, shown)  # Again: back to the 1-minute step
    db.expire_all()
    assert card.due == NOW + timedelta(minutes=11) and card.fsrs_step == 0
    assert [r.kind for r in db.scalars(select(Review).order_by(Review.id))] == [
        "review", "repeat"]  # a step answered the same day counts against no limit
    for minutes in (1, 10):
        traveller.shift(timedelta(minutes=minutes))
        shown = showing(client)
        assert shown is not None
        answer(client, 4, shown)
    db.expire_all()
    assert card.fsrs_phase == Phase.REVIEW and card.interval_days >= 1
    assert card.repeat_pending is False
    assert showing(client) is None  # done for today


LATE = datetime(2026, 5, 5, 3, 55, tzinfo=UTC)


@pytest.fixture
def late_traveller() -> Any:
    with time_machine.travel(LATE, tick=False) as traveller:
        yield traveller


def test_a_learning_step_across_the_day_boundary_is_due_next_day(
    late_traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    late, traveller = LATE, late_traveller
    card = _fsrs_user(db, user_id)  # the user's day starts at 04:00 UTC
    shown = showing(client)
    assert shown is not None
    answer(client, 4, shown)
    db.expire_all()
    assert card.due == late + timedelta(minutes=10)  # 04:05, in the next review day
    traveller.shift(timedelta(minutes=10))  # 04:05: a new day
    shown = showing(client)
    assert shown is not None and shown["card_id"] == str(card.id)
    answer(client, 4, shown)
    db.expire_all()
    rows = db.scalars(select(Review).order_by(Review.id)).all()
    assert [r.kind for r in rows] == ["review", "review"]  # a due card, not a repeat
    assert card.fsrs_phase == Phase.REVIEW and card.due is not None
    assert card.due >= late + timedelta(days=1)


def test_undo_puts_the_fsrs_state_back(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    card = _fsrs_user(db, user_id)
    for _step in range(2):
        shown = showing(client)
        assert shown is not None
        answer(client, 4, shown)
        traveller.shift(timedelta(minutes=10))
    db.expire_all()
    before_undo = card_state(card)
    assert before_undo.phase is Phase.REVIEW
    shown = showing(client)
    assert shown is None
    client.post("/review/undo")
    db.expire_all()
    restored = card_state(card)
    assert restored.phase is Phase.LEARNING and restored.step == 1
    assert restored.due == NOW + timedelta(minutes=10)


def _answers_for(db: Session, user_id: int, cards: int, per_card: int) -> None:
    deck = make_deck(db, user_id, "fit")
    for n in range(cards):
        card = make_card(db, user_id, deck=deck)
        at = NOW - timedelta(days=400) + timedelta(hours=n)
        for i in range(per_card):
            grade = 1 if (n + i) % 5 == 0 else 4
            record_answer(db, card, grade, at)
            db.flush()
            at += timedelta(days=2 ** i)
    db.commit()


def test_fitted_parameters_are_stored_per_user(
    traveller: Any, db: Session, user_id: int, app: Any
) -> None:
    other = make_user(app, "bob")
    _answers_for(db, user_id, cards=90, per_card=5)
    user = db.get(User, user_id)
    assert user is not None
    fit = fit_user(db, user)
    db.commit()
    assert fit.fitted and fit.reviews == 450 >= MIN_REVIEWS
    stored = db.get(FsrsParameters, user_id)
    assert stored is not None and stored.fitted and stored.reviews == 450
    assert tuple(stored.parameters) == fit.parameters
    assert db.get(FsrsParameters, other) is None
    deck = make_deck(db, user_id, "uses", scheduler="fsrs")
    assert deck_scheduler(db, user_id, deck.id).fsrs.parameters == fit.parameters
    bobs = make_deck(db, other, "uses", scheduler="fsrs")
    assert deck_scheduler(db, other, bobs.id).fsrs.parameters == fsrs_scheduler.DEFAULT_PARAMETERS


def test_below_the_threshold_the_settings_button_keeps_defaults(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    _answers_for(db, user_id, cards=10, per_card=3)
    response = client.post("/account/fsrs")
    assert response.status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    assert "30 answers so far" in page and "Default parameters" in page
    stored = db.get(FsrsParameters, user_id)
    assert stored is not None and not stored.fitted
    assert tuple(stored.parameters) == fsrs_scheduler.DEFAULT_PARAMETERS


def test_cli_optimize_fits_and_reports(cli: Any, app: Any, db: Session) -> None:
    make_user(app, "ada")
    user = user_named(db, "ada")
    _answers_for(db, user.id, cards=90, per_card=5)
    result = cli("fsrs", "optimize", "--user", "ada")
    assert result.exit_code == 0, result.output
    assert "fitted FSRS parameters to 450 answers" in result.output
    db.expire_all()
    stored = db.get(FsrsParameters, user.id)
    assert stored is not None and stored.fitted
    missing = cli("fsrs", "optimize", "--user", "nobody")
    assert missing.exit_code != 0 and "no user called 'nobody'" in missing.output


def test_statistics_show_predicted_retention_for_fsrs_cards(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    sm2_card = make_card(db, user_id, deck=make_deck(db, user_id, "plain"))
    _answer_sm2_history(db, sm2_card, [4], NOW - timedelta(days=2))
    assert 'id="predicted-retention"' not in client.get("/stats").get_data(as_text=True)
    card = _fsrs_user(db, user_id)
    for _step in range(2):  # Good, Good: graduated, due in a few days
        record_answer(db, card, 4, NOW - timedelta(days=1))
        db.flush()
    db.commit()
    expected = fsrs_scheduler.retrievability(card_state(card).fsrs_state(), NOW,
                                             fsrs_scheduler.Settings())
    assert 0.9 < expected < 1
    page = client.get("/stats").get_data(as_text=True)
    found = re.search(r'id="predicted-retention"[^>]*>([\d.]+)%<', page)
    assert found is not None and float(found.group(1)) == round(expected * 100, 1)


def test_a_card_moved_to_an_fsrs_deck_is_rescheduled(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    plain = make_deck(db, user_id, "plain")
    fsrs_deck = make_deck(db, user_id, "fsrs", scheduler="fsrs")
    card = make_card(db, user_id, deck=plain)
    _answer_sm2_history(db, card, [4, 4], NOW - timedelta(days=10))
    assert card.stability is None
    assert move_cards([card], fsrs_deck) == 1
    db.commit()
    db.expire_all()
    assert card.deck_id == fsrs_deck.id
    assert card.fsrs_phase == Phase.REVIEW and card.stability is not None
    back = make_deck(db, user_id, "plain")
    assert move_cards([card], back) == 1  # to SM-2 again: SM-2's own state, rebuilt
    assert (card.reps, card.interval_days) == (2, 6)


def test_deleting_a_deck_moves_its_cards_into_the_other_scheduler(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    plain = make_deck(db, user_id, "plain")
    fsrs_deck = make_deck(db, user_id, "fsrs", scheduler="fsrs")
    card = make_card(db, user_id, deck=plain)
    _answer_sm2_history(db, card, [4, 4], NOW - timedelta(days=10))
    response = client.post(f"/decks/{plain.id}", data={
        "action": "delete", "move_to": str(fsrs_deck.id)})
    assert response.status_code == 302
    db.expire_all()
    assert card.deck_id == fsrs_deck.id and card.stability is not None


def test_buttons_follow_a_switch_at_once(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id, "d")
    make_card(db, user_id, deck=deck)
    db.commit()

    def shown_labels() -> list[str]:
        return re.findall(r'class="grade-interval">([^<]+)<',
                          client.get("/review").get_data(as_text=True))

    assert shown_labels() == ["1d", "1d", "1d", "1d"]  # SM-2 on a new card
    _set_scheduler(client, deck.id, "fsrs")
    assert shown_labels() == ["1m", "6m", "10m", "8d"]
    _set_scheduler(client, deck.id, "")
    assert shown_labels() == ["1d", "1d", "1d", "1d"]
