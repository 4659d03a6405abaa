"""Importing notes again and again: identity, retirement, tombstones, conflicts, no-op runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

import app.notes.importer as importer
from app.cards.store import delete_cards
from app.models import Card, Deck, Media, NoteSource, Review, Tombstone, User
from app.notes.importer import ImportReport, NoteFile, deck_for_path, import_notes

MEMORY = """# Memory

## What is a page table?

A map from virtual pages to physical frames.

## Why do we need a TLB?

Walking the page table on every access is slow.

Q: What does the MMU do on a miss?
A: It walks the page table.
"""

DISKS = """# Disks

Q: How do I grow a qcow2 image?
A: qemu-img resize disk.qcow2 +10G
"""

DUE = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def ada(db: Session) -> int:
    user = User(name="ada", password_hash="x")
    db.add(user)
    db.commit()
    return user.id


def run(db: Session, user_id: int, notes: dict[str, str], **kwargs: Any) -> ImportReport:
    files = [NoteFile(path, text.encode()) for path, text in notes.items()]
    kwargs.setdefault("roots", ["notes"])
    report = import_notes(db, user_id, files, **kwargs)
    db.expire_all()
    return report


def cards(db: Session, user_id: int, *, live: bool = True) -> dict[str, Card]:
    query = select(Card).where(Card.user_id == user_id)
    if live:
        query = query.where(Card.retired_at.is_(None), Card.deleted_at.is_(None))
    return {card.front: card for card in db.scalars(query)}


def review(db: Session, card: Card) -> None:
    """A reviewed card: some scheduling and one review row."""
    db.add(Review(
        user_id=card.user_id, card_id=card.id, grade=4,
        reviewed_at=datetime(2029, 12, 1, tzinfo=UTC),
        reps_before=0, ef_before=250, interval_before=0, due_before=None, lapses_before=0,
        reps_after=1, ef_after=250, interval_after=3, due_after=DUE, lapses_after=0,
    ))
    card.reps, card.interval_days, card.due = 1, 3, DUE
    db.commit()


@contextmanager
def writes(db: Session) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements run on the database meanwhile."""
    seen: list[str] = []
    engine = db.get_bind()

    def listen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


@pytest.mark.parametrize(
    ("path", "deck"),
    [
        ("notes/kernel/mm/x.md", "notes::kernel::mm"),
        ("notes/x.md", "notes"),
        ("x.md", "Default"),
    ],
)
def test_deck_follows_the_folders(path: str, deck: str) -> None:
    assert deck_for_path(path) == deck


def test_first_import_makes_cards_in_nested_decks(db: Session, ada: int) -> None:
    report = run(db, ada, {"notes/kernel/mm.md": MEMORY, "notes/disks.md": DISKS})
    assert report.files_read == 2 and not report.files_failed
    live = cards(db, ada)
    assert {"What is a page table?", "What does the MMU do on a miss?",
            "How do I grow a qcow2 image?"} <= set(live)
    assert report.counts["new"] == len(live)
    page = live["What is a page table?"]
    assert page.deck.name == "notes::kernel"
    assert page.deck.parent is not None and page.deck.parent.name == "notes"
    assert live["How do I grow a qcow2 image?"].deck.name == "notes"
    assert page.context == "Memory > What is a page table?"
    assert page.source is not None and page.source.content == MEMORY
    assert page.back.startswith("A map from virtual pages")


def test_unchanged_reimport_writes_nothing(db: Session, ada: int) -> None:
    notes = {"notes/kernel/mm.md": MEMORY, "notes/disks.md": DISKS}
    run(db, ada, notes)
    with writes(db) as seen:
        report = run(db, ada, notes)
    assert seen == []
    assert report.files_skipped == 2 and report.files_read == 0
    assert report.counts["new"] == report.counts["retired"] == 0


