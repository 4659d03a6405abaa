"""The statistics page's kept figures: every kind of change shows on the next view.

Each test renders the page, changes the collection the way the app does it,
renders again, and checks that the card-derived parts of the page (states,
intervals, E-factors, forecast, hardest cards, due today) are exactly what an
uncached computation gives, and that they changed. A guard on the engine
fails any transaction that writes the ``cards`` table without bumping the
owner's ``cards_version`` in the same transaction. The answer-derived parts
(summary, heatmap, reviews, time, retention, buttons), read from the rollup
written with each answer, are checked the same way against answers, undos, a
new day, old history stored late and deck moves: they equal what the review
history gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session

import app.stats.cached as cached
from app.db import utcnow
from app.models import Card, Review, User, bump_cards_version
from app.notes.importer import NoteFile, import_notes
from app.stats import rollup
from tests.factories import make_card, make_deck

CARD_SECTIONS = ("forecast", "states", "intervals", "efactors", "hardest")
_CARD_WRITE = re.compile(r'^\s*(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+"?cards"?[\s(]', re.I)
_BUMP = re.compile(r"^\s*UPDATE\s+users\s+SET\s+cards_version", re.I)


class CardWriteGuard:
    """Records transactions that wrote ``cards`` without bumping ``users.cards_version``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.unbumped: list[str] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._forget)

    def _statement(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _CARD_WRITE.match(statement):
            conn.info.setdefault("card_writes", []).append(statement)
        elif _BUMP.match(statement):
            conn.info["cards_bumped"] = True

    def _commit(self, conn: Any) -> None:
        writes = conn.info.get("card_writes")
        if writes and not conn.info.get("cards_bumped"):
            self.unbumped.extend(writes)
        self._forget(conn)

    def _forget(self, conn: Any) -> None:
        conn.info.pop("card_writes", None)
        conn.info.pop("cards_bumped", None)

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._forget)


@pytest.fixture(autouse=True)
def guard(app: Flask) -> Iterator[CardWriteGuard]:
    """Every test here also fails if a card write went without a version bump."""
    watcher = CardWriteGuard(app.extensions["wengu.engine"])
    yield watcher
    watcher.remove()
    assert watcher.unbumped == []


@pytest.fixture
def collection(db: Session, user_id: int) -> dict[str, int]:
    """Ada's cards: a hard one due now, a young one, a mature one, a new one, in two decks."""
    now = utcnow()
    hard = make_card(db, user_id, "What does the TLB cache?", deck="os", lapses=4, ef=150,
                     reps=5, interval_days=2, due=now - timedelta(hours=1),
                     last_reviewed_at=now - timedelta(days=2))
    young = make_card(db, user_id, "What is a page fault?", deck="os", ef=230, reps=3,
                      interval_days=6, due=now + timedelta(days=3),
                      last_reviewed_at=now - timedelta(days=3))
    mature = make_card(db, user_id, "What is 7 x 8?", deck="maths", ef=270, reps=8,
                       interval_days=60, due=now + timedelta(days=20),
                       last_reviewed_at=now - timedelta(days=40))
    new = make_card(db, user_id, "What is a group?", deck="maths")
    db.commit()
    return {"hard": hard.id, "young": young.id, "mature": mature.id, "new": new.id,
            "os": make_deck(db, user_id, "os").id, "maths": make_deck(db, user_id, "maths").id}


def card_part(client: FlaskClient, query: str = "") -> str:
    """The card-derived parts of the page."""
    response = client.get(f"/stats{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parts = [re.search(r'id="due-today">([^<]*)<', html).group(1)]  # type: ignore[union-attr]
    for key in CARD_SECTIONS:
        parts.append(html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0])
    return "\n".join(parts)


def uncached(client: FlaskClient, query: str = "") -> str:
    """What the page shows when nothing is cached."""
    cached.card_cache.clear()
    cached.review_cache.clear()
    return card_part(client, query)


def version(db: Session, user_id: int) -> int:
    db.rollback()  # a fresh read
    return cached.cards_version(db, user_id)[0]


