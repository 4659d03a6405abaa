"""Messages on the review page belong to the card they concern."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_card


def test_card_saved_shows_in_that_cards_status_line_only(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    first = make_card(db, user_id, "First?", "1")
    make_card(db, user_id, "Second?", "2")
    db.commit()
    client.post(f"/cards/{first.id}/edit",
                data={"front": "First, edited?", "back": "1", "deck_id": str(first.deck_id),
                      "tags": "", "next": "/review"})
    page = client.get("/review").get_data(as_text=True)
    # In the card's status line (replaced with the next card), not a page-wide flash.
    assert re.search(r'<p class="review-status"[^>]*>Card saved\.</p>', page)
    assert 'class="flash' not in page
    shown = re.search(r'name="card_id" value="(\d+)"', page)
    showing = re.search(r'name="showing_id" value="([^"]+)"', page)
    assert shown is not None and showing is not None
    reply = client.post("/review/answer", data={
        "card_id": shown.group(1), "showing_id": showing.group(1), "grade": "4",
        "format": "json", "fill": "1"}).get_json()
    assert reply["card"]["front"] and reply["message"] is None
    assert "Card saved." not in client.get("/review").get_data(as_text=True)
