"""The statistics page in Chromium, with data, in English and in Chinese (screenshots)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from app.db import utcnow
from tests.browser.conftest import Page, require
from tests.conftest import make_user
from tests.factories import make_card
from tests.test_stats_queries import answer, undo


@pytest.fixture
def collection(app: Flask) -> None:
    """Ada with two months of answers on a few cards, and cards due in the coming days."""
    require(app, "stats.index")
    user_id = make_user(app, "ada", is_owner=True, timezone="Asia/Shanghai", day_start_hour=4)
    now = utcnow()
    with app.app_context():
        db = app.extensions["wengu.sessionmaker"]()
        cards = [
            make_card(db, user_id, f"Question {i}?", deck="notes::os" if i % 2 else "notes",
                      due=now + timedelta(days=i % 9), interval_days=(i * 7) % 60, reps=i % 8,
                      lapses=i % 5, ef=130 + (i * 17) % 140)
            for i in range(24)
        ]
        for back in range(60):
            if back % 7 == 3:
                continue  # a day off now and then
            day = now - timedelta(days=back)
            for i in range(1 + back % 6):
                card = cards[(back + i) % len(cards)]
                kind = "repeat" if i == 4 else "review"
                row = answer(db, card, day - timedelta(minutes=10 * i), grade=(back + i) % 6,
                             kind=kind, reps=i % 3, interval=(back * 3 + i) % 45,
                             ms=4000 + 1000 * i)
                if back == 5 and i == 0:
                    undo(db, row, day)
        db.commit()
        db.close()


def check_page(page: Page) -> None:
    page.go("/stats")
    for key in ("calendar", "forecast", "reviews", "time", "retention", "buttons", "states",
                "intervals", "efactors", "hardest"):
        assert page.locator(f"#{key}").is_visible(), key
    assert page.locator("#calendar svg rect.hm").count() == 365
    assert page.locator("svg.stats-chart").count() >= 9
    # The text alternative opens.
    page.locator("#forecast summary").click()
    assert page.locator("#forecast table").is_visible()
    assert page.errors == []  # no CSP refusal, no script error


def test_statistics_page_in_english(page: Page, collection: None) -> None:
    page.log_in()
    check_page(page)
    assert page.locator("h1").inner_text() == "Statistics"
    page.shot("stats-en")


def test_statistics_page_in_chinese_dark(browser: Any, live: str, collection: None) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="zh-CN", color_scheme="dark",
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    try:
        page = Page(context.new_page(), live)
        page.log_in()
        check_page(page)
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        assert "月" in page.locator("#forecast table").inner_text()  # dates in Chinese
        page.shot("stats-zh-dark")
    finally:
        context.close()
