"""The extractor against the labelled notes in ../shared/extraction (the quality bar)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cards.extract import extract_note, find_boilerplate, iter_note_files, read_note

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "extraction"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not (SHARED / "eval_extract.py").is_file(), reason="../shared/extraction is absent"
    ),
]


def _score(tmp_path: Path, folders: list[str], golds: list[str]) -> dict[str, float]:
    notes_root = SHARED / "notes"
    notes = []
    for path in iter_note_files(notes_root):
        text, _ = read_note(path.read_bytes(), str(path))
        notes.append((path.relative_to(notes_root).as_posix(), text))
    boilerplate = find_boilerplate(text for _, text in notes)
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as out:
        for rel, text in notes:
            for draft in extract_note(text, rel, boilerplate=boilerplate):
                out.write(json.dumps(draft.to_json(rel), ensure_ascii=False) + "\n")
    subset = tmp_path / "notes"  # only these folders' notes are scored
    subset.mkdir()
    for folder in folders:
        (subset / folder).symlink_to(notes_root / folder, target_is_directory=True)
    args = [sys.executable, str(SHARED / "eval_extract.py"), "--notes", str(subset)]
    args += [a for g in golds for a in ("--gold", str(SHARED / "gold" / g))]
    result = subprocess.run(
        [*args, "--pred", str(pred), "--show", "0"], capture_output=True, text=True, check=True
    )
    last = result.stdout.strip().splitlines()[-1]
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", last)}


@pytest.mark.parametrize(
    ("folders", "golds"),
    [(["seed", "dev"], ["seed.jsonl", "dev.jsonl"]), (["dev2"], ["dev2.jsonl"])],
    ids=["seed+dev", "dev2"],
)
def test_quality_bar(tmp_path: Path, folders: list[str], golds: list[str]) -> None:
    scores = _score(tmp_path, folders, golds)
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= 0.90
    assert scores["answer_accuracy"] >= 0.85
