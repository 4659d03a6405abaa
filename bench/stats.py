"""Statistics page speed: the whole page against one plain ``SELECT COUNT(*)``.

Builds a collection (default 100,000 cards and 1,000,000 reviews over two
years, bulk-inserted with Core ``executemany``), then renders ``/stats``
through the test client several times and prints the median and p99 page
times next to the median time of ``SELECT COUNT(*) FROM reviews`` measured
in the same run. Target: page median within 5x of the count.

    .venv/bin/python bench/stats.py [--cards N] [--reviews N] [--runs N]

SQLite by default (a file in a temporary folder); PostgreSQL when
``WENGU_BENCH_DATABASE_URL`` is set (its tables are dropped and recreated).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, insert, select, text
from werkzeug.security import generate_password_hash

from app import create_app
from app.db import make_engine
from app.models import Base, Card, Deck, NoteSource, Review, User

PASSWORD = "bench password"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CHUNK = 20_000


def _chunks(rows: list[dict[str, Any]]) -> Any:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def build(engine: Engine, n_cards: int, n_reviews: int, seed: int = 7) -> int:
    """Fill an empty database with one user's collection; returns the user's id."""
    rng = random.Random(seed)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        user_id = conn.execute(
            insert(User).returning(User.id),
            {"name": "ada", "password_hash": generate_password_hash(PASSWORD),
             "is_owner": True, "timezone": "America/New_York", "day_start_hour": 4,
             "created_at": NOW - 800 * DAY},
        ).scalar_one()
        deck_ids = []
        for top in range(4):
            parent = conn.execute(
                insert(Deck).returning(Deck.id),
                {"user_id": user_id, "name": f"notes{top}", "created_at": NOW},
            ).scalar_one()
            deck_ids.append(parent)
            for sub in range(4):
                deck_ids.append(conn.execute(
                    insert(Deck).returning(Deck.id),
                    {"user_id": user_id, "name": f"notes{top}::part{sub}",
                     "parent_id": parent, "created_at": NOW},
                ).scalar_one())
        source_ids = [
            conn.execute(
                insert(NoteSource).returning(NoteSource.id),
                {"user_id": user_id, "path": f"notes/topic-{i}.md", "content_hash": f"{i:064x}",
                 "imported_at": NOW},
            ).scalar_one()
            for i in range(200)
        ]
        cards = []
        for i in range(n_cards):
            new = rng.random() < 0.2
            interval = 0 if new else rng.choice([1, 1, 3, 6, 10, 15, 25, 40, 80, 150, 300])
            cards.append({
                "user_id": user_id, "deck_id": rng.choice(deck_ids),
                "source_id": rng.choice(source_ids), "key": f"k{i}", "note_key": f"k{i}",
                "ord": 0, "kind": "question", "front": f"Question {i}?", "back": f"Answer {i}",
                "context": "", "needs_answer": rng.random() < 0.01, "edited": False,
                "suspended": rng.random() < 0.02, "reps": 0 if new else rng.randint(1, 12),
                "ef": 250 if new else rng.randint(130, 300), "interval_days": interval,
                "due": None if new else NOW + timedelta(hours=rng.uniform(-48, interval * 24)),
                "lapses": 0 if new else rng.choice([0, 0, 0, 1, 2, 5, 9]),
                "repeat_pending": False, "created_at": NOW - 800 * DAY, "modified_at": NOW,
            })
        for chunk in _chunks(cards):
            conn.execute(insert(Card), chunk)
        card_ids = list(conn.execute(select(Card.id).where(Card.due.is_not(None))).scalars())
        rows: list[dict[str, Any]] = []
        start = NOW - 730 * DAY
        next_id = 1
        for _ in range(n_reviews):
            day = rng.randrange(730)
            at = start + day * DAY + timedelta(seconds=rng.randrange(86400))
            before = rng.choice([0, 1, 1, 3, 6, 10, 15, 25, 40, 80])
            reps = 0 if before == 0 else rng.randint(1, 10)
            grade = rng.choice([1, 2, 3, 3, 4, 4, 4, 5])
            kind = "repeat" if rng.random() < 0.05 else "review"
            rows.append({
                "id": next_id, "user_id": user_id, "card_id": rng.choice(card_ids), "kind": kind,
                "grade": grade, "reviewed_at": at, "duration_ms": rng.randint(1500, 30000),
                "showing_id": None, "undoes_id": None, "reps_before": reps, "ef_before": 250,
                "interval_before": before, "due_before": at, "lapses_before": 0,
                "repeat_pending_before": False, "reps_after": reps + 1, "ef_after": 250,
                "interval_after": max(1, before * 2), "due_after": at + before * DAY,
                "lapses_after": 0, "repeat_pending_after": False,
            })
            next_id += 1
            if rng.random() < 0.002:  # now and then the user undoes that answer
                undo = dict(rows[-1], id=next_id, kind="undo", grade=None, undoes_id=next_id - 1,
                            reviewed_at=at + timedelta(seconds=5))
                rows.append(undo)
                next_id += 1
        rows.sort(key=lambda row: row["reviewed_at"])
        for chunk in _chunks(rows):
            conn.execute(insert(Review), chunk)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT setval('reviews_id_seq', (SELECT max(id) FROM reviews))"))
        # What autovacuum does to a live database soon after a bulk load.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return int(user_id)


def timed(fn: Any, runs: int) -> list[float]:
    """Seconds taken by each of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def p99(values: list[float]) -> float:
    """The 99th percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(0.99 * len(ordered)))
    return ordered[rank - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--period", default="1m", choices=["1m", "3m", "1y", "all"])
    parser.add_argument("--sqlite-file", type=Path, default=None,
                        help="keep the SQLite collection in this file; reuse it if it exists")
    parser.add_argument("--no-build", action="store_true",
                        help="measure the collection a previous run left in the database")
    args = parser.parse_args()

    url = os.environ.get("WENGU_BENCH_DATABASE_URL")
    tmp = tempfile.TemporaryDirectory()
    reuse = False
    if not url:
        path = args.sqlite_file or Path(tmp.name) / "bench.sqlite3"
        reuse = path.exists()
        url = f"sqlite:///{path}"
    reuse = reuse or args.no_build
    engine = make_engine(url)
    print(f"backend: {engine.dialect.name}")
    if not reuse:
        t0 = time.perf_counter()
        build(engine, args.cards, args.reviews)
        print(f"build_s: {time.perf_counter() - t0:.1f}")
    # The bulk load bypassed the answer path: count the rollup as `wengu stats rebuild` does.
    from sqlalchemy.orm import Session

    from app.stats import rollup

    with Session(engine) as session:
        stale = rollup.stale_users(session)
        if stale:
            t0 = time.perf_counter()
            for user in stale:
                rollup.rebuild(session, user, NOW)
            session.commit()
            print(f"rollup_rebuild_s: {time.perf_counter() - t0:.1f}")
    engine.dispose()

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    app.instance_path = tmp.name
    client = app.test_client()
    client.post("/auth/login", data={"name": "ada", "password": PASSWORD})
    page = f"/stats?period={args.period}"

    def render() -> None:
        response = client.get(page)
        assert response.status_code == 200, response.status_code

    from app.stats import charts

    def render_uncached() -> None:
        charts._pygal.cache_clear()
        charts._heatmap_svg.cache_clear()
        render()

    with app.app_context():
        bench_engine = app.extensions["wengu.engine"]

        def count() -> None:
            with bench_engine.connect() as conn:
                conn.execute(select(func.count()).select_from(Review)).scalar_one()

        count()
        first = timed(render, 1)[0]
        count_times = timed(count, args.runs)
        page_times = timed(render, args.runs)
        uncached_times = timed(render_uncached, max(3, args.runs // 2))
        # A card changes between views (as after an answer): the card figures are
        # recomputed once, then cached again. Also: every view recomputing them.
        from app.stats.cached import card_cache, review_cache

        def cold_cards() -> None:
            card_cache.clear()
            render()

        cold_times = timed(cold_cards, max(3, args.runs // 2))

        # Every view recomputing the answer figures (as on the first view after an answer).
        def cold_reviews() -> None:
            review_cache.clear()
            render()

        cold_review_times = timed(cold_reviews, max(3, args.runs // 2))
        changed_times = []
        maker = app.extensions["wengu.sessionmaker"]
        for _ in range(max(3, args.runs // 2)):
            with maker() as session:
                card = session.scalars(select(Card).order_by(Card.id).limit(1)).one()
                card.suspended = not card.suspended
                session.commit()
            changed_times.extend(timed(render, 1))
        deck_id = None
        with bench_engine.connect() as conn:
            deck_id = conn.execute(select(Deck.id).order_by(Deck.id).limit(1)).scalar_one()
        page = f"/stats?period={args.period}&deck={deck_id}"
        deck_times = timed(render, max(3, args.runs // 4))
    count_ms = statistics.median(count_times) * 1000
    page_ms = statistics.median(page_times) * 1000
    print(f"cards: {args.cards}")
    print(f"reviews: {args.reviews}")
    print(f"count_median_ms: {count_ms:.1f}")
    print(f"count_p99_ms: {p99(count_times) * 1000:.1f}")
    print(f"first_page_ms: {first * 1000:.1f}")
    print(f"page_median_ms: {page_ms:.1f}")
    print(f"page_p99_ms: {p99(page_times) * 1000:.1f}")
    print(f"page_over_count: {page_ms / count_ms:.2f}x (target <= 5x)")
    uncached_ms = statistics.median(uncached_times) * 1000
    print(f"page_charts_uncached_median_ms: {uncached_ms:.1f} "
          f"({uncached_ms / count_ms:.2f}x count)")
    print(f"page_charts_uncached_p99_ms: {p99(uncached_times) * 1000:.1f}")
    cold_ms = statistics.median(cold_times) * 1000
    print(f"page_cards_uncached_median_ms: {cold_ms:.1f} ({cold_ms / count_ms:.2f}x count;"
          " every view recomputing the card figures)")
    cold_review_ms = statistics.median(cold_review_times) * 1000
    print(f"page_reviews_uncached_median_ms: {cold_review_ms:.1f} "
          f"({cold_review_ms / count_ms:.2f}x count; every view recomputing the answer figures,"
          " as on the first view after an answer)")
    print(f"page_reviews_uncached_p99_ms: {p99(cold_review_times) * 1000:.1f}")
    changed_ms = statistics.median(changed_times) * 1000
    print(f"page_after_card_change_median_ms: {changed_ms:.1f} "
          f"({changed_ms / count_ms:.2f}x count; first view after a card changed)")
    print(f"page_after_card_change_p99_ms: {p99(changed_times) * 1000:.1f}")
    deck_ms = statistics.median(deck_times) * 1000
    print(f"page_one_deck_median_ms: {deck_ms:.1f} (a deck with sub-decks: answers counted"
          " from the history; cached after its first view)")
    tmp.cleanup()


if __name__ == "__main__":
    main()
