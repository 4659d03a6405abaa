"""Extraction scored per author of the labelled notes, then over all of them.

The labelled notes in ``../shared/extraction`` come from three authors (``seed`` and
``dev`` are one person, ``dev2/xestray`` and ``dev2/til`` two others). Each author's notes
are scored on their own with the shared scorer (``eval_extract.py``), so that a rule
fitted to one author shows as a drop on the others. Prints the scorer's figures for each
author and for the whole set, then one summary line per author with the bar
(precision >= 0.95, recall >= 0.90, answers >= 0.85).

    .venv/bin/python bench/eval_authors.py [--labelled DIR] [--show N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT.parent / "shared" / "extraction"
AUTHORS = {"seed+dev": ("seed/", "dev/"), "xestray": ("dev2/xestray/",), "til": ("dev2/til/",)}
BAR = {"precision": 0.95, "recall": 0.90, "answer_accuracy": 0.85}


def _extract(notes: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "wengu"), "extract", "--jsonl", str(notes)],
        check=True, capture_output=True, text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _score(labelled: Path, prefixes: tuple[str, ...], cards: list[dict[str, object]],
           show: int) -> tuple[str, dict[str, float]]:
    """The scorer's output on the notes under ``prefixes`` (and its last-line figures)."""
    notes = labelled / "notes"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "notes"
        for path in sorted(notes.rglob("*")):  # the author's notes, linked into a root
            rel = path.relative_to(notes).as_posix()
            if path.suffix in (".md", ".markdown") and rel.startswith(prefixes):
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).symlink_to(path)
        gold = Path(tmp) / "gold.jsonl"
        with gold.open("w", encoding="utf-8") as out:
            for name in sorted((labelled / "gold").glob("*.jsonl")):
                for line in name.read_text(encoding="utf-8").splitlines():
                    if line.strip() and json.loads(line)["file"].startswith(prefixes):
                        out.write(line + "\n")
        pred = Path(tmp) / "pred.jsonl"
        pred.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cards
                                if str(c["file"]).startswith(prefixes)), encoding="utf-8")
        text = subprocess.run(
            [sys.executable, str(labelled / "eval_extract.py"), "--notes", str(root),
             "--gold", str(gold), "--pred", str(pred), "--show", str(show)],
            check=True, capture_output=True, text=True,
        ).stdout
    last = text.strip().splitlines()[-1]
    figures = {k: float(v) for k, v in (pair.split("=") for pair in last.split())}
    return text, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--show", type=int, default=8, help="misses and false cards to list")
    args = parser.parse_args()
    if not (args.labelled / "notes").is_dir():
        print(f"{args.labelled} is absent: nothing to score")
        return
    cards = _extract(args.labelled / "notes")
    summary = []
    groups = [*AUTHORS.items(), ("all", tuple(p for ps in AUTHORS.values() for p in ps))]
    for author, prefixes in groups:
        text, figures = _score(args.labelled, prefixes, cards, args.show)
        print(f"== {author} ==")
        print(text.rstrip())
        below = [k for k, bar in BAR.items() if figures[k] < bar]
        summary.append(
            f"{author:<10} precision {figures['precision']:.3f}  recall {figures['recall']:.3f}"
            f"  answers {figures['answer_accuracy']:.3f}"
            + (f"  BELOW THE BAR: {', '.join(below)}" if below else "")
        )
    print("== per author (bar: P >= 0.95, R >= 0.90, answers >= 0.85) ==")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