def check_change(
    client: FlaskClient, db: Session, user_id: int, change: Callable[[], object],
    query: str = "", *, visible: bool = True,
) -> None:
    """Render, ``change``, render: the second view is exact and (if ``visible``) differs."""
    before = card_part(client, query)
    assert card_part(client, query) == before  # served from the cache
    was = version(db, user_id)
    change()
    assert version(db, user_id) > was
    after = card_part(client, query)
    assert after == uncached(client, query)
    if visible:
        assert after != before


def shown(client: FlaskClient) -> dict[str, str]:
    page = client.get("/review").get_data(as_text=True)
    card = re.search(r'name="card_id" value="(\d+)"', page)
    showing = re.search(r'name="showing_id" value="([^"]+)"', page)
    assert card is not None and showing is not None
    return {"card_id": card.group(1), "showing_id": showing.group(1)}


def post(client: FlaskClient, url: str, **data: Any) -> None:
    response = client.post(url, data=data)
    assert response.status_code in (200, 302, 303), (url, response.status_code)


def test_repeated_view_is_served_from_the_cache(
    client: FlaskClient, collection: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = card_part(client)
    calls: list[int] = []
    real = cached.card_figures

    def counting(*args: Any, **kwargs: Any) -> cached.CardFigures:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(cached, "card_figures", counting)
    assert card_part(client) == first
    assert calls == []
    card_part(client, f"?deck={collection['os']}")  # another filter: another entry
    assert calls == [1]


def test_answer_through_the_review_page(
    client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]
) -> None:
    def answer() -> None:
        post(client, "/review/answer", **shown(client), grade="5")

    check_change(client, db, user_id, answer)


def test_undo(client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]) -> None:
    post(client, "/review/answer", **shown(client), grade="1")
    check_change(client, db, user_id, lambda: post(client, "/review/undo"))


def test_edit(client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]) -> None:
    def edit() -> None:
        post(client, f"/cards/{collection['hard']}/edit", front="What does a TLB hold?",
             back="Translations.", deck_id=str(collection["os"]), tags="")

    check_change(client, db, user_id, edit)
    assert "What does a TLB hold?" in card_part(client)


@pytest.mark.parametrize("url", ["/cards/{id}/suspend", "/review/{id}/suspend",
                                 "/cards/{id}/delete", "/cards/{id}/reset",
                                 "/review/{id}/discard"])
def test_one_card_actions(
    client: FlaskClient, db: Session, user_id: int, collection: dict[str, int], url: str
) -> None:
    check_change(client, db, user_id,
                 lambda: post(client, url.format(id=collection["hard"])))


def test_bury(client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]) -> None:
    # Burying changes no figure on the page, but it is a card change all the same.
    check_change(client, db, user_id, lambda: post(client, f"/review/{collection['hard']}/bury"),
                 visible=False)


@pytest.mark.parametrize("action", ["move", "suspend", "delete", "unsuspend"])
def test_browse_bulk_actions(
    client: FlaskClient, db: Session, user_id: int, collection: dict[str, int], action: str
) -> None:
    ids = [str(collection["young"]), str(collection["hard"])]
    if action == "unsuspend":
        post(client, "/browse/bulk", action="suspend", ids=ids)

    def bulk() -> None:
        post(client, "/browse/bulk", action=action, ids=ids, deck_id=str(collection["maths"]))

    check_change(client, db, user_id, bulk, f"?deck={collection['os']}")


def test_import_of_a_changed_note(
    client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]
) -> None:
    note = "# Caches\n\nQ: What does a cache line hold?\nA: A block of memory.\n"
    import_notes(db, user_id, [NoteFile("notes/caches.md", note.encode())], roots=["notes"])

    def reimport() -> None:
        changed = note + "\nQ: What is a cache miss?\nA: A lookup that finds nothing.\n"
        import_notes(db, user_id, [NoteFile("notes/caches.md", changed.encode())],
                     roots=["notes"])

    check_change(client, db, user_id, reimport)


