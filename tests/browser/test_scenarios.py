"""What people do with wengu, done in a real browser, each with a screenshot.

A scenario whose page has not landed in this build is skipped with the
missing endpoint named.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Card, Review, User
from tests.browser.conftest import Page, path_for, require
from tests.conftest import PASSWORD, make_user
from tests.factories import make_card, make_deck

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "notes"


def owner(app: Flask, name: str = "ada", **fields: Any) -> int:
    return make_user(app, name, is_owner=True, **fields)


def test_create_the_owner(app: Flask, page: Page, db: Session) -> None:
    page.go("/")
    assert page.path() == "/auth/setup"
    assert "no users yet" in page.inner_text("main")
    page.fill('input[name="name"]', "ada")
    page.fill('input[name="password"]', PASSWORD)
    page.fill('input[name="confirm"]', PASSWORD)
    page.click('main form button[type="submit"]')
    page.wait_for_selector("text=Welcome to wengu, ada")
    assert page.path() == "/"
    page.shot("01-owner-created")
    user = db.scalar(select(User).where(User.name == "ada"))
    assert user is not None and user.is_owner
    # The setup page is closed now.
    page.go("/auth/setup")
    assert page.path() == "/auth/login" or page.path() == "/"
    assert page.errors == []


def test_settings_change_the_language(app: Flask, page: Page, db: Session) -> None:
    require(app, "account.settings")
    owner(app)
    page.log_in()
    page.go(path_for(app, "account.settings"))
    page.select_option('select[name="timezone"]', "Asia/Shanghai")
    page.select_option('select[name="language"]', "zh")
    page.check('input[name="grade_buttons"][value="6"]')
    page.click("text=Save settings")
    page.wait_for_selector('html[lang="zh-Hans"]')
    page.shot("02-settings-in-chinese")
    db.expire_all()
    user = db.scalar(select(User).where(User.name == "ada"))
    assert user is not None
    assert (user.timezone, user.language, user.grade_buttons) == ("Asia/Shanghai", "zh", 6)
    assert page.errors == []


def test_import_the_example_notes_by_upload(app: Flask, page: Page, db: Session) -> None:
    require(app, "imports.index")
    notes = sorted(p for p in EXAMPLES.rglob("*.md")) if EXAMPLES.is_dir() else []
    if not notes:
        pytest.skip(f"no example notes in {EXAMPLES}")
    user_id = owner(app)
    page.log_in()
    page.go(path_for(app, "imports.index"))
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "notes.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for note in notes:
                zf.write(note, Path("notes") / note.relative_to(EXAMPLES))
        page.set_input_files('main input[type="file"]', str(archive))
        page.click('main form button[type="submit"]')
        # Small uploads are imported at once; large ones show a progress bar first.
        page.wait_for_selector(".import-report", timeout=60_000)
    page.shot("03-import-report")
    db.expire_all()
    count = db.scalar(select(func.count()).select_from(Card).where(Card.user_id == user_id))
    assert count and count > 0
    assert page.inner_text(".outcome-new .num").strip() == str(count)
    assert page.errors == []


def test_review_five_cards_with_the_keyboard(app: Flask, page: Page, db: Session) -> None:
    require(app, "review.start", "review.answer", "review.undo")
    user_id = owner(app)
    deck = make_deck(db, user_id, "Keyboard")
    made = [make_card(db, user_id, f"Question {n}: what is {n} + {n}?", f"{2 * n}", deck=deck)
            for n in range(1, 6)]
    db.commit()
    page.log_in()
    page.go(path_for(app, "review.start"))
    seen: list[int] = []

    def current() -> int:
        return int(page.get_attribute(".review-card", "data-card"))

    def answer_good() -> None:
        shown = current()
        page.keyboard.press("Space")
        page.wait_for_selector(".review-answer[open] .review-grades")
        page.keyboard.press("3")
        page.wait_for_function(
            "id => { const c = document.querySelector('.review-card');"
            " return !c || c.dataset.card !== String(id); }", arg=shown,
        )

    for step in range(5):
        page.wait_for_selector(".review-card")
        seen.append(current())
        if step == 1:
            page.shot("04-review-question")
        answer_good()
        if step == 2:
            # Undo the third answer: the same card comes back, then answer it again.
            page.keyboard.press("z")
            page.wait_for_function(
                "id => document.querySelector('.review-card')?.dataset.card === String(id)",
                arg=seen[-1],
            )
            answer_good()
    page.wait_for_selector(".review-card", state="detached")
    page.shot("05-review-done")
    assert sorted(seen) == sorted(card.id for card in made)
    db.expire_all()
    kinds = list(db.scalars(select(Review.kind).where(Review.user_id == user_id)))
    assert kinds.count("undo") == 1
    assert kinds.count("review") == 6
    reps = {c.id: c.reps for c in db.scalars(select(Card).where(Card.user_id == user_id))}
    assert set(reps.values()) == {1}, reps
    assert page.errors == []


def test_the_card_filled_in_after_an_answer_is_the_one_acted_on(
    app: Flask, page: Page, db: Session
) -> None:
    """After an answer the page fills the next card into the card already shown; its
    interval labels, links and forms must all be the new card's."""
    require(app, "review.start", "review.answer", "review.suspend")
    user_id = owner(app)
    first = make_card(db, user_id, "First **question**?", "one", context="Chapter 1")
    second = make_card(db, user_id, "Second `question`?", "two",
                       due=None, reps=0)
    third = make_card(db, user_id, "Third question?", "three")
    db.commit()
    page.log_in()
    page.go(path_for(app, "review.start"))
    page.wait_for_selector(".review-card")
    shown = int(page.get_attribute(".review-card", "data-card"))
    assert shown == first.id
    assert page.inner_text(".review-context") == "Chapter 1"
    page.keyboard.press("Space")
    page.wait_for_selector(".review-answer[open] .review-grades")
    page.keyboard.press("1")  # Again: the first card comes back later today
    page.wait_for_function(
        "id => document.querySelector('.review-card')?.dataset.card !== String(id)", arg=shown)
    now_shown = int(page.get_attribute(".review-card", "data-card"))
    assert now_shown in (second.id, third.id)
    # The filled-in card: closed answer, its own text, no stale context, counts moved on.
    assert page.get_attribute(".review-answer", "open") is None
    assert page.is_hidden(".review-context")
    assert "question" in page.inner_text(".review-front")
    assert "1 again today" in page.inner_text(".review-counts")
    page.keyboard.press("s")  # suspends the card now shown, not the one answered
    page.wait_for_function(
        "id => document.querySelector('.review-card')?.dataset.card !== String(id)",
        arg=now_shown)
    db.expire_all()
    suspended = set(db.scalars(select(Card.id).where(Card.user_id == user_id,
                                                     Card.suspended.is_(True))))
    assert suspended == {now_shown}
    assert page.errors == []


