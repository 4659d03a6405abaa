"""Importing Anki packages into a user's collection: cards, decks, history, identity."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cards.display import card_sides
from app.cards.store import delete_cards
from app.db import utcnow
from app.export import ExportOptions, load_export_notes
from app.models import Card, Deck, ImportJob, Media, Review, Tag, card_tags
from app.notes import anki_upload
from app.notes.anki import AnkiImportError, AnkiReport, import_anki_package
from cards.anki import Schedule, export_package
from tests.anki_builder import anki_collection, build_sample, open_collection
from tests.conftest import make_user

LIMITS: dict[str, Any] = {"max_bytes": 10**8, "max_files": 1000}


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")


def run_import(db: Session, user_id: int, path: Path, **kwargs: Any) -> AnkiReport:
    return import_anki_package(db, user_id, path, **LIMITS, **kwargs)


def cards_of(db: Session, user_id: int) -> list[Card]:
    return list(db.scalars(select(Card).where(Card.user_id == user_id).order_by(Card.id)))


def count(db: Session, model: Any, user_id: int) -> int:
    return db.scalar(select(func.count()).select_from(model).where(model.user_id == user_id)) or 0


@pytest.mark.parametrize("legacy", [False, True])
def test_a_package_comes_in_with_its_history(
    app: Flask, db: Session, tmp_path: Path, legacy: bool
) -> None:
    user_id = make_user(app, "ada", timezone="UTC")
    sample = build_sample(tmp_path, legacy=legacy)
    report = run_import(db, user_id, sample.path)

    assert report.notes == report.package_notes == 6
    assert report.cards["new"] == 9
    assert report.reviews == sample.answers
    assert report.media == 1
    assert report.decks == 3  # Lang, Lang::French, Geo
    assert report.other_types == {"Vocab (custom)": 1}
    assert ("x", "not an image wengu shows (png, jpeg, gif, webp)") in report.skipped
    cards = cards_of(db, user_id)
    assert len(cards) == 9
    assert count(db, Review, user_id) == sample.answers
    decks = set(db.scalars(select(Deck.name).where(Deck.user_id == user_id)))
    assert {"Lang", "Lang::French", "Geo"} <= decks

    by_key = {card.key: card for card in cards}
    basic = by_key[f"anki:{sample.guids['basic']}"]
    assert basic.kind == "basic" and basic.deck.name == "Lang::French"
    assert int(basic.created_at.timestamp() * 1000) == sample.card_ids["basic0"]
    assert basic.interval_days >= 1 and basic.due is not None and basic.reps >= 1
    assert sorted(tag.name for tag in basic.tags) == ["animals::pets", "french"]
    with app.test_request_context():
        front, back = card_sides(basic)
    assert "<script" not in front and "onerror" not in front
    assert "/media/" in back  # the image is stored and shown
    assert by_key[f"anki:{sample.guids['plain']}"].suspended
    assert by_key[f"anki:{sample.guids['buried']}"].buried_until is not None
    flagged = by_key[f"anki:{sample.guids['reversed']}:r"]
    assert sorted(tag.name for tag in flagged.tags) == ["flag::red", "french"]
    assert flagged.front == "dog" and flagged.back == "chien"
    lapsed = by_key[f"anki:{sample.guids['reversed']}"]
    assert lapsed.lapses == 1
    clozes = [by_key[f"anki:{sample.guids['cloze']}:c{n}"] for n in (1, 2)]
    assert [c.kind for c in clozes] == ["cloze", "cloze"]

    reviews = list(db.scalars(select(Review).where(Review.card_id == basic.id)
                              .order_by(Review.reviewed_at)))
    assert [r.grade for r in reviews] == [4, 4, 5]
    assert reviews[0].due_before is None
    assert reviews[-1].interval_after == basic.interval_days


def test_new_cards_keep_ankis_order(app: Flask, db: Session, tmp_path: Path) -> None:
    import sqlite3

    user_id = make_user(app, "ada")
    sample = build_sample(tmp_path, legacy=True)
    run_import(db, user_id, sample.path)
    connection = sqlite3.connect(tmp_path / "anki" / "collection.anki2")
    positions = {guid: pos for guid, pos in connection.execute(
        "SELECT n.guid, min(c.due) FROM cards c JOIN notes n ON n.id = c.nid"
        " WHERE c.type = 0 AND c.queue >= 0 GROUP BY n.guid")}
    connection.close()
    new = [card.note_key.removeprefix("anki:") for card in cards_of(db, user_id)
           if card.due is None and not card.suspended and card.buried_until is None]
    order = [positions[guid] for guid in dict.fromkeys(new)]
    assert len(order) >= 3
    assert order == sorted(order)


def test_importing_again_changes_nothing_and_keeps_local_history(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    user_id = make_user(app, "ada")
    sample = build_sample(tmp_path, legacy=False)
    run_import(db, user_id, sample.path)
    ids = [card.id for card in cards_of(db, user_id)]
    first = cards_of(db, user_id)[0]
    db.add(Review(user_id=user_id, card_id=first.id, grade=4, reviewed_at=utcnow(),
                  reps_before=0, ef_before=250, interval_before=0, due_before=None,
                  lapses_before=0, reps_after=1, ef_after=250, interval_after=1,
                  due_after=utcnow() + timedelta(days=1), lapses_after=0))
    db.commit()
    reviews = count(db, Review, user_id)

    report = run_import(db, user_id, sample.path)
    assert report.cards["new"] == 0
    assert report.reviews == 0 and report.reviews_present == sample.answers
    assert [card.id for card in cards_of(db, user_id)] == ids
    assert count(db, Review, user_id) == reviews
    assert count(db, Media, user_id) == 1
    links = db.scalar(select(func.count()).select_from(card_tags)) or 0
    run_import(db, user_id, sample.path)
    assert db.scalar(select(func.count()).select_from(card_tags)) == links
    assert count(db, Tag, user_id) == len(set(db.scalars(select(Tag.name))))


def test_a_thrown_away_card_stays_away(app: Flask, db: Session, tmp_path: Path) -> None:
    user_id = make_user(app, "ada")
    sample = build_sample(tmp_path, legacy=False)
    run_import(db, user_id, sample.path)
    target = db.scalar(select(Card).where(Card.key == f"anki:{sample.guids['plain']}"))
    assert target is not None
    delete_cards(db, [target], utcnow())
    db.commit()
    report = run_import(db, user_id, sample.path)
    assert report.cards["tombstoned"] == 1
    assert len(cards_of(db, user_id)) == 9
    db.refresh(target)
    assert target.deleted_at is not None


def test_a_bad_package_changes_nothing(app: Flask, db: Session, tmp_path: Path) -> None:
    user_id = make_user(app, "ada")
    bad = tmp_path / "bad.apkg"
    bad.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(AnkiImportError):
        run_import(db, user_id, bad)
    assert count(db, Card, user_id) == 0
    assert count(db, Deck, user_id) == 0


def test_round_trip_through_anki_keeps_identity(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    """wengu → Anki (answered there) → wengu: the same cards, the answer added."""
    user_id = make_user(app, "ada", timezone="UTC")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "geo.md").write_text(
        "# Geography\n\n## What is the capital of France?\n\nParis\n\n"
        "Rome is the capital of ==Italy==.\n", encoding="utf-8")
    from app.notes.importer import import_notes, read_paths

    files, roots, load = read_paths([notes])
    import_notes(db, user_id, files, roots=roots, load_asset=load)
    before = {card.key: card.id for card in cards_of(db, user_id)}
    assert before

    exported = tmp_path / "wengu.apkg"
    buffer = io.BytesIO()
    export_package(load_export_notes(db, user_id, None, ExportOptions()), buffer, now=utcnow(),
                   schedule=Schedule(created=utcnow(), tz=__import__("zoneinfo").ZoneInfo("UTC")))
    exported.write_bytes(buffer.getvalue())

    col = open_collection(tmp_path / "anki2" / "collection.anki2")
    try:
        col.import_anki_package(anki_collection.ImportAnkiPackageRequest(
            package_path=str(exported),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True)))
        card_id = col.find_cards("")[0]
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, 3)
        back = tmp_path / "back.apkg"
        col.export_anki_package(
            out_path=str(back),
            options=anki_collection.ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, with_media=True, legacy=False),
            limit=None)
    finally:
        col.close()

    report = run_import(db, user_id, back)
    assert report.cards["new"] == 0
    assert report.reviews == 1
    after = {card.key: card.id for card in cards_of(db, user_id)}
    assert after == before
    answered = db.scalar(select(func.count()).select_from(Review)
                         .where(Review.user_id == user_id))
    assert answered == 1


def test_cli_imports_a_package(cli: Any, app: Flask, tmp_path: Path) -> None:
    sample = build_sample(tmp_path, legacy=True)
    assert cli("user", "create", "ada", input="pw-long-enough\npw-long-enough\n").exit_code == 0
    result = cli("import", str(sample.path), "--user", "ada", "--deck", "Anki")
    assert result.exit_code == 0, result.output
    assert "9 new" in result.output
    assert f"reviews: {sample.answers} imported" in result.output
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        names = set(session.scalars(select(Deck.name)))
        session.close()
    assert "Anki::Lang::French" in names


def test_upload_page_imports_a_package(
    client: FlaskClient, user_id: int, db: Session, tmp_path: Path
) -> None:
    sample = build_sample(tmp_path, legacy=False)
    response = client.post("/import/", data={
        "files": (io.BytesIO(sample.path.read_bytes()), "my deck.apkg"), "deck": "",
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    job = db.scalar(select(ImportJob).order_by(ImportJob.id.desc()))
    assert job is not None and job.status == "done", job and job.error
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vocab (custom)" in page
    assert count(db, Card, user_id) == 9


def test_a_large_package_imports_in_the_background(
    app: Flask, client: FlaskClient, user_id: int, db: Session, tmp_path: Path
) -> None:
    app.config["ANKI_BACKGROUND_BYTES"] = 0
    sample = build_sample(tmp_path, legacy=True)
    response = client.post("/import/", data={
        "files": (io.BytesIO(sample.path.read_bytes()), "collection.apkg"), "deck": "From Anki",
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    job = db.scalar(select(ImportJob).order_by(ImportJob.id.desc()))
    assert job is not None
    app.extensions["wengu.import_threads"][job.id].join(timeout=60)
    db.refresh(job)
    assert job.status == "done"
    assert job.done_files == job.total_files == 6
    assert count(db, Review, user_id) == sample.answers
    assert "From Anki::Geo" in set(db.scalars(select(Deck.name)))
    status = client.get(f"/import/{job.id}/status").get_json()
    assert status["finished"] is True


def test_an_unreadable_upload_says_why(client: FlaskClient, user_id: int, db: Session) -> None:
    response = client.post("/import/", data={
        "files": (io.BytesIO(b"not a zip at all"), "deck.apkg"),
    }, content_type="multipart/form-data")
    job = db.scalar(select(ImportJob).order_by(ImportJob.id.desc()))
    assert job is not None and job.status == "failed"
    assert "not a zip" in (job.error or "")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not a zip" in page
    assert count(db, Card, user_id) == 0


def test_round_trip_keeps_wengu_history_and_state(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    """Answered in wengu, through Anki untouched, back: no review twice, the state as it was."""
    from zoneinfo import ZoneInfo

    from app.notes.importer import import_notes, read_paths
    from cards.sm2 import State, review

    user_id = make_user(app, "ada", timezone="UTC")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "geo.md").write_text("## What is the capital of France?\n\nParis\n", encoding="utf-8")
    files, roots, load = read_paths([notes])
    import_notes(db, user_id, files, roots=roots, load_asset=load)
    card = cards_of(db, user_id)[0]
    answered_at = utcnow() - timedelta(days=3)
    after, _log = review(State(), 4, answered_at)
    db.add(Review(user_id=user_id, card_id=card.id, grade=4, reviewed_at=answered_at,
                  duration_ms=4000, reps_before=0, ef_before=250, interval_before=0,
                  due_before=None, lapses_before=0, reps_after=after.reps, ef_after=after.ef,
                  interval_after=after.interval, due_after=after.due, lapses_after=0))
    card.reps, card.ef, card.interval_days = after.reps, after.ef, after.interval
    card.due, card.last_reviewed_at = after.due, answered_at
    db.commit()
    due = card.due

    exported = tmp_path / "wengu.apkg"
    buffer = io.BytesIO()
    export_package(load_export_notes(db, user_id, None, ExportOptions()), buffer, now=utcnow(),
                   schedule=Schedule(created=utcnow(), tz=ZoneInfo("UTC")))
    exported.write_bytes(buffer.getvalue())
    col = open_collection(tmp_path / "anki3" / "collection.anki2")
    try:
        col.import_anki_package(anki_collection.ImportAnkiPackageRequest(
            package_path=str(exported),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True)))
        back = tmp_path / "back.colpkg"
        col.export_collection_package(str(back), include_media=True, legacy=True)
    finally:
        col.close()

    report = run_import(db, user_id, back)
    assert report.cards == {"new": 0, "updated": 0, "unchanged": 1, "conflicts": 0,
                            "tombstoned": 0}
    assert (report.reviews, report.reviews_present) == (0, 1)
    db.refresh(card)
    assert card.due == due and card.interval_days == after.interval


def test_a_newer_export_updates_text_and_keeps_wengu_edits(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    user_id = make_user(app, "ada")
    sample = build_sample(tmp_path, legacy=False)
    run_import(db, user_id, sample.path)
    edited = db.scalar(select(Card).where(Card.key == f"anki:{sample.guids['buried']}"))
    assert edited is not None
    edited.front, edited.edited = "Capital of Peru (my words)?", True
    db.commit()

    col = open_collection(tmp_path / "anki" / "collection.anki2")
    try:
        for name, back in (("plain", "<b>Tōkyō</b>"), ("buried", "Lima, on the coast")):
            note = col.get_note(col.db.scalar(
                "SELECT id FROM notes WHERE guid = ?", sample.guids[name]))
            note["Back"] = back
            col.update_note(note)
            col.db.execute("UPDATE notes SET mod = mod + 100 WHERE id = ?", note.id)
        newer = tmp_path / "newer.apkg"
        col.export_anki_package(
            out_path=str(newer),
            options=anki_collection.ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, with_media=True, legacy=False),
            limit=None)
    finally:
        col.close()

    report = run_import(db, user_id, newer)
    assert report.cards["new"] == 0
    assert report.cards["conflicts"] == 1
    plain = db.scalar(select(Card).where(Card.key == f"anki:{sample.guids['plain']}"))
    assert plain is not None and plain.back == "**Tōkyō**"
    db.refresh(edited)
    assert edited.front == "Capital of Peru (my words)?" and edited.back == "Lima"


def test_two_notes_with_one_guid_come_in_once(app: Flask, db: Session, tmp_path: Path) -> None:
    import sqlite3
    import zipfile

    user_id = make_user(app, "ada")
    sample = build_sample(tmp_path, legacy=True)
    with zipfile.ZipFile(sample.path) as archive:
        (tmp_path / "c.anki21").write_bytes(archive.read("collection.anki21"))
        media = archive.read("media")
    connection = sqlite3.connect(tmp_path / "c.anki21")
    connection.execute("UPDATE notes SET guid = ? WHERE guid = ?",
                       (sample.guids["plain"], sample.guids["buried"]))
    connection.commit()
    connection.close()
    doubled = tmp_path / "doubled.apkg"
    with zipfile.ZipFile(doubled, "w") as archive:
        archive.write(tmp_path / "c.anki21", "collection.anki21")
        archive.writestr("media", media)
    report = run_import(db, user_id, doubled)
    assert report.cards["new"] == 8
    assert any("same GUID" in reason for _what, reason in report.skipped)


def test_cli_says_why_a_package_is_refused(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.colpkg"
    bad.write_bytes(b"garbage")
    assert cli("user", "create", "ada", input="pw-long-enough\npw-long-enough\n").exit_code == 0
    result = cli("import", str(bad), "--user", "ada")
    assert result.exit_code == 1
    assert "not imported: not a zip file" in result.output
    notes = tmp_path / "n.md"
    notes.write_text("# x\n", encoding="utf-8")
    mixed = cli("import", str(bad), str(notes), "--user", "ada")
    assert mixed.exit_code == 2
    assert "separately" in mixed.output


def test_imported_history_is_in_the_statistics_at_once(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    from app.models import User
    from app.stats import rollup
    from app.stats.days import clock_for

    user_id = make_user(app, "ada", timezone="UTC")
    sample = build_sample(tmp_path, legacy=False)
    run_import(db, user_id, sample.path)
    db.commit()
    user = db.get_one(User, user_id)
    counted = rollup.read(db, user_id, clock_for(user), None, None)
    assert counted is not None  # the rollup is current: no rebuild needed
    assert sum(counted.per_day.values()) == sample.answers
    rollup.rebuild(db, user, utcnow())  # counting the history again finds the same
    rebuilt = rollup.read(db, user_id, clock_for(user), None, None)
    assert rebuilt is not None and rebuilt.per_day == counted.per_day
    db.rollback()


def test_a_second_import_waits_for_a_running_anki_import(
    cli: Any, app: Flask, client: FlaskClient, user_id: int, db: Session, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ``cli`` first: it empties the database, before ``user_id`` fills it.
    started, release = threading.Event(), threading.Event()

    def slow_import(*args: Any, **kwargs: Any) -> AnkiReport:
        started.set()
        assert release.wait(timeout=60)
        return import_anki_package(*args, **kwargs)

    monkeypatch.setattr(anki_upload, "import_anki_package", slow_import)
    app.config["ANKI_BACKGROUND_BYTES"] = 0
    sample = build_sample(tmp_path, legacy=True)
    data = sample.path.read_bytes()
    first = client.post("/import/", data={"files": (io.BytesIO(data), "a.apkg")},
                        content_type="multipart/form-data")
    assert first.status_code == 302
    running = db.scalar(select(ImportJob).order_by(ImportJob.id.desc()))
    assert running is not None
    assert started.wait(timeout=60)
    try:
        # Another package, or notes, for the same user: refused, saying why, nothing kept.
        for name, body in (("b.apkg", data), ("notes.md", b"# Disks\n\nA disk spins.\n")):
            refused = client.post("/import/", data={"files": (io.BytesIO(body), name)},
                                  content_type="multipart/form-data")
            assert refused.status_code == 409
            text = refused.get_data(as_text=True)
            assert "still running" in text and f'/import/{running.id}"' in text
        # So is the command line.
        result = cli("import", str(sample.path), "--user", "ada")
        assert result.exit_code != 0
        assert f"still running (job {running.id})" in result.output
        assert db.scalar(select(func.count()).select_from(ImportJob)) == 1
        assert count(db, Card, user_id) == 0
    finally:
        release.set()
        app.extensions["wengu.import_threads"][running.id].join(timeout=60)
    db.refresh(running)
    assert running.status == "done" and running.active_user_id is None
    assert count(db, Card, user_id) == 9