def test_a_note_that_vanished_retires_its_cards(
    client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]
) -> None:
    note = "# Caches\n\nQ: What does a cache line hold?\nA: A block of memory.\n"
    import_notes(db, user_id, [NoteFile("notes/caches.md", note.encode())], roots=["notes"])
    check_change(client, db, user_id,
                 lambda: import_notes(db, user_id, [], roots=["notes"]))


def test_core_update_with_a_bump(
    client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]
) -> None:
    def core() -> None:
        db.execute(update(Card).where(Card.user_id == user_id).values(ef=130))
        bump_cards_version(db, [user_id])
        db.commit()

    check_change(client, db, user_id, core)


def test_the_guard_catches_a_core_update_without_a_bump(
    db: Session, user_id: int, collection: dict[str, int], guard: CardWriteGuard
) -> None:
    was = version(db, user_id)
    db.execute(update(Card).where(Card.id == collection["hard"]).values(ef=140))
    db.commit()
    assert version(db, user_id) == was  # nothing counted it: the cache would be stale
    assert len(guard.unbumped) == 1 and "UPDATE cards" in guard.unbumped[0]
    guard.unbumped.clear()


def test_unchanged_rows_do_not_bump(
    db: Session, user_id: int, collection: dict[str, int]
) -> None:
    was = version(db, user_id)
    card = db.get(Card, collection["hard"])
    assert card is not None
    card.ef = card.ef  # set to the same value: no change
    db.commit()
    assert version(db, user_id) == was


def test_other_users_are_not_bumped(
    app: Flask, db: Session, user_id: int, collection: dict[str, int]
) -> None:
    from tests.conftest import make_user

    bob = make_user(app, "bob")
    was = version(db, bob)
    card = db.get(Card, collection["hard"])
    assert card is not None
    card.suspended = True
    db.commit()
    assert version(db, bob) == was
    assert db.scalar(select(User.cards_version).where(User.id == user_id)) is not None


def test_a_new_day_recomputes(
    client: FlaskClient, collection: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    today = card_part(client)
    later = utcnow() + timedelta(days=5)
    monkeypatch.setattr("app.stats.views.utcnow", lambda: later)
    assert card_part(client) != today  # the forecast moved on
    assert card_part(client) == uncached(client)


def test_time_zone_change_recomputes(
    client: FlaskClient, db: Session, user_id: int, collection: dict[str, int]
) -> None:
    card_part(client)
    user = db.get(User, user_id)
    assert user is not None
    user.timezone, user.day_start_hour = "Pacific/Kiritimati", 0
    db.commit()
    assert card_part(client) == uncached(client)


CORE_CARD_WRITES = re.compile(
    r"update\(Card\b|insert\(Card\b|delete\(Card\b|_CARDS\.(update|insert|delete)|"
    r"Card\.__table__\)?\.(update|insert|delete)|(UPDATE|INSERT INTO|DELETE FROM) cards\b"
)


def test_every_core_write_to_cards_bumps() -> None:
    """A module that writes ``cards`` around the ORM must call ``bump_cards_version``
    (or, on a raw connection, move ``cards_version`` on in its own statement)."""
    root = Path(__file__).resolve().parents[1] / "app"
    missing = [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*.py"))
        if CORE_CARD_WRITES.search(text := path.read_text(encoding="utf-8"))
        and "bump_cards_version(" not in text
        and "SET cards_version = cards_version + 1" not in text
    ]
    assert missing == []


# -- the answer figures, read from the rollup -------------------------------------------------

REVIEW_SUMMARY = ("streak", "daily-average", "days-studied", "period-reviews", "period-minutes")
REVIEW_SECTIONS = ("calendar", "reviews", "time", "retention", "buttons")


def review_part(client: FlaskClient, query: str = "") -> str:
    """The answer-derived parts of the page."""
    response = client.get(f"/stats{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parts = [
        re.search(rf'id="{key}">([^<]*)<', html).group(1)  # type: ignore[union-attr]
        for key in REVIEW_SUMMARY
    ]
    for key in REVIEW_SECTIONS:
        parts.append(html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0])
    return "\n".join(parts)


