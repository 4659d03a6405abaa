"""Import a large Anki package: wengu against Anki's own importer, in the same run.

Builds a collection with the ``anki`` package (100,000 cards, 1,000,000 revlog
rows by default: notes, cards and history written in bulk with SQL into a
collection Anki created, then opened by Anki again and exported by it as a
current-format .apkg with scheduling), then times, each in a fresh process:

- ``anki``: Anki's ``import_anki_package`` of the package into a fresh
  collection, with scheduling (the baseline);
- ``wengu``: :func:`app.notes.anki.import_anki_package` into a fresh SQLite
  database.

Prints both times (wall and CPU: the CPU ratio is steadier on a busy
machine), their ratio (target ≤ 2) and each process's peak memory (wengu's
target ≤ 500 MB).

    .venv/bin/python bench/anki_import.py [--cards N] [--revlog N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY_MS = 86_400_000


def peak_mb() -> float:
    """This process's peak resident memory so far (``VmHWM``: since its exec, not its parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds this process used (all its threads), for a loaded machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(folder: Path, cards: int, revlog: int) -> Path:
    """A collection of ``cards`` basic cards and ``revlog`` answers, exported by Anki."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    path = folder / "big" / "collection.anki2"
    path.parent.mkdir(parents=True)
    col = Collection(str(path))
    model = col.models.by_name("Basic")
    mid = model["id"]
    decks = [col.decks.id(f"Big::Part {i}") for i in range(10)]
    crt = col.crt
    col.close()

    rng = random.Random(17)
    db = sqlite3.connect(path)
    now_day = 400  # the collection is 400 days old: its history lies in the past
    crt -= now_day * 86_400
    db.execute("UPDATE col SET crt = ?", (crt,))
    base = crt * 1000
    reviewed = max(1, int(cards * 0.8))
    per_card = revlog // reviewed
    extra = revlog - per_card * reviewed
    note_rows, card_rows, log_rows = [], [], []
    log_id = base
    for i in range(cards):
        nid = base + i
        front, back = f"question {i} <b>bold</b>", f"answer {i}<br>line two"
        note_rows.append((nid, f"g{i:09d}", mid, crt, -1, " bench ", f"{front}\x1f{back}",
                          front, 0, 0, ""))
        if i < reviewed:
            ivl = rng.randint(1, 300)
            card_rows.append((nid, nid, decks[i % 10], 0, crt, -1, 2, 2,
                              now_day + rng.randint(-5, 60), ivl, rng.randint(1300, 3000),
                              per_card, rng.randint(0, 3), 0, 0, 0, 0, ""))
            answers = per_card + (1 if i < extra else 0)
            day = 0
            for k in range(answers):
                day = min(day + rng.randint(1, 30), now_day - 1)
                log_id = max(log_id + 1, base + day * DAY_MS + rng.randint(0, 3_600_000))
                log_rows.append((log_id, nid, -1, rng.choice((1, 3, 3, 3, 4, 2)),
                                 rng.randint(1, 200), rng.randint(0, 100), 2500,
                                 rng.randint(1000, 20000), 0 if k == 0 else 1))
        else:
            card_rows.append((nid, nid, decks[i % 10], 0, crt, -1, 0, 0, i, 0, 0, 0, 0, 0, 0,
                              0, 0, ""))
        if len(log_rows) > 100_000:
            db.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", log_rows)
            log_rows.clear()
    db.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
    db.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)
    db.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", log_rows)
    db.commit()
    db.close()

    col = Collection(str(path))
    problems, _ok = col.fix_integrity()  # Anki's "Check Database": sort fields, checksums
    if os.environ.get("WENGU_BENCH_VERBOSE"):
        print(problems, file=sys.stderr)
    out = folder / "big.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False,
                                         with_media=True, legacy=False),
        limit=None,
    )
    col.close()
    return out


def anki_import(package: Path, folder: Path) -> dict[str, float]:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    (folder / "fresh").mkdir()
    col = Collection(str(folder / "fresh" / "collection.anki2"))
    start, cpu = time.perf_counter(), cpu_s()
    log = col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(package),
        options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False)))
    seconds, cpu = time.perf_counter() - start, cpu_s() - cpu
    cards = col.card_count()
    revlog = col.db.scalar("SELECT count(*) FROM revlog")
    col.close()
    return {"seconds": seconds, "cpu": cpu, "cards": cards, "revlog": revlog,
            "notes_new": len(log.log.new), "peak_mb": peak_mb()}


def wengu_import(package: Path, folder: Path) -> dict[str, float]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import sessionmaker

    from app.db import make_engine
    from app.models import Base, Card, Review, User
    from app.notes.anki import import_anki_package

    engine = make_engine(f"sqlite:///{folder / 'wengu.db'}")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        user = User(name="bench", password_hash="x", timezone="UTC")
        session.add(user)
        session.commit()
        user_id = user.id
    with factory() as session:
        start, cpu = time.perf_counter(), cpu_s()
        report = import_anki_package(session, user_id, package, max_bytes=4 << 30,
                                     max_files=1_000_000)
        seconds, cpu = time.perf_counter() - start, cpu_s() - cpu
        cards = session.scalar(select(func.count()).select_from(Card)) or 0
        reviews = session.scalar(select(func.count()).select_from(Review)) or 0
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "cards": cards, "revlog": reviews,
            "notes_new": report.notes, "peak_mb": peak_mb()}


def step(name: str, package: Path, folder: Path) -> dict[str, float]:
    """Run one import in a fresh process; its figures."""
    result = subprocess.run(
        [sys.executable, __file__, "--step", name, "--package", str(package),
         "--folder", str(folder)],
        check=True, capture_output=True, text=True, env={**os.environ, "TZ": "UTC"},
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--revlog", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    parser.add_argument("--step", choices=("anki", "wengu"), help=argparse.SUPPRESS)
    parser.add_argument("--package", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        run = anki_import if args.step == "anki" else wengu_import
        print(json.dumps(run(args.package, args.folder)))
        return

    with tempfile.TemporaryDirectory(prefix="wengu-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        package = build(folder, args.cards, args.revlog)
        print(f"build_s: {time.perf_counter() - start:.1f}")
        print(f"package_mb: {package.stat().st_size / 1e6:.1f}")
        (folder / "a").mkdir(exist_ok=True)
        (folder / "w").mkdir(exist_ok=True)
        anki = step("anki", package, folder / "a")
        wengu = step("wengu", package, folder / "w")
        for label, figures in (("anki", anki), ("wengu", wengu)):
            print(f"{label}.cards: {figures['cards']:.0f}")
            print(f"{label}.revlog_rows: {figures['revlog']:.0f}")
            print(f"{label}.import_s: {figures['seconds']:.2f}")
            print(f"{label}.import_cpu_s: {figures['cpu']:.2f}")
            print(f"{label}.peak_mb: {figures['peak_mb']:.0f}")
        print(f"ratio_wengu_to_anki: {wengu['seconds'] / anki['seconds']:.2f} (target <= 2)")
        print(f"ratio_wengu_to_anki_cpu: {wengu['cpu'] / anki['cpu']:.2f}")
        print(f"wengu.peak_mb_target: {wengu['peak_mb']:.0f} (target <= 500)")


if __name__ == "__main__":
    main()
