"""``wengu extract``: walking folders, output formats, bad files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "notes"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["extract", *args])
    return result.exit_code, result.stdout, result.stderr


def test_jsonl_fields_and_relative_posix_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("- GPU 存在虚拟化吗 ?\n", encoding="utf-8")
    (tmp_path / "b.markdown").write_text("TCP 是面向连接的传输层协议\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("Why is this ignored?\n", encoding="utf-8")
    code, out, _ = run("--jsonl", str(tmp_path))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(r["file"], r["line"], r["kind"]) for r in rows] == [
        ("b.markdown", 1, "definition"),
        ("sub/a.md", 1, "question"),
    ]
    assert set(rows[0]) == {
        "file",
        "line",
        "end_line",
        "kind",
        "front",
        "back",
        "answer_lines",
        "context",
        "key",
    }
    assert rows[1]["answer_lines"] is None and rows[0]["answer_lines"] == [1, 1]


def test_output_is_deterministic() -> None:
    first = run("--jsonl", str(EXAMPLES))
    second = run("--jsonl", str(EXAMPLES))
    assert first == second and first[1]


def test_human_output_names_file_line_and_kind() -> None:
    code, out, err = run(str(EXAMPLES))
    assert code == 0
    assert any(
        line.startswith("flashcards.md:") and ": basic: " in line for line in out.splitlines()
    )
    assert "needs an answer" in out
    assert "private-diary.md" not in out  # wengu: false
    assert err.strip().endswith("cards")


def test_bad_files_are_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (tmp_path / "b.md").write_bytes(b"caf\xe9 " + "是什么?\n".encode())
    (tmp_path / "c.md").write_text("Why is the sky blue?\n", encoding="utf-8")
    code, out, err = run("--jsonl", str(tmp_path))
    assert code == 0
    assert "a.md: binary file, skipped" in err
    assert "b.md: not valid UTF-8" in err
    files = [json.loads(line)["file"] for line in out.splitlines()]
    assert files == ["b.md", "c.md"]


def test_a_single_file_argument(tmp_path: Path) -> None:
    note = tmp_path / "one.md"
    note.write_text("Why is the sky blue?\n", encoding="utf-8")
    code, out, _ = run("--jsonl", str(note))
    assert code == 0 and json.loads(out)["file"] == "one.md"


def test_jobs_give_the_same_output(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"n{i:02}.md").write_text(
            f"# Topic {i}\n\n## What is thing {i}?\n\nThing {i} is a kind of example.\n\n"
            "A footer line that every note repeats\n",
            encoding="utf-8",
        )
    one = run("--jsonl", "--jobs", "1", str(EXAMPLES), str(tmp_path))
    many = run("--jsonl", "--jobs", "3", str(EXAMPLES), str(tmp_path))
    assert one[0] == 0 and one[1].count("\n") > 12
    assert many == one
    assert "footer" not in one[1]  # boilerplate found across the notes, in every worker
