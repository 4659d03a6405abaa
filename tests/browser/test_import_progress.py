"""A large upload in a real browser: the progress page polls, then shows the report."""

from __future__ import annotations

import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import app.notes.views as imports_module
from app.models import Card
from tests.browser.conftest import Page, path_for, require
from tests.conftest import make_user


def test_background_import_shows_progress_then_report(
    app: Flask, page: Page, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    require(app, "imports.index", "imports.status")
    app.config["IMPORT_BACKGROUND_FILES"] = 3
    real = imports_module.import_notes

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)  # long enough for the progress page to be seen polling
        return real(*args, **kwargs)

    monkeypatch.setattr(imports_module, "import_notes", slow)
    user_id = make_user(app, "ada", is_owner=True)
    page.log_in()
    page.go(path_for(app, "imports.index"))
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "notes.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for i in range(40):
                zf.writestr(f"notes/week{i % 4}/n{i}.md",
                            f"# Note {i}\n\nQ: What is fact number {i}?\nA: It is {i}.\n")
        page.set_input_files('main input[type="file"]', str(archive))
        page.click('main form button[type="submit"]')
        # The job page: a progress bar first, then (polled by imports.js) the report.
        page.wait_for_selector(".import-progress progress")
        page.shot("import-background-progress")
        page.wait_for_selector(".import-report", timeout=60_000)
    page.shot("import-background-report")
    db.expire_all()
    count = db.scalar(select(func.count()).select_from(Card).where(Card.user_id == user_id))
    assert count == 40
    assert page.inner_text(".outcome-new .num").strip() == "40"
    # The retired list is reachable from the report, empty for now.
    page.click("text=Retired cards")
    page.wait_for_selector("h1")
    assert "No retired cards." in page.inner_text("main")
    assert page.errors == []
