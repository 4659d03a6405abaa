"""Anki export: wengu's package writer against bare genanki on the same notes.

Builds N cards as export records (no database; ``--through-db`` adds a run
that loads them from a SQLite database first), then, in the same run:

- baseline: bare genanki writes the same notes (fields rendered by the same
  ``cards.render.render_markdown``, GUIDs from the same keys, same tags), its
  own way: ``Package.write_to_file`` (uncompressed zip, temporary file);
- wengu: ``cards.anki.export_package`` without scheduling (target: at most
  1.3 × the baseline), then with scheduling (half the cards reviewed, three
  answers each, so revlog rows too).

Prints one ``name: value`` line per figure, including the markdown rendering
time both sides share, so the packaging alone can be compared too. Wall times
swing with whatever else the machine runs; each step's CPU time (this
process's ``time.process_time``) is printed beside it and gives the steadier
ratio.

    .venv/bin/python bench/export.py --cards 100000
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import genanki

from cards.anki import (
    ExportCard,
    ExportNote,
    ExportReview,
    Schedule,
    export_package,
)
from cards.anki.naming import note_guid, note_tags
from cards.render import render_markdown

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FRONTS = (
    "What does the **page table** entry {i} hold?",
    "虚拟内存的第 {i} 个要点是什么？",
    "Why is `mmap()` call {i} lazy?",
    "When is $O(n \\log n)$ bound {i} tight?",
    "Name item {i} of the TLB shootdown steps.",
)
BACKS = (
    "The frame number and the flags of entry {i}.",
    "按需分页：访问时才分配物理页（第 {i} 条）。",
    "Pages are mapped on first touch; see note {i}.",
    "- when the input is adversarial\n- when comparisons dominate ({i})",
    "Send an IPI, flush, wait for acks ({i}).",
)


def make_notes(count: int) -> list[ExportNote]:
    """``count`` single-card notes over 50 nested decks; every other card reviewed 3 times."""
    notes = []
    for i in range(count):
        deck = f"bench::topic{i % 10}::part{i % 5}"
        reviewed = i % 2 == 0
        first = NOW - timedelta(days=30 + i % 50)
        reviews = (
            ExportReview(first, 5, was_new=True, interval_after=1, ef_after=260, duration_ms=4000),
            ExportReview(first + timedelta(days=1), 4, interval_before=1, interval_after=6,
                         ef_after=260, duration_ms=3000),
            ExportReview(first + timedelta(days=7), 4, interval_before=6, interval_after=16,
                         ef_after=260, duration_ms=2000),
        ) if reviewed else ()
        card = ExportCard(
            key=f"question-{i:08d}", deck=deck,
            front=FRONTS[i % len(FRONTS)].format(i=i), back=BACKS[i % len(BACKS)].format(i=i),
            created_at=NOW - timedelta(days=400, seconds=i), modified_at=NOW - timedelta(days=90),
            reps=3 if reviewed else 0, ef=260, interval_days=16 if reviewed else 0,
            due=first + timedelta(days=23) if reviewed else None, reviews=reviews,
        )
        notes.append(ExportNote(
            note_key=card.key, kind="basic", cards=(card,), source=f"notes/topic{i % 10}.md",
            line=i % 300 + 1, context=(f"Chapter {i % 7}", "Section"),
        ))
    return notes


CPU: dict[str, float] = {}


def timed(action: Callable[[], Any], name: str = "", runs: int = 1) -> tuple[float, Any]:
    """Best wall time of ``runs`` runs (and the CPU time of that run, kept under ``name``)."""
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = action()
        wall = time.perf_counter() - start
        if wall < best:
            best = wall
            CPU[name] = time.process_time() - cpu
    return best, result


def render_all(notes: list[ExportNote]) -> list[tuple[str, str]]:
    """Both sides render the same markdown with the same renderer."""
    return [
        (render_markdown(n.cards[0].front, math="anki"), render_markdown(n.cards[0].back,
                                                                          math="anki"))
        for n in notes
    ]


BARE_MODEL = genanki.Model(
    1607392319, "Bare Basic",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "Context"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}],
)


def bare_genanki(notes: list[ExportNote], path: Path) -> int:
    """What a plain genanki exporter does: render, make Notes and Decks, write_to_file."""
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        card = note.cards[0]
        deck = decks.get(card.deck)
        if deck is None:
            deck = decks[card.deck] = genanki.Deck(2_000_000_000 + len(decks), card.deck)
        deck.add_note(genanki.Note(
            model=BARE_MODEL,
            fields=[render_markdown(card.front, math="anki"),
                    render_markdown(card.back, math="anki"),
                    f"{note.source}:{note.line}", " &gt; ".join(note.context)],
            tags=note_tags([card.deck], note.context, note.tags),
            guid=note_guid(note.note_key),
        ))
    # genanki leaves its temporary copy of the collection behind (main() counts it).
    genanki.Package(list(decks.values())).write_to_file(str(path), timestamp=NOW.timestamp())
    return path.stat().st_size


def wengu(notes: list[ExportNote], *, scheduling: bool) -> int:
    out = io.BytesIO()
    schedule = Schedule(NOW, ZoneInfo("UTC"), 4) if scheduling else None
    export_package(notes, out, now=NOW, schedule=schedule)
    return len(out.getvalue())


def through_db(notes: list[ExportNote], workdir: Path) -> None:
    """Store the cards in a SQLite database, then time the shell's load + export."""
    from sqlalchemy import insert

    from app import create_app
    from app.db import new_session
    from app.export import ExportOptions, load_export_notes, write_user_package
    from app.models import Base, Card, Deck, User

    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        Base.metadata.create_all(app.extensions["wengu.engine"])
        session = new_session()
        user = User(name="bench", password_hash="x")
        session.add(user)
        session.flush()
        deck_ids: dict[str, int] = {}
        for note in notes:
            name = note.cards[0].deck
            if name not in deck_ids:
                deck = Deck(user_id=user.id, name=name)
                session.add(deck)
                session.flush()
                deck_ids[name] = deck.id
        session.execute(insert(Card), [
            {
                "user_id": user.id, "deck_id": deck_ids[c.deck], "key": c.key,
                "note_key": c.key, "ord": 0, "kind": "question", "front": c.front,
                "back": c.back, "context": " > ".join(n.context), "reps": c.reps, "ef": c.ef,
                "interval_days": c.interval_days, "due": c.due, "created_at": c.created_at,
                "modified_at": c.modified_at,
            }
            for n in notes for c in n.cards
        ])
        session.commit()
        options = ExportOptions(scheduling=False)
        load_s, loaded = timed(lambda: load_export_notes(session, user.id, None, options))
        write_s, _ = timed(lambda: write_user_package(session, user, loaded, io.BytesIO(),
                                                      options))
        session.close()
        app.extensions["wengu.engine"].dispose()
    print(f"through_db_load_seconds: {load_s:.2f}")
    print(f"through_db_export_seconds: {write_s:.2f}")
    print(f"through_db_total_seconds: {load_s + write_s:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="repeat each step, keep the best")
    parser.add_argument("--through-db", action="store_true",
                        help="also time loading the cards from a SQLite database")
    args = parser.parse_args()

    notes = make_notes(args.cards)
    runs = args.runs
    print(f"cards: {args.cards}")
    print(f"runs: {runs} (best wall time; CPU time of that run alongside)")
    with tempfile.TemporaryDirectory(prefix="wengu-bench-") as work:
        workdir = Path(work)
        scratch = workdir / "tmp"
        scratch.mkdir()
        # Anything that writes to the system's temporary folder writes here during the runs.
        saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
        try:
            render_s, _ = timed(lambda: render_all(notes), "render", runs)
            bare_s, bare_size = timed(
                lambda: bare_genanki(notes, workdir / "bare.apkg"), "genanki", runs)
            bare_leak = sum(f.stat().st_size for f in scratch.iterdir())
            for leftover in scratch.iterdir():
                leftover.unlink()
            plain_s, plain_size = timed(lambda: wengu(notes, scheduling=False), "wengu", runs)
            sched_s, sched_size = timed(lambda: wengu(notes, scheduling=True), "sched", runs)
            wengu_leak = len(list(scratch.iterdir()))
        finally:
            tempfile.tempdir = saved
        print(f"render_markdown_seconds (both sides do it): {render_s:.2f} "
              f"(cpu {CPU['render']:.2f})")
        print(f"genanki_seconds: {bare_s:.2f} (cpu {CPU['genanki']:.2f})")
        print(f"genanki_package_bytes: {bare_size}")
        print(f"genanki_temp_file_left_behind_bytes: {bare_leak // runs}")
        print(f"wengu_seconds: {plain_s:.2f} (cpu {CPU['wengu']:.2f})")
        print(f"wengu_package_bytes: {plain_size}")
        print(f"ratio_wengu_to_genanki: {plain_s / bare_s:.2f} "
              f"(cpu {CPU['wengu'] / CPU['genanki']:.2f}; target <= 1.3)")
        print(f"ratio_packaging_only (render time taken out): "
              f"{(plain_s - render_s) / (bare_s - render_s):.2f} "
              f"(cpu {(CPU['wengu'] - CPU['render']) / (CPU['genanki'] - CPU['render']):.2f})")
        print(f"wengu_with_scheduling_seconds: {sched_s:.2f} (cpu {CPU['sched']:.2f})")
        print(f"wengu_with_scheduling_package_bytes: {sched_size}")
        print(f"wengu_temp_files_left_behind: {wengu_leak}")
        if args.through_db:
            through_db(notes, workdir)


if __name__ == "__main__":
    main()
