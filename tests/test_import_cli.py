"""``wengu import``: folders into nested decks, the report, re-imports, --deck."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models import Card, Deck, Media, User

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    (root / "kernel" / "mm").mkdir(parents=True)
    (root / "img").mkdir()
    (root / ".git").mkdir()
    (root / "kernel" / "mm" / "paging.md").write_text(
        "# Paging\n\n## What is a page table?\n\nA map from pages to frames.\n", encoding="utf-8")
    (root / "disks.md").write_text(
        "# Disks\n\nQ: How do I grow a qcow2 image?\nA: qemu-img resize.\n\n![](img/d.png)\n",
        encoding="utf-8")
    (root / "img" / "d.png").write_bytes(PNG)
    (root / ".git" / "x.md").write_text("Q: hidden?\nA: yes\n", encoding="utf-8")
    return root


def rows(app_config: dict[str, Any]) -> list[tuple[str, str, bool]]:
    engine = make_engine(app_config["DATABASE_URL"])
    with Session(engine) as session:
        result = [(card.front, card.deck.name, card.retired_at is not None)
                  for card in session.scalars(select(Card).order_by(Card.front))]
    engine.dispose()
    return result


def add_user(app_config: dict[str, Any], name: str = "ada") -> None:
    engine = make_engine(app_config["DATABASE_URL"])
    with Session(engine) as session:
        session.add(User(name=name, password_hash="x"))
        session.commit()
    engine.dispose()


def test_import_folder_then_again(cli: Any, app_config: dict[str, Any], notes: Path) -> None:
    add_user(app_config)
    result = cli("import", str(notes), "--user", "ada")
    assert result.exit_code == 0, result.output
    assert "2 read" in result.output and "2 new" in result.output
    assert "new: notes/disks.md:3  How do I grow a qcow2 image?" in result.output
    assert rows(app_config) == [
        ("How do I grow a qcow2 image?", "notes", False),
        ("What is a page table?", "notes::kernel::mm", False),
    ]
    engine = make_engine(app_config["DATABASE_URL"])
    with Session(engine) as session:
        assert [m.original_path for m in session.scalars(select(Media))] == ["notes/img/d.png"]
    engine.dispose()

    again = cli("import", str(notes), "--user", "ada")
    assert "0 read, 2 unchanged (skipped)" in again.output

    (notes / "disks.md").unlink()
    gone = cli("import", str(notes), "--user", "ada")
    assert "1 missing" in gone.output and "1 retired" in gone.output
    assert ("How do I grow a qcow2 image?", "notes", True) in rows(app_config)


def test_import_into_one_deck(cli: Any, app_config: dict[str, Any], notes: Path) -> None:
    add_user(app_config)
    result = cli("import", str(notes), "--user", "ada", "--deck", "Study::OS")
    assert result.exit_code == 0
    assert {deck for _front, deck, _retired in rows(app_config)} == {"Study::OS"}
    engine = make_engine(app_config["DATABASE_URL"])
    with Session(engine) as session:
        assert set(session.scalars(select(Deck.name))) == {"Study", "Study::OS"}
    engine.dispose()


def test_unknown_user_is_a_clear_error(cli: Any, notes: Path) -> None:
    result = cli("import", str(notes), "--user", "nobody")
    assert result.exit_code != 0 and "no user called 'nobody'" in result.output


def test_progress_bar_for_many_files(cli: Any, app_config: dict[str, Any],
                                     tmp_path: Path) -> None:
    add_user(app_config)
    many = tmp_path / "many"
    many.mkdir()
    for i in range(8):
        (many / f"n{i}.md").write_text(f"Q: What is item {i}?\nA: Item {i}.\n", encoding="utf-8")
    result = cli("import", str(many), "--user", "ada")
    assert result.exit_code == 0 and "8 read" in result.output and "8 new" in result.output


def test_reparse_reads_unchanged_notes(cli: Any, app_config: dict[str, Any], notes: Path) -> None:
    add_user(app_config)
    cli("import", str(notes), "--user", "ada")
    result = cli("import", str(notes), "--user", "ada", "--reparse")
    assert "2 read, 0 unchanged (skipped)" in result.output and "0 new" in result.output
