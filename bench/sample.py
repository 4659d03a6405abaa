"""A fixed sample of 100 cards from the corpus, read as a user would, and its keep rate.

The sample is the 100 cards whose keys hash lowest with a fixed seed: a card that a rule
change leaves alone stays in the sample, so its mark carries over. Marks live in
``bench/sample_marks.tsv`` (key, mark, front, why), one of

- ``keep``: a card a person would keep (a real question or term, with the right answer or
  rightly none),
- ``junk``: not a card (a remark, a label, data, a fragment),
- ``wrong``: a good prompt with a wrong answer (another topic, cut short, a bare link).

Prints the sample with its marks, cards not in the table as unmarked, then the keep rate.
``--unmarked`` prints only the unmarked cards, with their answers, for marking.

    .venv/bin/python bench/sample.py [--notes DIR] [--size N] [--unmarked]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cards.draft import Draft  # noqa: E402
from cards.extract import extract_notes, find_boilerplate, iter_note_files, read_note  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "notes"
MARKS = ROOT / "bench" / "sample_marks.tsv"
SEED = "wengu-sample-1"
MARK_KINDS = ("keep", "junk", "wrong")


def sample(notes: Path, size: int) -> list[tuple[str, Draft]]:
    """The ``size`` cards of the notes under ``notes`` whose keys hash lowest."""
    loaded = []
    for path in iter_note_files(notes):
        text, _ = read_note(path.read_bytes(), str(path))
        loaded.append((path.relative_to(notes).as_posix(), text))
    boilerplate = find_boilerplate(text for _, text in loaded)
    cards = [
        (rel, draft)
        for (rel, _), drafts in zip(loaded, extract_notes(loaded, boilerplate), strict=True)
        for draft in drafts or ()
    ]
    rank = {d.key: hashlib.sha256(f"{SEED}{d.key}".encode()).hexdigest() for _, d in cards}
    return sorted(cards, key=lambda card: rank[card[1].key])[:size]


def load_marks(path: Path = MARKS) -> dict[str, str]:
    """Card key -> mark, from the table."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {row["key"]: row["mark"] for row in csv.DictReader(f, delimiter="\t")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=Path, default=CORPUS)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--unmarked", action="store_true", help="only the unmarked cards")
    args = parser.parse_args()
    if not args.notes.is_dir():
        print(f"{args.notes} is absent: no sample")
        return
    marks = load_marks()
    counts = dict.fromkeys((*MARK_KINDS, "unmarked"), 0)
    for rel, draft in sample(args.notes, args.size):
        mark = marks.get(draft.key, "unmarked")
        counts[mark] += 1
        if args.unmarked and mark != "unmarked":
            continue
        answer = f"{draft.answer_lines[0]}-{draft.answer_lines[1]}" if draft.answer_lines else "-"
        print(f"{mark:<8} {draft.key}  {rel}:{draft.line} [{answer}] {draft.kind}: "
              f"{draft.front[:70]!r}")
        if args.unmarked:
            print(f"         back: {draft.back[:300]!r}")
    marked = counts["keep"] + counts["junk"] + counts["wrong"]
    print(
        f"keep {counts['keep']}  junk {counts['junk']}  wrong answer {counts['wrong']}  "
        f"unmarked {counts['unmarked']}  keep rate {counts['keep'] / (marked or 1):.2f} "
        f"of {marked} marked"
    )


if __name__ == "__main__":
    main()
