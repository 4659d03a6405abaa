"""Import the real-notes corpus into a fresh database, then again unchanged.

Prints the first import's time and cards per second, the unchanged
re-import's time and its ratio to the first (target ≤ 0.05), and the
process's peak memory (target ≤ 300 MB). Baselines measured in the same run:
reading and hashing the files, and extracting every note without a database.

    .venv/bin/python bench/import.py [--files N] [--notes PATH]

With ``WENGU_BENCH_DATABASE_URL`` set (a PostgreSQL URL), the same runs
again against that database; its tables are DROPPED and recreated first, so
point it at a scratch database.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.models import Base, Card, User  # noqa: E402
from app.notes.importer import NoteFile, import_notes, read_paths  # noqa: E402
from cards.extract import extract_note, find_boilerplate, read_note  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "notes"


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(url: str, label: str, files: list[NoteFile], roots: list[str]) -> None:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        user = User(name="bench", password_hash="x")
        session.add(user)
        session.commit()
        user_id = user.id

    with factory() as session:
        start = time.perf_counter()
        first = import_notes(session, user_id, files, roots=roots)
        first_s = time.perf_counter() - start
        cards = session.scalar(select(func.count()).select_from(Card)) or 0
    with factory() as session:
        start = time.perf_counter()
        again = import_notes(session, user_id, files, roots=roots)
        again_s = time.perf_counter() - start

    print(f"{label}.files: {len(files)}")
    print(f"{label}.files_failed: {len(first.files_failed)}")
    for path, reason in first.files_failed[:3]:
        print(f"{label}.failed: {path}: {reason[:200]}")
    print(f"{label}.cards: {cards}")
    print(f"{label}.first_import_s: {first_s:.2f}")
    print(f"{label}.cards_per_s: {cards / first_s:.0f}")
    print(f"{label}.reimport_s: {again_s:.3f}")
    print(f"{label}.reimport_skipped: {again.files_skipped}")
    print(f"{label}.reimport_ratio: {again_s / first_s:.4f} (target <= 0.05)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=Path, default=CORPUS, help="the notes folder")
    parser.add_argument("--files", type=int, default=0, help="import only the first N notes")
    args = parser.parse_args()
    if not args.notes.is_dir():
        print(f"no notes at {args.notes}: nothing to measure")
        return

    files, roots, _load = read_paths([args.notes])
    if args.files:
        files = files[: args.files]

    start = time.perf_counter()
    for file in files:
        hashlib.sha256(file.data).hexdigest()
    print(f"baseline.hash_all_s: {time.perf_counter() - start:.3f}")
    start = time.perf_counter()
    texts = [read_note(file.data, file.path)[0] for file in files]
    boilerplate = find_boilerplate(texts)
    drafts = sum(len(extract_note(t, f.path, boilerplate=boilerplate))
                 for t, f in zip(texts, files, strict=True))
    del texts
    print(f"baseline.extract_only_s: {time.perf_counter() - start:.2f} ({drafts} drafts)")

    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", "sqlite", files, roots)
    url = os.environ.get("WENGU_BENCH_DATABASE_URL")
    if url:
        run(url, "postgresql", files, roots)
    print(f"peak_memory_mb: {peak_mb():.0f} (target <= 300)")


if __name__ == "__main__":
    main()
