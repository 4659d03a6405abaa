"""FSRS memory states in the Anki export: written where Anki keeps them (the card's
``data``), read back by the ``anki`` package after a real import; only FSRS decks'
cards carry them."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from app.export import ExportOptions, load_export_notes
from app.models import Card, User
from app.review.store import Refused, review_day, write_answer
from cards import fsrs_scheduler
from cards.anki import ExportCard, ExportNote, ExportReview, Schedule, export_package
from cards.anki.naming import note_guid
from cards.anki.scheduling import fsrs_card_data
from tests.factories import make_card, make_deck

anki_collection = pytest.importorskip("anki.collection")
import_export_pb2 = pytest.importorskip("anki.import_export_pb2")

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def record_answer(db: Session, card: Card, grade: int, at: datetime) -> None:
    """Answer ``card`` at ``at`` through the one answer writer (a same-day repeat when
    the card is pending one from earlier that review day)."""
    user = db.get(User, card.user_id)
    assert user is not None
    written = write_answer(db, card.user_id, card.id, grade, at, review_day(user, at)[0],
                           showing=None)
    assert not isinstance(written, Refused)


def test_card_data_holds_the_memory_state_rounded_as_anki_does() -> None:
    card = ExportCard("k", "d", "Q", stability=12.3456, difficulty=5.67891,
                      desired_retention=0.853, decay=0.1542)
    assert json.loads(fsrs_card_data(card)) == {"s": 12.35, "d": 5.679, "dr": 0.85,
                                                "decay": 0.154}
    assert fsrs_card_data(ExportCard("k", "d", "Q")) == ""


def _fsrs_note(now: datetime) -> ExportNote:
    state, at, reviews = fsrs_scheduler.State(), now - timedelta(days=20), []
    settings = fsrs_scheduler.Settings(desired_retention=0.85)
    for grade in (4, 4, 4):
        after = fsrs_scheduler.review(state, grade, at, settings)
        reviews.append(ExportReview(at, grade, was_new=state.is_new,
                                    interval_after=after.interval_days(), duration_ms=2000))
        state = after
        assert state.due is not None
        at = state.due
    assert state.stability is not None and state.difficulty is not None
    return ExportNote("f1", "basic", (ExportCard(
        "f1", "FSRS", "Question?", "Answer.", created_at=now - timedelta(days=30),
        modified_at=now - timedelta(days=30), reps=3, interval_days=state.interval_days(),
        due=state.due, reviews=tuple(reviews), stability=state.stability,
        difficulty=state.difficulty, desired_retention=0.85,
        decay=fsrs_scheduler.DEFAULT_PARAMETERS[-1],
    ),))


def test_anki_reads_the_memory_state_after_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    now = datetime.now(UTC)
    note = _fsrs_note(now)
    out = io.BytesIO()
    export_package([note], out, now=now, schedule=Schedule(now, ZoneInfo("UTC"), 4))
    path = tmp_path / "f.apkg"
    path.write_bytes(out.getvalue())
    (tmp_path / "anki").mkdir()
    col = anki_collection.Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        condition = import_export_pb2.ImportAnkiPackageUpdateCondition
        request = anki_collection.ImportAnkiPackageRequest(
            package_path=str(path),
            options=anki_collection.ImportAnkiPackageOptions(
                merge_notetypes=False,
                update_notes=condition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                update_notetypes=condition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                with_scheduling=True, with_deck_configs=False,
            ),
        )
        col.import_anki_package(request)
        (nid,) = col.find_notes("")
        imported = col.get_note(nid)
        assert imported.guid == note_guid("f1")
        anki_card = imported.cards()[0]
        wengu_card = note.cards[0]
        assert wengu_card.stability is not None and wengu_card.difficulty is not None
        assert anki_card.memory_state is not None
        assert anki_card.memory_state.stability == pytest.approx(wengu_card.stability, abs=0.01)
        assert anki_card.memory_state.difficulty == pytest.approx(wengu_card.difficulty,
                                                                  abs=0.001)
        assert anki_card.desired_retention == pytest.approx(0.85, abs=1e-6)
        assert anki_card.type == 2 and anki_card.ivl == wengu_card.interval_days
        assert col.db.list("SELECT ease FROM revlog WHERE cid = ?", anki_card.id) == [3, 3, 3]
    finally:
        col.close()


def _package_data(db: Session, user_id: int, tmp_path: Path) -> dict[str, str]:
    """Each exported note's card ``data`` column, by GUID."""
    notes = load_export_notes(db, user_id, None, ExportOptions(scheduling=True))
    out = io.BytesIO()
    export_package(notes, out, now=NOW, schedule=Schedule(NOW, ZoneInfo("UTC"), 4))
    with zipfile.ZipFile(out) as archive:
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        return dict(connection.execute(
            "SELECT n.guid, c.data FROM cards c JOIN notes n ON n.id = c.nid").fetchall())
    finally:
        connection.close()


def test_only_fsrs_decks_export_memory_states(
    db: Session, user_id: int, tmp_path: Path
) -> None:
    fsrs_deck = make_deck(db, user_id, "uses fsrs", scheduler="fsrs", desired_retention=0.93)
    sm2_deck = make_deck(db, user_id, "uses sm2")
    on_fsrs = make_card(db, user_id, "On FSRS?", deck=fsrs_deck, key="manual:f")
    on_sm2 = make_card(db, user_id, "On SM-2?", deck=sm2_deck, key="manual:s",
                       stability=3.0, difficulty=5.0)  # a stale state from an earlier switch
    for card in (on_fsrs, on_sm2):
        record_answer(db, card, 4, NOW - timedelta(days=3))
        db.flush()
    record_answer(db, on_fsrs, 4, NOW - timedelta(days=3, minutes=-10))
    db.commit()
    data = _package_data(db, user_id, tmp_path)
    memory = json.loads(data[note_guid("manual:f")])
    assert memory["s"] == round(on_fsrs.stability or 0, 2) and memory["dr"] == 0.93
    assert memory["decay"] == round(fsrs_scheduler.DEFAULT_PARAMETERS[-1], 3)
    assert data[note_guid("manual:s")] == ""
