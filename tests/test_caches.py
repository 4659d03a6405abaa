"""Every cache kept between requests is listed in app.caches; deck trees never change."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from app import caches
from app.models import User
from app.review.queue import load_decks, next_card
from app.stats.days import DayClock
from tests.factories import make_card, make_deck

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
    assert {"queue snapshots", "deck trees", "statistics card figures",
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


def test_a_shared_deck_tree_is_never_changed_by_a_request(db: Session, app: Flask) -> None:
    user = User(name="ada", password_hash="x", timezone="UTC", day_start_hour=0)
    db.add(user)
    db.flush()
    make_deck(db, user.id, "os")
    make_deck(db, user.id, "os::kernel", new_per_day=1)
    for i in range(3):
        make_card(db, user.id, f"Q{i}?", deck="os::kernel")
    tree = load_decks(db, user)
    before = copy.deepcopy(vars(tree))
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    for deck in (None, *tree.nodes):
        next_card(db, user, now, deck)
    assert load_decks(db, user) is tree  # shared between requests
    assert vars(tree) == before
