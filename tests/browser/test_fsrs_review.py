"""An FSRS deck in the browser: the buttons show learning steps in minutes, and the
card filled in after an answer (review.js) shows its own scheduler's waits."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from tests.browser.conftest import Page, path_for, require
from tests.conftest import make_user
from tests.factories import make_card, make_deck


def labels(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".grade-interval").all_inner_texts()]


def test_fsrs_buttons_show_minutes_after_each_answer(
    app: Flask, page: Page, db: Session
) -> None:
    require(app, "review.start", "review.answer")
    user_id = make_user(app, "ada", is_owner=True)
    deck = make_deck(db, user_id, "FSRS deck", scheduler="fsrs")
    first = make_card(db, user_id, "First?", "one", deck=deck)
    make_card(db, user_id, "Second?", "two", deck=deck)
    db.commit()
    page.log_in()
    page.go(path_for(app, "review.start"))
    page.wait_for_selector(".review-card")
    assert int(page.get_attribute(".review-card", "data-card")) == first.id
    page.keyboard.press("Space")
    page.wait_for_selector(".review-answer[open] .review-grades")
    assert labels(page) == ["1m", "6m", "10m", "8d"]
    page.keyboard.press("3")  # Good: the 10-minute step
    page.wait_for_function(
        "id => document.querySelector('.review-card')?.dataset.card !== String(id)",
        arg=first.id)
    page.keyboard.press("Space")
    page.wait_for_selector(".review-answer[open] .review-grades")
    assert labels(page) == ["1m", "6m", "10m", "8d"]  # the new card, filled in by script
    page.keyboard.press("3")
    page.wait_for_function(
        "id => document.querySelector('.review-card')?.dataset.card === String(id)",
        arg=first.id)  # the first card again, on its last learning step
    page.keyboard.press("Space")
    page.wait_for_selector(".review-answer[open] .review-grades")
    assert labels(page)[0] == "1m" and labels(page)[2].endswith("d")
    page.shot("fsrs-review-learning-step")
    assert page.errors == []
