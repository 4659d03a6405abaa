"""Inbox triage by keyboard in a real browser: answer, dismiss, skip, select, open the note."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Card, NoteSource, Tombstone
from tests.browser.conftest import Page, path_for, require
from tests.conftest import make_user
from tests.factories import make_card


def test_triage_the_inbox_with_the_keyboard(app: Flask, page: Page, db: Session) -> None:
    require(app, "inbox.index", "inbox.dismiss", "inbox.dismiss_many")
    user_id = make_user(app, "ada", is_owner=True)
    note = NoteSource(user_id=user_id, path="os/memory.md", content_hash="h",
                      content="# Memory\n\nWhy does paging need a TLB?\n\n为什么要分页？\n")
    db.add(note)
    db.flush()
    fronts = ["Why does paging need a TLB?", "为什么要分页？", "忽然发现:", "猜测:", "Keep me?"]
    cards = [make_card(db, user_id, front, "", kind="question", needs_answer=True,
                       key=f"q{n}", source_id=note.id, line=n + 1, end_line=n + 1)
             for n, front in enumerate(fronts)]
    db.commit()
    page.log_in()
    page.go(path_for(app, "inbox.index"))
    current = "article.question.current"
    assert page.locator(current).get_attribute("id") == f"q-{cards[0].id}"

    # a: answer the first; Ctrl+Enter saves; the next question is picked.
    page.keyboard.press("a")
    page.keyboard.type("Translations are cached so a walk is rare.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#q-{cards[0].id}", state="detached")
    assert page.locator(current).get_attribute("id") == f"q-{cards[1].id}"
    assert "4 questions need an answer." in page.locator("#inbox-total").inner_text()

    # s skips, d dismisses "忽然发现:" as not a card.
    page.keyboard.press("s")
    assert page.locator(current).get_attribute("id") == f"q-{cards[2].id}"
    page.keyboard.press("d")
    page.wait_for_selector(f"#q-{cards[2].id}", state="detached")
    page.shot("inbox-triage")

    # x selects "猜测:" and the bulk button dismisses it; the page comes back in place.
    assert page.locator(current).get_attribute("id") == f"q-{cards[3].id}"
    page.keyboard.press("x")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector(f"#q-{cards[3].id}", state="detached")
    assert "Dismissed 1 question: not a card." in page.content()

    # k goes back up; o opens the question's line in its note.
    page.keyboard.press("j")
    page.keyboard.press("k")
    picked = page.locator(current).get_attribute("id")
    assert picked == f"q-{cards[1].id}"
    page.keyboard.press("o")
    page.wait_for_url(f"**/review/{cards[1].id}/source**")
    assert "os/memory.md" in page.content()

    db.expire_all()
    answered = db.get(Card, cards[0].id)
    assert answered is not None and not answered.needs_answer
    assert answered.back == "Translations are cached so a walk is rare."
    thrown = set(db.scalars(select(Tombstone.key).where(Tombstone.reason == "not-a-card")))
    assert thrown == {"q2", "q3"}
    waiting = set(db.scalars(select(Card.front).where(Card.needs_answer.is_(True),
                                                      Card.deleted_at.is_(None))))
    assert waiting == {"为什么要分页？", "Keep me?"}
    assert page.errors == []