def test_answer_change_updates_in_place_and_keeps_scheduling(db: Session, ada: int) -> None:
    run(db, ada, {"notes/mm.md": MEMORY})
    card = cards(db, ada)["What is a page table?"]
    review(db, card)
    before_id, before_modified = card.id, card.modified_at
    edited = MEMORY.replace("A map from virtual pages", "A per-process map from virtual pages")
    report = run(db, ada, {"notes/mm.md": edited})
    card = cards(db, ada)["What is a page table?"]
    assert card.id == before_id
    assert card.back.startswith("A per-process map")
    assert (card.reps, card.interval_days, card.due) == (1, 3, DUE)
    assert card.modified_at > before_modified
    assert report.counts["updated"] == 1 and report.counts["new"] == 0
    assert report.counts["unchanged"] >= 1


def test_slight_rewording_keeps_the_card_and_its_history(db: Session, ada: int) -> None:
    run(db, ada, {"notes/mm.md": MEMORY})
    card = cards(db, ada)["What is a page table?"]
    review(db, card)
    old_id, old_key = card.id, card.key
    report = run(db, ada, {"notes/mm.md": MEMORY.replace("What is a page table?",
                                                         "What is a page table used for?")})
    live = cards(db, ada)
    card = live["What is a page table used for?"]
    assert card.id == old_id and card.key != old_key
    assert "What is a page table?" not in live
    assert db.scalar(select(func.count()).select_from(Review).where(Review.card_id == old_id)) == 1
    assert card.due == DUE
    assert report.counts["retired"] == 0 and report.counts["new"] == 0


def test_heavy_rewording_makes_a_new_card_and_retires_the_old(db: Session, ada: int) -> None:
    run(db, ada, {"notes/mm.md": MEMORY})
    old = cards(db, ada)["What is a page table?"]
    review(db, old)
    report = run(db, ada, {"notes/mm.md": MEMORY.replace(
        "What is a page table?", "How are virtual addresses translated?")})
    live = cards(db, ada)
    assert live["How are virtual addresses translated?"].id != old.id
    retired = db.get(Card, old.id)
    assert retired is not None and retired.retired_at is not None
    assert db.scalar(select(func.count()).select_from(Review).where(Review.card_id == old.id)) == 1
    assert report.counts["new"] == 1 and report.counts["retired"] == 1


def test_card_removed_from_the_note_is_retired_then_restored(db: Session, ada: int) -> None:
    sparse_q = "\nQ: What is a sparse file?\nA: Holes cost nothing.\n"
    run(db, ada, {"notes/disks.md": DISKS + sparse_q})
    sparse = cards(db, ada)["What is a sparse file?"]
    review(db, sparse)
    report = run(db, ada, {"notes/disks.md": DISKS})
    assert "What is a sparse file?" not in cards(db, ada)
    assert report.counts["retired"] == 1
    assert report.examples["retired"][0].front == "What is a sparse file?"
    report = run(db, ada, {"notes/disks.md": DISKS + "\nQ: What is a sparse file?\nA: Holes.\n"})
    card = cards(db, ada)["What is a sparse file?"]
    assert card.id == sparse.id and card.due == DUE
    assert report.counts["restored"] == 1


def test_deleted_file_retires_its_cards_and_marks_the_source(db: Session, ada: int) -> None:
    run(db, ada, {"notes/mm.md": MEMORY, "notes/disks.md": DISKS})
    qcow = cards(db, ada)["How do I grow a qcow2 image?"]
    report = run(db, ada, {"notes/mm.md": MEMORY})
    assert report.files_missing == ["notes/disks.md"]
    card = db.get(Card, qcow.id)
    assert card is not None and card.retired_at is not None
    source = db.scalar(select(NoteSource).where(NoteSource.path == "notes/disks.md"))
    assert source is not None and source.missing_since is not None
    # Importing a single other file is no statement about the folder: nothing more retires.
    run(db, ada, {"notes/mm.md": MEMORY}, roots=[])
    # The file comes back: its cards come back.
    report = run(db, ada, {"notes/mm.md": MEMORY, "notes/disks.md": DISKS})
    assert cards(db, ada)["How do I grow a qcow2 image?"].id == qcow.id
    assert report.counts["restored"] == 1
    db.refresh(source)
    assert source.missing_since is None


