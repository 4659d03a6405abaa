"""The add page in a real browser: live preview, duplicate warning, Ctrl+Enter, CSP-clean."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app.models import Card
from tests.conftest import PASSWORD
from tests.factories import make_card, make_deck

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Chromium at /usr/bin"),
]


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The app served on a loopback port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(live: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        tab = browser.new_page()
        errors: list[str] = []
        # Script errors and CSP refusals (a missing favicon is not this page's business).
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.on("console", lambda msg: errors.append(msg.text)
               if msg.type == "error" and "Failed to load resource" not in msg.text else None)
        tab.errors = errors
        yield tab
        browser.close()


def test_add_page_previews_warns_and_saves_with_ctrl_enter(
    app: Flask, db: Session, live: str, page: Any, auth: Any
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True  # the real thing: the page must send its token
    user_id = auth.create("ada")
    deck = make_deck(db, user_id, "Kernel")
    make_card(db, user_id, "What is a page?", deck=deck)
    db.commit()
    page.goto(f"{live}/auth/login")
    page.fill('input[name="name"]', "ada")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.goto(f"{live}/cards/add")
    page.fill("#front", "**Bold** 云原生 $x^2$")
    page.wait_for_selector("#preview strong")
    assert page.inner_text("#preview strong") == "Bold"
    assert page.locator("#preview math").count() == 1
    assert page.is_hidden("#duplicate-warning")
    page.fill("#front", "what is a PAGE")
    page.wait_for_selector("#duplicate-warning:not([hidden])")
    assert "already in this deck" in page.inner_text("#duplicate-warning")
    page.fill("#front", "What is a frame?")
    page.fill("#back", "A physical page.")
    page.fill("#tags", "mm")
    page.wait_for_selector("#duplicate-warning[hidden]", state="attached")
    with page.expect_navigation():
        page.press("#back", "Control+Enter")
    page.wait_for_selector("text=Added 1 card")
    assert page.input_value("#tags") == "mm"  # "add another" keeps deck and tags
    # A duplicate seen in the live warning is saved on request, without a second round.
    page.fill("#front", "What is a frame")
    page.wait_for_selector("#duplicate-warning:not([hidden])")
    with page.expect_navigation():
        page.press("#front", "Control+Enter")
    page.wait_for_selector("text=Added 1 card")
    assert page.errors == []
    db.expire_all()
    fronts = db.scalars(select(Card.front).where(Card.user_id == user_id).order_by(Card.id))
    assert list(fronts) == ["What is a page?", "What is a frame?", "What is a frame"]