def review_from_history(client: FlaskClient, query: str = "") -> str:
    """The answer-derived parts counted from the review history (the rollup unread)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rollup, "read", lambda *_args: None)
        cached.review_cache.clear()
        return review_part(client, query)


def reviews_in_period(client: FlaskClient, query: str = "") -> int:
    html = client.get(f"/stats{query}").get_data(as_text=True)
    found = re.search(r'id="period-reviews">(\d+)<', html)
    assert found is not None
    return int(found.group(1))


def check_review_change(
    client: FlaskClient, change: Callable[[], object], query: str = ""
) -> str:
    """Render, ``change``, render: the second view is exact and differs. Returns it."""
    before = review_part(client, query)
    assert review_part(client, query) == before  # served from the cache
    assert before == review_from_history(client, query)
    change()
    after = review_part(client, query)
    assert after == review_from_history(client, query)
    assert after != before
    return after


def answer(client: FlaskClient, grade: str = "5") -> None:
    post(client, "/review/answer", **shown(client), grade=grade)


def test_repeated_view_serves_the_answer_figures_from_the_cache(
    client: FlaskClient, collection: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(client)
    first = review_part(client)
    calls: list[int] = []
    real = cached.answer_figures

    def counting(*args: Any, **kwargs: Any) -> cached.ReviewFigures:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(cached, "answer_figures", counting)
    assert review_part(client) == first
    assert calls == []
    review_part(client, "?period=1y")  # another period: another entry
    assert calls == [1]
    review_part(client, f"?deck={collection['os']}")  # another filter: another entry
    assert calls == [1, 1]


def test_an_answer_shows_in_the_answer_figures(
    client: FlaskClient, collection: dict[str, int]
) -> None:
    was = reviews_in_period(client)
    check_review_change(client, lambda: answer(client))
    assert reviews_in_period(client) == was + 1


def test_an_undo_shows_in_the_answer_figures(
    client: FlaskClient, collection: dict[str, int]
) -> None:
    answer(client, "1")
    was = reviews_in_period(client)
    check_review_change(client, lambda: post(client, "/review/undo"))
    assert reviews_in_period(client) == was - 1


def test_old_history_stored_late_shows(
    db: Session, user_id: int, client: FlaskClient, collection: dict[str, int]
) -> None:
    # An answer with a time days ago, stored now (as an import of history would).
    def store() -> None:
        row = Review(user_id=user_id, card_id=collection["mature"], grade=4,
                     reviewed_at=utcnow() - timedelta(days=3), duration_ms=4000,
                     reps_before=7, ef_before=270, interval_before=30, lapses_before=0,
                     reps_after=8, ef_after=270, interval_after=60, lapses_after=0)
        db.add(row)
        rollup.record(db, user_id, [row])  # what a history import does
        db.commit()

    was = reviews_in_period(client)
    check_review_change(client, store)
    assert reviews_in_period(client) == was + 1


def test_a_new_day_recomputes_the_answer_figures(
    client: FlaskClient, collection: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(client)
    later = utcnow() + timedelta(days=5)

    def next_day() -> None:
        monkeypatch.setattr("app.stats.views.utcnow", lambda: later)

    after = check_review_change(client, next_day)  # the heatmap and the streak moved on
    assert after.split("\n", 1)[0] == "0 days"  # no answer today or yesterday: no streak


def test_a_card_moved_out_of_a_deck_takes_its_answers_along(
    client: FlaskClient, collection: dict[str, int]
) -> None:
    query = f"?deck={collection['os']}"
    while reviews_in_period(client, query) == 0:  # an answer on a card of "os"
        answer(client)
    answered = [str(collection["hard"]), str(collection["young"])]

    def move() -> None:
        post(client, "/browse/bulk", action="move", ids=answered,
             deck_id=str(collection["maths"]))

    check_review_change(client, move, query)
    assert reviews_in_period(client, query) == 0
