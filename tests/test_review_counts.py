"""Counts and limits: every count (deck list, review bar, end screen) is what will be shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Review, User
from tests.factories import make_card

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
BAR = re.compile(r'class="count-review[^"]*"[^>]*>(\d+)\+? due</span>\s*'
                 r'<span class="count-new[^"]*"[^>]*>(\d+)\+? new</span>\s*'
                 r'<span class="count-repeat[^"]*"[^>]*>(\d+)\+? again today</span>')
FIELD = re.compile(r'name="(card_id|showing_id)" value="([^"]+)"')


@pytest.fixture
def traveller() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def bar(html: str) -> tuple[int, int, int] | None:
    found = BAR.search(html)
    return None if found is None else (int(found[1]), int(found[2]), int(found[3]))


def review_all_line(client: FlaskClient) -> tuple[int, int]:
    page = client.get("/").get_data(as_text=True)
    found = re.search(r"(\d+) due · (\d+) new", page)
    assert found is not None
    return int(found[1]), int(found[2])


def deck_row(client: FlaskClient, name: str) -> tuple[int, int, int]:
    page = client.get("/").get_data(as_text=True)
    found = re.search(rf'title="{re.escape(name)}">[^<]*</a></td>\s*'
                      r'<td class="num due[^"]*">(\d+)</td>\s*<td class="num new[^"]*">(\d+)</td>'
                      r'\s*<td class="num learning[^"]*">(\d+)</td>', page)
    assert found is not None, page
    return int(found[1]), int(found[2]), int(found[3])


def drain(client: FlaskClient, query: str = "", grade: int = 5) -> list[tuple[int, int, int]]:
    """Answer every card the review page shows; the bar before each answer."""
    seen = []
    page = client.get(f"/review{query}").get_data(as_text=True)
    while (counts := bar(page)) is not None:
        seen.append(counts)
        fields = dict(FIELD.findall(page))
        client.post(f"/review/answer{query}", data={**fields, "grade": str(grade)})
        page = client.get(f"/review{query}").get_data(as_text=True)
        assert len(seen) < 200
    assert "Done for today" in page
    return seen


def shown_totals(seen: list[tuple[int, int, int]]) -> None:
    """Each answer lowers the bar by exactly one card: the counts were what was shown."""
    for before, after in zip(seen, [*seen[1:], (0, 0, 0)], strict=True):
        assert sum(before) - sum(after) == 1, (before, after)


def test_reviewing_every_deck_obeys_the_overall_limit(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    for deck in ("Alpha", "Beta", "Gamma"):
        for i in range(8):
            make_card(db, user_id, f"{deck} {i}?", deck=deck)
    db.get_one(User, user_id).new_per_day = 5
    db.commit()
    assert deck_row(client, "Alpha") == (0, 5, 0)  # each deck: its own limit (inherited)
    assert review_all_line(client) == (0, 5)  # every deck: the overall limit, not 3 × 5
    first = bar(client.get("/review").get_data(as_text=True))
    assert first == (0, 5, 0)
    seen = drain(client)
    assert len(seen) == 5 and seen[0] == first
    shown_totals(seen)
    assert review_all_line(client) == (0, 0)


def test_a_decks_limit_covers_its_sub_decks(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    from tests.factories import make_deck

    make_deck(db, user_id, "Lang", new_per_day=3)
    for i in range(4):
        make_card(db, user_id, f"zh {i}?", deck="Lang::zh")
        make_card(db, user_id, f"fr {i}?", deck="Lang::fr")
    db.commit()
    assert deck_row(client, "Lang") == (0, 3, 0)
    assert deck_row(client, "Lang::zh") == (0, 3, 0)  # inherits 3, and Lang's 3 covers it
    deck_id = db.scalar(select(func.min(Review.id)))  # no answers yet
    assert deck_id is None
    seen = drain(client)
    assert len(seen) == 3
    shown_totals(seen)
    assert deck_row(client, "Lang::fr") == (0, 0, 0)


def test_held_back_siblings_are_not_counted(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "front → back", note_key="note:1")
    make_card(db, user_id, "back → front", note_key="note:1")
    make_card(db, user_id, "Another?")
    make_card(db, user_id, "Reviewed?", note_key="note:2", due=NOW - timedelta(days=1),
              reps=1, interval_days=1, last_reviewed_at=NOW - timedelta(days=2))
    make_card(db, user_id, "Its sibling", note_key="note:2")
    db.commit()
    assert deck_row(client, "Default") == (1, 2, 0)
    assert review_all_line(client) == (1, 2)
    seen = drain(client)
    assert seen[0] == (1, 2, 0) and len(seen) == 3
    shown_totals(seen)


@pytest.mark.parametrize("action", ["suspend", "bury", "discard"])
def test_suspend_bury_and_throw_away_lower_the_counts_at_once(
    traveller: Any, client: FlaskClient, db: Session, user_id: int, action: str
) -> None:
    for i in range(3):
        make_card(db, user_id, f"Due {i}?", due=NOW - timedelta(days=3 - i), reps=1,
                  interval_days=1, last_reviewed_at=NOW - timedelta(days=5))
    make_card(db, user_id, "New?")
    db.commit()
    page = client.get("/review").get_data(as_text=True)
    assert bar(page) == (3, 1, 0)
    card_id = dict(FIELD.findall(page))["card_id"]
    reply = client.post(f"/review/{card_id}/{action}", data={"format": "json"})
    assert bar(reply.get_json()["html"]) == (2, 1, 0)
    assert deck_row(client, "Default") == (2, 1, 0)
    shown_totals(drain(client))


def test_learning_cards_due_today_are_counted_and_reviewable(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Failed earlier today", due=NOW + timedelta(days=1), reps=0,
              interval_days=1, last_reviewed_at=NOW - timedelta(hours=1), repeat_pending=True)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert "0 due · 0 new · 1 learning" in page
    assert deck_row(client, "Default") == (0, 0, 1)
    seen = drain(client)
    assert seen == [(0, 0, 1)]


def test_new_cards_can_wait_while_reviews_are_overdue(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    for i in range(3):
        make_card(db, user_id, f"Overdue {i}?", due=NOW - timedelta(days=4 - i), reps=1,
                  interval_days=1, last_reviewed_at=NOW - timedelta(days=6))
    for i in range(2):
        make_card(db, user_id, f"New {i}?")
    db.commit()
    assert review_all_line(client) == (3, 2)  # off by default
    settings = client.get("/account/").get_data(as_text=True)
    assert 'name="new_stop_overdue"' in settings
    form = {"timezone": "UTC", "day_start_hour": "4", "language": "auto", "grade_buttons": "4",
            "new_per_day": "20", "reviews_per_day": "2", "new_stop_overdue": "0"}
    assert client.post("/account/", data=form).status_code == 302
    assert db.get_one(User, user_id).new_stop_overdue == 0
    # Two reviews allowed today leave one overdue, more than none: no new card today.
    assert review_all_line(client) == (2, 0)
    seen = drain(client)
    assert [s[1] for s in seen] == [0, 0]
    bad = client.post("/account/", data={**form, "new_stop_overdue": "-3"})
    assert bad.status_code == 400
    assert client.post("/account/", data={**form, "new_stop_overdue": ""}).status_code == 302
    assert db.get_one(User, user_id).new_stop_overdue is None
