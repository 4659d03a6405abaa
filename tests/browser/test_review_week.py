"""A simulated week of daily review with two top-level decks, in a real browser: every
count the deck list and the review bar show is the number of cards review then shows,
and suspending or burying a card mid-session lowers the counts at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy.orm import Session

from tests.browser.conftest import Page, path_for, require
from tests.conftest import make_user
from tests.factories import make_card

# The week starts tomorrow at 09:00 UTC: only the server's clock travels, and the
# browser drops a cookie whose expiry lies before its own (real) clock.
START = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                        microsecond=0)
TOTAL = re.compile(r"(\d+) due · (\d+) new · (\d+) learning")
BAR = re.compile(r"(\d+)\+? due\s+(\d+)\+? new\s+(\d+)\+? again today")


def deck_list_total(page: Page) -> tuple[int, int, int]:
    page.go("/")
    text = page.locator(".review-all + .muted").inner_text()
    found = TOTAL.search(text)
    assert found, text
    due, new, learning = (int(n) for n in found.groups())
    return due, new, learning


def bar(page: Page) -> tuple[int, int, int]:
    text = " ".join(page.locator(".review-counts").inner_text().split())
    found = BAR.search(text)
    assert found, text
    due, new, repeat = (int(n) for n in found.groups())
    return due, new, repeat


def shown_card(page: Page) -> int | None:
    if page.locator(".review-card").count() == 0:
        return None
    return int(page.get_attribute(".review-card", "data-card"))


def wait_for_another(page: Page, card: int) -> None:
    page.wait_for_function(
        "id => { const c = document.querySelector('.review-card');"
        " return !c || c.dataset.card !== String(id); }", arg=card)


def answer(page: Page, key: str) -> None:
    card = shown_card(page)
    assert card is not None
    page.keyboard.press("Space")
    page.wait_for_selector(".review-answer[open] .review-grades")
    page.keyboard.press(key)
    wait_for_another(page, card)


def act(page: Page, key: str) -> None:
    """Suspend (s) or bury (b) the card shown."""
    card = shown_card(page)
    assert card is not None
    page.keyboard.press(key)
    wait_for_another(page, card)


def test_a_week_of_counts_with_two_top_level_decks(app: Flask, page: Page, db: Session) -> None:
    require(app, "review.start", "review.suspend", "review.bury")
    user_id = make_user(app, "ada", is_owner=True, timezone="UTC", new_per_day=4,
                        reviews_per_day=100)
    for deck in ("Kernel", "语言"):
        for n in range(10):
            make_card(db, user_id, f"{deck} question {n}?", f"{deck} answer {n}", deck=deck,
                      created_at=START - timedelta(days=1))
    db.commit()
    empty_days = 0
    for day in range(7):
        with time_machine.travel(START + timedelta(days=day), tick=True):
            page.go("/")
            if page.locator("form.logout").count() == 0:
                page.log_in()
            due, new, learning = deck_list_total(page)
            # "Review all decks" obeys one overall limit (4 new a day), not 4 per deck.
            assert 0 < new <= 4 if day < 4 else new <= 4, (day, new)
            assert learning == 0
            page.go(path_for(app, "review.start"))
            if (due, new) == (0, 0):  # a day with nothing due shows the end-of-day screen
                assert day >= 5 and shown_card(page) is None, day
                empty_days += 1
                continue
            page.wait_for_selector(".review-card")
            assert bar(page) == (due, new, 0), day
            if day == 1:
                before = bar(page)
                act(page, "s")  # suspend: the counts drop by one at once
                assert sum(bar(page)) == sum(before) - 1, (before, bar(page))
                act(page, "b")  # bury: again
                assert sum(bar(page)) == sum(before) - 2, (before, bar(page))
            left = sum(bar(page))
            shown, again = 0, day == 3
            while shown_card(page) is not None:
                if again:  # one card answered Again comes back today
                    answer(page, "1")
                    again = False
                    left += 1
                    if shown_card(page) is not None:
                        assert bar(page)[2] == 1, bar(page)
                else:
                    answer(page, "3")
                shown += 1
            assert shown == left, (day, shown, left)
            page.shot(f"review-week-day{day}")
            assert deck_list_total(page) == (0, 0, 0), day
    # Good on every card: the last new cards (day 4) come back on day 5, after which
    # nothing is due until their six-day interval ends.
    assert empty_days == 1
    assert page.errors == []