def test_moved_file_keeps_its_cards(db: Session, ada: int) -> None:
    run(db, ada, {"notes/disks.md": DISKS})
    card = cards(db, ada)["How do I grow a qcow2 image?"]
    review(db, card)
    report = run(db, ada, {"notes/storage/disks.md": DISKS})
    moved = cards(db, ada)["How do I grow a qcow2 image?"]
    assert moved.id == card.id and moved.due == DUE
    assert moved.source is not None and moved.source.path == "notes/storage/disks.md"
    assert moved.deck.name == "notes::storage"
    assert moved.key == importer.card_specs(
        importer.extract_note(DISKS, "notes/storage/disks.md")[0])[0].key
    assert report.files_moved == 1 and report.counts["retired"] == 0 and report.counts["new"] == 0
    assert db.scalar(select(func.count()).select_from(NoteSource)) == 1


def test_tombstoned_card_never_comes_back(db: Session, ada: int) -> None:
    run(db, ada, {"notes/disks.md": DISKS})
    card = cards(db, ada)["How do I grow a qcow2 image?"]
    card.deleted_at = datetime(2029, 1, 1, tzinfo=UTC)
    db.add(Tombstone(user_id=ada, key=card.key, front=card.front))
    db.commit()
    # Changing the file forces a parse; the key is still thrown away.
    report = run(db, ada, {"notes/disks.md": DISKS + "\nmore text\n"})
    assert "How do I grow a qcow2 image?" not in cards(db, ada)
    assert report.counts["tombstoned"] == 1 and report.counts["new"] == 0
    # Even as a fresh card row elsewhere: the tombstone is by key.
    db.delete(db.get(Card, card.id))
    db.commit()
    run(db, ada, {"notes/disks.md": DISKS})
    assert db.scalar(select(func.count()).select_from(Card).where(Card.key == card.key)) == 0


def test_hand_edit_wins_and_is_reported(db: Session, ada: int) -> None:
    run(db, ada, {"notes/disks.md": DISKS})
    card = cards(db, ada)["How do I grow a qcow2 image?"]
    card.back, card.edited = "Use qemu-img resize (my words).", True
    db.commit()
    report = run(db, ada, {"notes/disks.md": DISKS.replace("+10G", "+20G")})
    card = cards(db, ada)["How do I grow a qcow2 image?"]
    assert card.back == "Use qemu-img resize (my words)."
    assert report.counts["conflicts"] == 1 and report.counts["updated"] == 0
    assert report.examples["conflicts"][0].front == "How do I grow a qcow2 image?"


def test_reversed_and_cloze_drafts_make_sibling_cards(db: Session, ada: int) -> None:
    run(db, ada, {"notes/t.md": "# T\n\nTLB ::: translation lookaside buffer\n\n"
                                "The {{c1::MMU}} walks the {{c2::page table}}.\n"})
    rows = db.scalars(select(Card).where(Card.user_id == ada).order_by(Card.key)).all()
    reversed_ = sorted((c for c in rows if c.kind == "reversed"), key=lambda c: c.ord)
    assert [(c.ord, c.front) for c in reversed_] == [
        (0, "TLB"), (1, "translation lookaside buffer")]
    assert reversed_[1].key == reversed_[0].key + ":r"
    assert reversed_[0].note_key == reversed_[1].note_key == reversed_[0].key
    clozes = sorted((c for c in rows if c.kind == "cloze"), key=lambda c: c.ord)
    assert [c.ord for c in clozes] == [0, 1]
    assert [c.key.rsplit(":", 1)[1] for c in clozes] == ["c1", "c2"]
    assert len({c.note_key for c in clozes}) == 1


def test_question_without_answer_needs_one(db: Session, ada: int) -> None:
    run(db, ada, {"notes/open.md": "# Open\n\n## Why is the sky blue?\n\n## Next\n\nText.\n"})
    card = cards(db, ada)["Why is the sky blue?"]
    assert card.needs_answer and card.back == ""


