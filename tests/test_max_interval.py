"""The longest interval: a user setting the review path applies on every answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, User
from tests.factories import make_card

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_answers_never_exceed_the_users_maximum_interval(
    traveller: Any, client: FlaskClient, db: Session, user_id: int
) -> None:
    db.get(User, user_id).max_interval_days = 30  # type: ignore[union-attr]
    for n in range(3):
        make_card(db, user_id, f"Q{n}", "A", due=NOW - timedelta(days=1),
                  reps=4, interval_days=25, ef=250)
    db.commit()
    page = client.get("/review").get_data(as_text=True)
    # ceil(25 × 2.5) = 63 days, capped at 30.
    assert re.findall(r'class="grade-interval">([^<]+)<', page) == ["1d", "30d", "30d", "30d"]
    for _ in range(3):  # the first answer the ordinary way, the rest from the snapshot
        card = re.search(r'name="card_id" value="(\d+)"', page)
        shown = re.search(r'name="showing_id" value="([^"]+)"', page)
        assert card is not None and shown is not None
        reply: Any = client.post("/review/answer", data={
            "card_id": card.group(1), "showing_id": shown.group(1), "grade": "5",
        })
        assert reply.status_code in (200, 302)
        page = client.get("/review").get_data(as_text=True)
    db.expire_all()
    intervals = db.scalars(select(Card.interval_days)).all()
    assert intervals == [30, 30, 30]
