"""``wengu backup`` under load and ``wengu restore``."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from app.models import Review
from tests.conftest import make_user
from tests.factories import make_card

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_only(app_config: dict[str, Any]) -> None:
    if not app_config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite's backup API; PostgreSQL is backed up with pg_dump")


def review_row(user_id: int, card_id: int, n: int) -> Review:
    return Review(user_id=user_id, card_id=card_id, grade=4, reviewed_at=T0, showing_id=f"s{n}",
                  reps_before=0, ef_before=250, interval_before=0, due_before=None,
                  lapses_before=0, reps_after=1, ef_after=250, interval_after=1,
                  due_after=T0, lapses_after=0)


def review_ids(path: Path) -> set[int]:
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {row[0] for row in connection.execute("SELECT id FROM reviews")}
    finally:
        connection.close()


def seed(app: Flask) -> tuple[int, int]:
    user_id = make_user(app, "ada", is_owner=True)
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        card_id = make_card(session, user_id).id
        session.commit()
        session.close()
    return user_id, card_id


def test_backup_while_answers_are_written_holds_every_committed_review(
    sqlite_only: None, app: Flask, cli: Any, tmp_path: Path
) -> None:
    user_id, card_id = seed(app)
    committed: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(10**9))

    def write() -> None:
        with app.app_context():
            while not stop.is_set():
                session: Session = app.extensions["wengu.sessionmaker"]()
                with lock:
                    n = next(counter)
                row = review_row(user_id, card_id, n)
                session.add(row)
                session.commit()
                with lock:
                    committed.append(row.id)
                session.close()

    writers = [threading.Thread(target=write) for _ in range(2)]
    for thread in writers:
        thread.start()
    try:
        while True:
            with lock:
                if len(committed) >= 50:
                    before = set(committed)
                    break
            stop.wait(0.01)
        out = tmp_path / "backup.sqlite3"
        result = cli("backup", str(out))
        assert result.exit_code == 0, result.output
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    in_backup = review_ids(out)
    assert before <= in_backup
    assert in_backup <= set(committed)  # nothing half-written or invented
    assert len(committed) > len(before)  # the writers did go on meanwhile


def test_backup_refuses_to_replace_a_file(
    sqlite_only: None, app: Flask, cli: Any, tmp_path: Path
) -> None:
    out = tmp_path / "backup.sqlite3"
    out.write_text("precious")
    result = cli("backup", str(out))
    assert result.exit_code != 0 and "--force" in result.output
    assert out.read_text() == "precious"
    assert cli("backup", str(out), "--force").exit_code == 0
    assert review_ids(out) == set()


def test_restore_asks_first_and_keeps_the_current_database(
    sqlite_only: None, app: Flask, cli: Any, tmp_path: Path, app_config: dict[str, Any]
) -> None:
    user_id, card_id = seed(app)
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        session.add(review_row(user_id, card_id, 1))
        session.commit()
        out = tmp_path / "backup.sqlite3"
        assert cli("backup", str(out)).exit_code == 0
        session.add(review_row(user_id, card_id, 2))
        session.commit()
        session.close()
    database = Path(app_config["DATABASE_URL"].removeprefix("sqlite:///"))
    assert len(review_ids(database)) == 2

    refused = cli("restore", str(out), input="n\n")
    assert refused.exit_code != 0
    assert len(review_ids(database)) == 2

    restored = cli("restore", str(out), input="y\n")
    assert restored.exit_code == 0, restored.output
    assert len(review_ids(database)) == 1
    (kept,) = database.parent.glob(f"{database.name}.before-restore-*")
    assert len(review_ids(kept)) == 2
    # The running app reads the restored content.
    assert app.test_client().post("/auth/login", data={
        "name": "ada", "password": "correct horse battery"}).status_code == 302


def test_restore_refuses_a_file_that_is_no_wengu_database(
    sqlite_only: None, app: Flask, cli: Any, tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.sqlite3"
    sqlite3.connect(bogus).execute("CREATE TABLE t (x)").connection.close()
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 1000)
    for source in (bogus, text):
        result = cli("restore", str(source), "--yes")
        assert result.exit_code != 0
        assert "not a" in result.output


def test_postgresql_points_to_pg_dump(cli: Any, monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    monkeypatch.setenv("WENGU_DATABASE_URL", "postgresql+psycopg://wengu@127.0.0.1:1/wengu")
    result = cli("backup", str(tmp_path / "x"))
    assert result.exit_code != 0 and "pg_dump" in result.output
    result = cli("restore", str(Path(__file__)), "--yes")
    assert result.exit_code != 0 and "pg_restore" in result.output