def test_a_failing_file_is_reported_and_the_rest_goes_on(
    db: Session, ada: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importer.extract_note

    def broken(text: str, path: str, **kwargs: Any) -> Any:
        if path == "notes/bad.md":
            raise ValueError("cannot read this note")
        return real(text, path, **kwargs)

    monkeypatch.setattr(importer, "extract_note", broken)
    report = run(db, ada, {"notes/bad.md": MEMORY, "notes/disks.md": DISKS})
    assert report.files_failed == [
        ("notes/bad.md", "an unexpected error (the server's log has the details)")]
    assert report.files_read == 1
    assert set(cards(db, ada)) == {"How do I grow a qcow2 image?"}
    assert db.scalar(select(NoteSource).where(NoteSource.path == "notes/bad.md")) is None


def test_interrupted_import_is_completed_by_the_next(db: Session, ada: int) -> None:
    notes = {f"notes/n{i}.md": f"# N{i}\n\nQ: What is item {i}?\nA: Number {i}.\n"
             for i in range(4)}

    def die(done: int, total: int, path: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(db, ada, notes, progress=die)
    db.rollback()
    assert len(cards(db, ada)) == 2
    report = run(db, ada, notes)
    assert report.files_skipped == 2 and report.files_read == 2
    assert sorted(cards(db, ada)) == [f"What is item {i}?" for i in range(4)]


def test_one_deck_for_everything(db: Session, ada: int) -> None:
    notes = {"notes/kernel/mm.md": MEMORY, "notes/disks.md": DISKS}
    run(db, ada, notes, deck="Systems")
    assert {card.deck.name for card in cards(db, ada).values()} == {"Systems"}
    # Without --deck, imported notes stay where they are; a new note gets its folder's deck.
    report = run(db, ada, {**notes, "notes/net/tcp.md": "Q: What is a SYN flood?\nA: Abuse.\n"})
    live = cards(db, ada)
    assert live["What is a page table?"].deck.name == "Systems"
    assert live["What is a SYN flood?"].deck.name == "notes::net"
    assert report.counts["new"] == 1 and report.files_skipped == 2
    # Asked for another deck: the cards move there, nothing new.
    report = run(db, ada, notes, deck="OS")
    assert cards(db, ada)["What is a page table?"].deck.name == "OS"
    assert report.counts["new"] == 0


def test_renamed_deck_sticks(db: Session, ada: int) -> None:
    run(db, ada, {"notes/kernel/mm.md": MEMORY})
    deck = cards(db, ada)["What is a page table?"].deck
    deck.name = "Kernel memory"
    db.commit()
    edited = MEMORY.replace("frames.", "frames (4 KiB pages).")
    with writes(db) as seen:
        run(db, ada, {"notes/kernel/mm.md": MEMORY})
    assert seen == []
    run(db, ada, {"notes/kernel/mm.md": edited})
    assert {card.deck.name for card in cards(db, ada).values()} == {"Kernel memory"}
    assert db.scalar(select(Deck).where(Deck.name == "notes::kernel")) is None


def test_cards_are_scoped_to_their_user(db: Session, ada: int) -> None:
    bob = User(name="bob", password_hash="x")
    db.add(bob)
    db.commit()
    run(db, ada, {"notes/disks.md": DISKS})
    report = run(db, bob.id, {"notes/disks.md": DISKS})
    assert report.counts["new"] == 1 and report.files_read == 1
    assert len(cards(db, bob.id)) == len(cards(db, ada)) == 1
    assert db.scalar(select(func.count()).select_from(Deck).where(Deck.user_id == bob.id)) == 1


def test_images_in_the_import_become_media(db: Session, ada: int) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    note = "# Pic\n\nQ: What does the diagram show?\nA: ![layout](img/layout.png)\n"
    assets = {"notes/img/layout.png": png}
    run(db, ada, {"notes/pic.md": note}, load_asset=assets.get)
    media = db.scalars(select(Media).where(Media.user_id == ada)).all()
    assert [(m.original_path, m.mime, m.data) for m in media] == [
        ("notes/img/layout.png", "image/png", png)]
    assert media[0].name.endswith("-layout.png")
    # Imported again after an edit: stored once.
    run(db, ada, {"notes/pic.md": note + "\n"}, load_asset=assets.get)
    assert db.scalar(select(func.count()).select_from(Media)) == 1


def test_report_round_trips_through_json(db: Session, ada: int) -> None:
    report = run(db, ada, {"notes/mm.md": MEMORY})
    again = ImportReport.from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict()
    assert again.counts["new"] == report.counts["new"] > 0


@pytest.mark.corpus
def test_real_notes_import_cleanly_and_reimport_writes_nothing(db: Session, ada: int) -> None:
    from tests.conftest import SHARED

    corpus = SHARED / "corpus" / "notes"
    if not corpus.is_dir():
        pytest.skip(f"the real-notes corpus is absent ({corpus})")
    files, _roots, load = importer.read_paths([corpus])
    sample = files[::15]
    first = import_notes(db, ada, sample, roots=[], load_asset=load)
    assert first.files_failed == []
    assert first.counts["new"] == db.scalar(select(func.count()).select_from(Card)) > 0
    with writes(db) as seen:
        again = import_notes(db, ada, sample, roots=[], load_asset=load)
    assert seen == [] and again.files_skipped == len(sample)


def test_nul_characters_do_not_fail_the_file(db: Session, ada: int) -> None:
    report = run(db, ada, {"notes/bin.md": "# Odd\n\nQ: What is\x00 this?\nA: Binary junk.\n"})
    assert report.files_failed == [] and report.files_read == 1
    source = db.scalar(select(NoteSource))
    assert source is not None and "\x00" not in source.content
    assert any("NUL" in warning for _path, warning in report.warnings)


KILLER = """
import os, signal, sys
from sqlalchemy.orm import sessionmaker
from app.db import make_engine
from app.notes.importer import NoteFile, import_notes

url, user_id, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = [NoteFile(f"notes/n{i}.md", f"Q: What is item {i}?\\nA: Number {i}.\\n".encode())
         for i in range(count)]

def die(done, total, path):
    if done == 3:
        os.kill(os.getpid(), signal.SIGKILL)

session = sessionmaker(make_engine(url))()
import_notes(session, user_id, files, roots=["notes"], progress=die)
"""


def test_killed_import_leaves_a_consistent_database(
    db: Session, ada: int, app_config: dict[str, Any]
) -> None:
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, app_config["DATABASE_URL"], str(ada), "6"],
        cwd=root, capture_output=True, timeout=120, check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    db.expire_all()
    assert len(cards(db, ada)) == 3
    assert db.scalar(select(func.count()).select_from(NoteSource)) == 3
    notes = {f"notes/n{i}.md": f"Q: What is item {i}?\nA: Number {i}.\n" for i in range(6)}
    report = run(db, ada, notes)
    assert (report.files_skipped, report.files_read) == (3, 3)
    assert sorted(cards(db, ada)) == [f"What is item {i}?" for i in range(6)]


def test_binary_file_named_like_a_note_is_reported(db: Session, ada: int) -> None:
    files = [NoteFile("notes/pic.md", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
             NoteFile("notes/disks.md", DISKS.encode())]
    report = import_notes(db, ada, files, roots=["notes"])
    assert report.files_failed == [
        ("notes/pic.md", "a binary file, not a markdown note")]
    assert report.files_read == 1


def test_unchanged_card_in_a_changed_note_is_untouched(db: Session, ada: int) -> None:
    run(db, ada, {"notes/mm.md": MEMORY})
    card = cards(db, ada)["Why do we need a TLB?"]
    review(db, card)
    columns = [column.key for column in Card.__table__.columns]
    before = {key: getattr(card, key) for key in columns}
    report = run(db, ada, {"notes/mm.md": MEMORY.replace("physical frames", "frames")})
    after = db.get(Card, card.id)
    assert after is not None
    assert {key: getattr(after, key) for key in columns} == before
    assert report.counts["updated"] == 1 and report.counts["unchanged"] == 2
    assert any(e.front == "What is a page table?" for e in report.examples["updated"])


@pytest.mark.parametrize("new_root", ["Notes", "notes (1)", "my notes"])
def test_a_renamed_folder_keeps_every_card(db: Session, ada: int, new_root: str) -> None:
    run(db, ada, {"notes/mm.md": MEMORY, "notes/disks.md": DISKS})
    before = {front: card.id for front, card in cards(db, ada).items()}
    review(db, cards(db, ada)["Why do we need a TLB?"])
    report = run(db, ada, {f"{new_root}/mm.md": MEMORY, f"{new_root}/disks.md": DISKS},
                 roots=[new_root])
    assert report.counts["new"] == 0 and report.counts["retired"] == 0
    assert report.files_skipped == 2  # the same notes, unchanged: nothing written
    assert {front: card.id for front, card in cards(db, ada).items()} == before
    assert db.scalar(select(func.count()).select_from(Review)) == 1
    assert sorted(db.scalars(select(NoteSource.path))) == ["notes/disks.md", "notes/mm.md"]
    assert sorted(db.scalars(select(Deck.name))) == ["notes"]
    # Renamed and edited: still the same notes, updated in place.
    report = run(db, ada, {f"{new_root}/mm.md": MEMORY.replace("is slow", "is very slow"),
                           f"{new_root}/disks.md": DISKS}, roots=[new_root])
    assert (report.counts["new"], report.counts["updated"], report.counts["retired"]) == (0, 1, 0)
    assert {front: card.id for front, card in cards(db, ada).items()} == before


def test_an_unrelated_new_folder_is_not_taken_for_a_renamed_one(db: Session, ada: int) -> None:
    run(db, ada, {"notes/mm.md": MEMORY})
    report = run(db, ada, {"work/disks.md": DISKS}, roots=["work"])
    assert report.counts["new"] == 1 and report.counts["retired"] == 0
    assert sorted(db.scalars(select(NoteSource.path))) == ["notes/mm.md", "work/disks.md"]


def test_a_note_moved_and_edited_in_one_import_keeps_its_cards(db: Session, ada: int) -> None:
    run(db, ada, {"notes/os/mm.md": MEMORY, "notes/disks.md": DISKS})
    before = cards(db, ada)
    review(db, before["Why do we need a TLB?"])
    thrown = before["What does the MMU do on a miss?"]
    delete_cards(db, [thrown], datetime(2029, 12, 2, tzinfo=UTC))
    db.commit()
    edited = MEMORY.replace("Walking the page table on every access is slow.",
                            "Walking the page table on each access costs memory reads.")
    edited += "\n## What is a huge page?\n\nA 2 MB page.\n"
    report = run(db, ada, {"notes/kernel/memory.md": edited, "notes/disks.md": DISKS})
    assert report.files_moved == 1 and report.files_missing == []
    assert (report.counts["new"], report.counts["retired"]) == (1, 0)
    after = cards(db, ada)
    for front in ("What is a page table?", "Why do we need a TLB?"):
        assert after[front].id == before[front].id
        assert after[front].source_id == before[front].source_id
    assert "What does the MMU do on a miss?" not in after  # thrown away stays away
    assert db.scalar(select(func.count()).select_from(Review)) == 1
    assert after["Why do we need a TLB?"].reps == 1
    source = db.scalar(select(NoteSource).where(NoteSource.id == before["Why do we need a TLB?"]
                                                .source_id))
    assert source is not None and source.path == "notes/kernel/memory.md"
    # And the next import of the same notes changes nothing.
    report = run(db, ada, {"notes/kernel/memory.md": edited, "notes/disks.md": DISKS})
    assert report.files_skipped == 2 and report.counts["new"] == 0
    assert "What does the MMU do on a miss?" not in cards(db, ada)
