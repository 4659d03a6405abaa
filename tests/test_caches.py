"""Every cache kept between requests is listed in app.caches."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from app import caches
from app.models import User
from app.review.store import load_decks
from app.stats.days import DayClock
from tests.factories import make_deck

# An LRU, or an app extension named like a cache (snapshots, cookies, URLs).
KEEPS_DATA = re.compile(
    r"lru_cache|EngineLRU\(|extensions\W+\w*\W*\"wengu\.\w*(cache|cookies|urls)\"")


def test_every_module_keeping_a_cache_registers_it(app: Flask) -> None:
    root = Path(__file__).resolve().parents[1] / "app"
    unlisted = [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*.py"))
        if KEEPS_DATA.search(text := path.read_text(encoding="utf-8"))
        and "caches.register(" not in text
    ]
    assert unlisted == []


def test_the_list_says_what_invalidates_each(app: Flask) -> None:
    listed = caches.registered()
    names = {cache.name for cache in listed}
    assert {"queue snapshots", "statistics card figures",
            "statistics answer figures", "statistics rollup", "verified session cookies",
            "review tool URLs"} <= names
    for cache in listed:
        assert cache.where and cache.holds and cache.invalidated_by, cache


def test_clear_all_empties_what_can_be_emptied(app: Flask) -> None:
    DayClock("Europe/Berlin", 4).segments(datetime(2026, 1, 1, tzinfo=UTC),
                                          datetime(2026, 6, 1, tzinfo=UTC))
    from app.stats.days import _segments

    assert _segments.cache_info().currsize > 0
    caches.clear_all()
    assert _segments.cache_info().currsize == 0


def test_deck_trees_are_not_shared_between_requests(db: Session, app: Flask) -> None:
    # A tree is cheap to build and a request may keep derived values on it: one per load.
    user = User(name="ada", password_hash="x", timezone="UTC", day_start_hour=0)
    db.add(user)
    db.flush()
    make_deck(db, user.id, "os::kernel")
    assert load_decks(db, user) is not load_decks(db, user)


def test_the_command_line_prints_every_registered_cache(cli: Any) -> None:
    result = cli("caches")
    assert result.exit_code == 0
    for cache in caches.registered():
        assert cache.name in result.output
        assert cache.invalidated_by in result.output
    assert "deck schedulers" in result.output  # registered by a module the app imports