def test_answer_a_question_from_the_inbox(app: Flask, page: Page, db: Session) -> None:
    require(app, "inbox.index", "inbox.answer")
    user_id = owner(app)
    card = make_card(db, user_id, "Why does the page cache use LRU?", "", kind="question",
                     needs_answer=True)
    db.commit()
    page.log_in()
    page.go(path_for(app, "inbox.index"))
    question = page.locator(f"#q-{card.id}")
    question.locator('textarea[name="back"]').fill("Recently used pages are likely used again.")
    page.shot("06-inbox-question")
    question.locator('button.primary').click()
    page.wait_for_selector(f"#q-{card.id}", state="detached")
    db.expire_all()
    answered = db.get(Card, card.id)
    assert answered is not None
    assert not answered.needs_answer
    assert answered.back == "Recently used pages are likely used again."
    assert page.errors == []


def test_add_a_chinese_card_by_hand_and_find_it(app: Flask, page: Page, db: Session) -> None:
    require(app, "cards.add", "browse.index")
    user_id = owner(app)
    make_deck(db, user_id, "中文::云")
    db.commit()
    page.log_in()
    page.go(path_for(app, "cards.add"))
    page.select_option("#deck_id", label="中文::云")
    page.fill("#front", "什么是**云原生**？")
    page.fill("#back", "为云而生的应用架构：容器、微服务、声明式 API。")
    page.fill("#tags", "云 架构")
    page.wait_for_selector("#preview strong")
    page.shot("07-add-chinese-card")
    page.click('#card-form button.primary[type="submit"]')
    page.wait_for_selector("text=Added 1 card")
    db.expire_all()
    card = db.scalar(select(Card).where(Card.user_id == user_id, Card.front.contains("云原生")))
    assert card is not None
    page.go(path_for(app, "browse.index"))
    page.fill('input[name="q"]', "云原生")
    page.press('input[name="q"]', "Enter")
    page.wait_for_selector(f'input[name="ids"][value="{card.id}"]')
    assert "什么是" in page.inner_text("main")
    page.shot("08-search-chinese")
    page.fill('input[name="q"]', "不存在的词")
    page.press('input[name="q"]', "Enter")
    page.wait_for_selector(f'input[name="ids"][value="{card.id}"]', state="detached")
    assert page.errors == []


