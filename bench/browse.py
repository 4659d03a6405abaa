"""Card browser latency over a large collection.

Builds a SQLite collection of ``--cards`` cards (bilingual fronts and backs,
nested decks, tags, note sources, about two reviews per card), then times
the browser's queries (:func:`app.cards.search.page`): search in English and
Chinese, filters, sorts, and a deep page reached by keyset. Each figure is
printed next to a plain ``SELECT`` of the same rows in the same run: the
same ``WHERE``/``ORDER BY``/``LIMIT`` on the cards table alone, through the
raw DB-API cursor (no joins, no review counts, no ORM objects). A deep page
by ``OFFSET`` is printed next to the keyset one.

    .venv/bin/python bench/browse.py --cards 100000 --runs 30
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.cards.search import BrowseQuery, page
from app.db import make_engine
from app.models import Base, Card, Deck, NoteSource, Review, Tag, User, card_tags
from cards.draft import normalize

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EN = ("page table", "TLB miss", "scheduler", "cache line", "mutex", "B-tree", "hash join",
      "garbage collector", "closure", "monad", "TCP handshake", "consensus")
ZH = ("云原生", "页表", "调度器", "缓存行", "互斥锁", "哈希连接", "垃圾回收", "闭包",
      "三次握手", "共识算法", "温故而知新", "容器编排")


def build(url: str, n_cards: int, seed: int) -> int:
    """Create the collection; returns the user's id."""
    rng = random.Random(seed)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        user = User(name="bench", password_hash="x")
        session.add(user)
        session.flush()
        decks = []
        for top in ("os", "lang", "db", "net"):
            parent = Deck(user_id=user.id, name=top)
            session.add(parent)
            session.flush()
            decks.append(parent)
            for sub in range(5):
                child = Deck(user_id=user.id, name=f"{top}::{sub}", parent_id=parent.id)
                session.add(child)
                session.flush()
                decks.append(child)
        tags = [Tag(user_id=user.id, name=f"tag{t}") for t in range(30)]
        sources = [NoteSource(user_id=user.id, path=f"notes/{t % 40}/note-{t}.md",
                              content_hash=str(t)) for t in range(2000)]
        session.add_all(tags + sources)
        session.commit()
        user_id = user.id
        deck_ids = [d.id for d in decks]
        tag_ids = [t.id for t in tags]
        source_ids = [s.id for s in sources]
    rows: list[dict[str, Any]] = []
    for i in range(n_cards):
        en, zh = rng.choice(EN), rng.choice(ZH)
        front = f"What is {en} #{i}? {zh}是什么?" if i % 3 else f"{zh}: {en} ({i})"
        # One in fifty spells 生 with the Kangxi radical, as pasted text sometimes does.
        if i % 50 == 0:
            front = front.replace("生", "\u2f63")
        back = f"{en} explained in {rng.randint(2, 40)} words; 参见 {rng.choice(ZH)}."
        reps = rng.choice((0, 0, 1, 2, 3, 5))
        due = None if reps == 0 and rng.random() < 0.5 else NOW + timedelta(
            days=rng.randint(-30, 60), minutes=rng.randint(0, 1440))
        rows.append({
            "user_id": user_id, "deck_id": rng.choice(deck_ids),
            "source_id": rng.choice(source_ids) if i % 4 else None,
            "key": f"k{i}", "note_key": f"k{i}", "ord": 0,
            "kind": rng.choice(("question", "definition", "basic", "cloze")),
            "front": front, "back": back, "line": rng.randint(1, 300),
            "needs_answer": i % 97 == 0, "suspended": i % 53 == 0, "edited": i % 71 == 0,
            "reps": reps, "ef": rng.randint(130, 300), "interval_days": rng.randint(0, 200),
            "due": due, "lapses": rng.randint(0, 4), "repeat_pending": i % 89 == 0,
            "created_at": NOW, "modified_at": NOW,
            "search_text": normalize(f"{front}\n{back}"),
        })
    with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(Card), rows[start:start + 10_000])
        card_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM cards").all()]
        links = {(cid, rng.choice(tag_ids)) for cid in card_ids for _ in range(rng.randint(0, 2))}
        conn.execute(insert(card_tags), [{"card_id": c, "tag_id": t} for c, t in links])
        reviews = []
        for cid in card_ids:
            for k in range(rng.choice((0, 1, 2, 3, 4))):
                reviews.append({
                    "user_id": user_id, "card_id": cid, "kind": "review", "grade": 4,
                    "reviewed_at": NOW - timedelta(days=k + 1), "reps_before": k,
                    "ef_before": 250, "interval_before": k, "due_before": None,
                    "lapses_before": 0, "reps_after": k + 1, "ef_after": 250,
                    "interval_after": k + 1, "due_after": NOW, "lapses_after": 0,
                })
        for start in range(0, len(reviews), 20_000):
            conn.execute(insert(Review), reviews[start:start + 20_000])
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return user_id


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median and p99 in milliseconds, and the last result."""
    fn()  # warm the cache
    samples = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99, result


def main() -> None:
    """Build the collection, run the queries, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=100_000, help="cards in the collection")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        start = time.perf_counter()
        user_id = build(url, args.cards, args.seed)
        print(f"cards: {args.cards}")
        print(f"build_s: {time.perf_counter() - start:.1f}")
        engine = make_engine(url)
        with Session(engine) as session:
            lang = session.query(Deck).filter(Deck.name == "lang").one().id
            sub = [d.id for d in session.query(Deck).filter(Deck.name.like("lang%"))]
            tag = session.query(Tag).filter(Tag.name == "tag3").one().id
        raw = engine.raw_connection()
        cursor = raw.cursor()
        now_sql = NOW.replace(tzinfo=None).isoformat(sep=" ")
        marks = ",".join("?" * len(sub))
        base = "SELECT * FROM cards WHERE user_id = ? AND deleted_at IS NULL"
        cases: list[tuple[str, dict[str, str], str, tuple[Any, ...]]] = [
            ("first_page", {}, f"{base} ORDER BY id DESC LIMIT 51", (user_id,)),
            ("search_en", {"q": "TLB miss"},
             f"{base} AND search_text LIKE ? ORDER BY id DESC LIMIT 51",
             (user_id, "%tlb miss%")),
            ("search_zh", {"q": "云原生"},
             f"{base} AND search_text LIKE ? ORDER BY id DESC LIMIT 51", (user_id, "%云原生%")),
            ("search_rare", {"q": "#99999?"},
             f"{base} AND search_text LIKE ? ORDER BY id DESC LIMIT 51", (user_id, "%#99999%")),
            ("deck_with_subdecks", {"deck": str(lang)},
             f"{base} AND deck_id IN ({marks}) ORDER BY id DESC LIMIT 51", (user_id, *sub)),
            ("tag", {"tag": "tag3"},
             f"{base} AND EXISTS (SELECT 1 FROM card_tags WHERE card_id = cards.id "
             "AND tag_id = ?) ORDER BY id DESC LIMIT 51", (user_id, tag)),
            ("state_due_by_due", {"state": "due", "sort": "due", "dir": "asc"},
             f"{base} AND due <= ? AND suspended = 0 AND retired_at IS NULL "
             "AND needs_answer = 0 AND (buried_until IS NULL OR buried_until <= ?) "
             "ORDER BY due, id LIMIT 51", (user_id, now_sql, now_sql)),
            ("sort_front", {"sort": "front", "dir": "asc"},
             f"{base} ORDER BY front, id LIMIT 51", (user_id,)),
            ("sort_reviews", {"sort": "reviews", "dir": "desc"},
             f"{base} ORDER BY (SELECT count(*) FROM reviews WHERE card_id = cards.id) - 2 * "
             "(SELECT count(*) FROM reviews WHERE card_id = cards.id AND kind = 'undo') DESC, "
             "id DESC LIMIT 51", (user_id,)),
            ("search_zh_sort_ef", {"q": "页表", "sort": "ef", "dir": "asc"},
             f"{base} AND search_text LIKE ? ORDER BY ef, id LIMIT 51", (user_id, "%页表%")),
        ]
        print("query: browser median/p99 ms | plain SELECT median/p99 ms | rows")
        with Session(engine) as session:
            for name, query_args, sql, params in cases:
                query = BrowseQuery.from_args(query_args)
                med, p99, result = timed(
                    lambda q=query: page(session, user_id, q, NOW), args.runs)
                session.expunge_all()
                pmed, pp99, plain = timed(
                    lambda s=sql, p=params: cursor.execute(s, p).fetchall(), args.runs)
                print(f"{name}: {med:.2f}/{p99:.2f} | {pmed:.2f}/{pp99:.2f} | "
                      f"{len(result.rows)} (plain {min(len(plain), 50)})")

            # A deep page: 200 pages into the list sorted by interval, by keyset and by OFFSET.
            query = BrowseQuery.from_args({"sort": "interval", "dir": "asc"})
            current = query
            for _ in range(200):
                current = BrowseQuery(**{**current.__dict__,
                                         "after": page(session, user_id, current,
                                                       NOW).next_cursor or ""})
                session.expunge_all()
            med, p99, _ = timed(lambda: page(session, user_id, current, NOW), args.runs)
            offset_sql = f"{base} ORDER BY interval_days, id LIMIT 51 OFFSET {200 * 50}"
            omed, op99, _ = timed(lambda: cursor.execute(offset_sql, (user_id,)).fetchall(),
                                  args.runs)
            print(f"deep_page_200_keyset: {med:.2f}/{p99:.2f} | "
                  f"plain OFFSET {omed:.2f}/{op99:.2f}")
        raw.close()
        engine.dispose()


if __name__ == "__main__":
    main()
