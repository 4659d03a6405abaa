"""An Anki package uploaded in a real browser: imported in the background, then its report."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Card, Review
from tests.anki_builder import build_sample
from tests.browser.conftest import Page, path_for, require
from tests.conftest import make_user


def test_anki_package_upload_shows_progress_then_report(
    app: Flask, page: Page, db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require(app, "imports.index", "imports.status")
    monkeypatch.setenv("TZ", "UTC")
    app.config["ANKI_BACKGROUND_BYTES"] = 0
    sample = build_sample(tmp_path, legacy=False)
    user_id = make_user(app, "ada", is_owner=True)
    page.log_in()
    page.go(path_for(app, "imports.index"))
    page.set_input_files('main input[type="file"]', str(sample.path))
    page.click('main form button[type="submit"]')
    page.wait_for_selector(".import-report", timeout=60_000)
    page.shot("import-anki-report")
    text = page.inner_text(".import-report")
    assert "Vocab (custom)" in text
    db.expire_all()
    cards = db.scalar(select(func.count()).select_from(Card).where(Card.user_id == user_id))
    reviews = db.scalar(select(func.count()).select_from(Review)
                        .where(Review.user_id == user_id))
    assert (cards, reviews) == (9, sample.answers)
    assert page.errors == []