def test_download_an_anki_export_and_open_it_in_anki(
    app: Flask, page: Page, db: Session, tmp_path: Path
) -> None:
    require(app, "export.index", "export.download")
    collection = pytest.importorskip("anki.collection")
    user_id = owner(app)
    deck = make_deck(db, user_id, "Kernel::内存")
    for n in range(3):
        make_card(db, user_id, f"页表 {n} 是什么？", f"Page table number {n}", deck=deck)
    db.commit()
    page.log_in()
    page.go(path_for(app, "export.index"))
    page.shot("09-export-page")
    with page.expect_download() as download_info:
        page.click("form.export-form button[type=submit]")
    download = download_info.value
    assert download.suggested_filename.endswith(".apkg")
    package = tmp_path / download.suggested_filename
    download.save_as(str(package))

    (tmp_path / "anki").mkdir()
    col = collection.Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        request = collection.ImportAnkiPackageRequest(
            package_path=str(package),
            options=collection.ImportAnkiPackageOptions(with_scheduling=True),
        )
        col.import_anki_package(request)
        note_ids = col.find_notes("")
        fronts = sorted(col.get_note(nid).fields[0] for nid in note_ids)
        decks = {d.name for d in col.decks.all_names_and_ids()}
    finally:
        col.close()
    assert len(note_ids) == 3
    assert all("页表" in front for front in fronts)
    assert "Kernel::内存" in decks
    assert page.errors == []


def test_another_user_cannot_open_my_card(app: Flask, page: Page, db: Session) -> None:
    require(app, "cards.show")
    ada = owner(app)
    make_user(app, "bo")
    card = make_card(db, ada, "Ada's private question", "Ada's private answer")
    db.commit()
    page.log_in("ada")
    assert page.go(path_for(app, "cards.show", card_id=card.id)).status == 200
    assert "private question" in page.inner_text("main")
    page.context.clear_cookies()
    page.log_in("bo")
    response = page.go(path_for(app, "cards.show", card_id=card.id))
    assert response.status == 404
    assert "private" not in page.content()
    page.shot("10-other-users-card-404")
    if "cards.edit" in app.view_functions:
        assert page.go(path_for(app, "cards.edit", card_id=card.id)).status == 404


def test_review_page_fits_a_phone(app: Flask, browser: Any, live: str, db: Session) -> None:
    require(app, "review.start")
    user_id = owner(app)
    deck = make_deck(db, user_id, "很长的牌组名称::子牌组::Another rather long deck name")
    make_card(
        db, user_id,
        "云原生（Cloud Native）是一种构建和运行应用程序的方法，它充分利用了云计算交付模型的优势。"
        "What does `kubectl rollout undo deployment/very-long-deployment-name` do?",
        "```python\ndef a_function_with_a_long_name(argument_one, argument_two, argument_three):"
        "\n    return argument_one + argument_two + argument_three\n```\n\n"
        "$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$\n\nhttps://example.com/a/really/long/url/"
        "that/keeps/going/and/going/without/any/spaces/at/all",
        deck=deck, context="笔记 > 容器 > Kubernetes",
    )
    db.commit()
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="zh-CN",
    )
    try:
        phone = Page(context.new_page(), live)
        phone.log_in()
        phone.go(path_for(app, "review.start"))
        phone.wait_for_selector(".review-card")
        phone.click(".show-answer")
        phone.wait_for_selector(".review-answer[open] .review-grades")
        phone.shot("11-review-phone")
        widths = phone.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
            " document.body.scrollWidth]"
        )
        assert widths[0] <= widths[1] and widths[2] <= widths[1], widths
        # The grade buttons are big enough to hit with a thumb.
        boxes = [phone.locator(".review-grades button").nth(i).bounding_box()
                 for i in range(phone.locator(".review-grades button").count())]
        assert boxes and all(box["height"] >= 40 for box in boxes), boxes
        assert phone.errors == []
    finally:
        context.close()


def test_hostile_card_text_stays_text_in_the_browser(
    app: Flask, page: Page, db: Session
) -> None:
    """The XSS payloads of the security tests, looked at by a real browser: nothing runs,
    nothing is blocked by the CSP (which would mean markup got through), no handler exists."""
    require(app, "cards.show", "browse.index")
    from tests.test_security import XSS_PAYLOADS

    user_id = owner(app)
    cards = []
    for number, payload in enumerate(XSS_PAYLOADS):
        deck = make_deck(db, user_id, f"{payload} {number}")
        cards.append(make_card(db, user_id, payload, payload, deck=deck, context=payload,
                               needs_answer=number % 7 == 0,
                               kind="cloze" if "{{c1::" in payload else "basic"))
    db.commit()
    page.log_in()
    paths = [path_for(app, "browse.index"), path_for(app, "home.index")]
    paths += [path_for(app, endpoint) for endpoint in ("inbox.index", "review.start")
              if endpoint in app.view_functions]
    paths += [path_for(app, "cards.show", card_id=card.id) for card in cards[::3]]
    hostile = ("[onerror],[onload],[onclick],[onmouseover],[onfocus],[ontoggle],[onstart],"
               "iframe,object,embed,base,x-wengu-xss,wengu-xss,a[href^='javascript' i]")
    for path in paths:
        page.go(path)
        if path == path_for(app, "review.start") and page.locator(".show-answer").count():
            page.click(".show-answer")
        assert page.locator(hostile).count() == 0, path
    page.go(path_for(app, "cards.show", card_id=cards[1].id))
    page.shot("12-hostile-card-shown-as-text")
    assert page.errors == []
