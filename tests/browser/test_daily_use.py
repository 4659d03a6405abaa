"""Daily use in Chromium: keys on the answer side, the first run's time zone, the deck
tree, and the phone layout of review, statistics and browse (screenshots)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Review, User
from tests.browser.conftest import ARTIFACTS, TIMEOUT_MS, Page
from tests.browser.test_stats_page import collection  # noqa: F401  (a fixture)
from tests.conftest import PASSWORD, make_user
from tests.factories import make_card

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any, live: str) -> Iterator[Page]:
    """A tab the size of a 390 px phone, touch and all."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield Page(context.new_page(), live)
    finally:
        context.close()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def test_space_and_enter_answer_good_on_the_back(app: Flask, page: Page, db: Session) -> None:
    user_id = make_user(app, "ada", is_owner=True)
    for n in range(3):
        make_card(db, user_id, f"Question {n}?", f"Answer {n}")
    db.commit()
    page.log_in()
    page.go("/review")
    page.keyboard.press("Space")  # the front: show the answer
    page.wait_for_selector(".review-back", state="visible")
    page.keyboard.press("Space")  # the back: Good
    page.wait_for_selector(".review-back", state="hidden")
    page.keyboard.press("Enter")
    page.wait_for_selector(".review-back", state="visible")
    page.keyboard.press("Enter")
    page.wait_for_selector(".review-back", state="hidden")
    db.expire_all()
    grades = db.scalars(select(Review.grade).order_by(Review.id)).all()
    assert grades == [4, 4]  # Good is SM-2's grade 4
    assert page.errors == []


def test_owner_setup_takes_the_browsers_time_zone(browser: Any, live: str, db: Session) -> None:
    context = browser.new_context(timezone_id="Asia/Shanghai", locale="zh-CN")
    try:
        page = Page(context.new_page(), live)
        page.go("/auth/setup")
        assert page.input_value('select[name="timezone"]') == "Asia/Shanghai"
        page.fill('input[name="name"]', "ada")
        page.fill('input[name="password"]', PASSWORD)
        page.fill('input[name="confirm"]', PASSWORD)
        page.shot("first-run-time-zone")
        page.click('main form button[type="submit"]')
        page.wait_for_selector("form.logout")
        assert db.scalar(select(User.timezone).where(User.name == "ada")) == "Asia/Shanghai"
        assert page.errors == []
    finally:
        context.close()


def test_deck_tree_folds_and_remembers(app: Flask, page: Page, db: Session) -> None:
    user_id = make_user(app, "ada", is_owner=True)
    for deck in ("notes::kernel::0", "notes::kernel::1", "notes::net", "papers"):
        make_card(db, user_id, f"Q {deck}?", "A", deck=deck)
    db.commit()
    page.log_in()
    page.go("/")
    assert page.locator("text=kernel › 0").is_visible()
    page.click('tr:has(a[title="notes::kernel"]) .fold-toggle')
    assert not page.locator("text=kernel › 0").is_visible()
    page.wait_for_load_state("networkidle")
    page.reload()
    assert not page.locator("text=kernel › 0").is_visible()  # remembered
    assert page.locator('a[title="notes::net"]').is_visible()
    page.shot("deck-tree-folded")
    assert page.errors == []


def test_phone_review(app: Flask, phone: Page, db: Session) -> None:
    user_id = make_user(app, "ada", is_owner=True)
    now = utcnow()
    make_card(db, user_id, "What does `fork()` return in the child?",
              "```c\npid_t pid = fork();\nif (pid == 0) { /* child */ }\n```",
              deck="notes::kernel::0", due=now - timedelta(days=1), reps=2,
              interval_days=6)
    make_card(db, user_id, "Second", "B", deck="notes::kernel::0")
    db.commit()
    phone.log_in()
    phone.go("/review")
    phone.keyboard.press("Space")
    phone.wait_for_selector(".review-back", state="visible")
    phone.shot("phone-review")
    nav_height = phone.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
    assert nav_height < 110, f"the top bar is {nav_height} px high"
    no_sideways_scroll(phone)
    assert phone.errors == []


@pytest.mark.usefixtures("collection")
def test_phone_statistics(phone: Page) -> None:
    phone.log_in()
    phone.go("/stats")
    phone.shot("phone-statistics")
    for key in ("forecast", "buttons", "hardest"):
        phone.locator(f"#{key}").screenshot(path=str(ARTIFACTS / f"phone-statistics-{key}.png"))
    no_sideways_scroll(phone)
    # Chart text at least 9 CSS px as drawn on the phone.
    smallest = phone.evaluate("""() => Math.min(...Array.from(
        document.querySelectorAll('#forecast svg text, #buttons svg text'))
        .filter((t) => t.getBoundingClientRect().height > 0 && t.textContent.trim())
        .map((t) => t.getBoundingClientRect().height))""")
    assert smallest >= 9, f"chart text {smallest} px high"
    assert phone.errors == []


def test_phone_browse(app: Flask, phone: Page, db: Session) -> None:
    user_id = make_user(app, "ada", is_owner=True)
    for n in range(8):
        make_card(db, user_id, f"What is the difference between a process and thread #{n}?",
                  "A process has its own address space.", deck="notes::os")
    db.commit()
    phone.log_in()
    phone.go("/browse")
    phone.shot("phone-browse")
    front = phone.evaluate("""() => {
        const cell = document.querySelector('table tbody tr td.front, table tbody tr td a');
        return cell ? cell.getBoundingClientRect().width : 0; }""")
    assert front >= 120, f"the Front column is {front} px wide"
    assert phone.errors == []


def test_add_page_labels_follow_the_kind(app: Flask, page: Page) -> None:
    make_user(app, "ada", is_owner=True)
    page.log_in()
    page.go("/cards/add")
    labels = page.locator(".kind-label")
    assert labels.all_inner_texts() == ["Front", "Back"]
    page.check('input[name="kind"][value="cloze"]')
    assert labels.all_inner_texts() == ["Text", "Extra (shown with the answer)"]
    page.check('input[name="kind"][value="reversed"]')
    assert labels.nth(0).inner_text().startswith("Side 1")
    page.shot("add-labels-reversed")
    assert page.errors == []


def test_card_page_actions_stay_on_one_line_at_1280(app: Flask, page: Page, db: Session) -> None:
    user_id = make_user(app, "ada", is_owner=True)
    card = make_card(db, user_id, "Q?", "A", deck="notes::operating systems::kernel::memory")
    make_card(db, user_id, "Other", "B", deck="papers::distributed systems::consensus::raft")
    db.commit()
    page.log_in()
    page.go(f"/cards/{card.id}")
    tops = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.card-actions > a, .card-actions > form')).map((el) => el.getBoundingClientRect().top)""")
    page.shot("card-page-1280")
    assert max(tops) - min(tops) < 4, tops


def test_empty_deck_list_offers_import_and_add(app: Flask, page: Page) -> None:
    make_user(app, "ada", is_owner=True)
    page.log_in()
    page.go("/")
    assert page.locator('main a[href="/import/"]').is_visible()
    page.click("main .start-actions a[href=\"/cards/add\"]")
    page.wait_for_url("**/cards/add")
    assert page.errors == []
