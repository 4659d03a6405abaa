"""The export page, the .apkg download and ``wengu export``, read back by the real Anki."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.cards.store import CardInput, create_cards
from app.export import package_file_name
from app.models import Card, Media, NoteSource, Review, Tag, Tombstone
from app.review.store import Written, undo_answer, write_answer
from cards.anki.naming import note_guid
from tests.conftest import make_user
from tests.factories import make_card, make_deck
from tests.test_anki_import import import_package, note_by_guid, open_collection, queued_reviews


def download(client: FlaskClient, tmp_path: Path, name: str = "out.apkg", **args: Any) -> Path:
    response = client.get("/export/download", query_string=args)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/apkg"
    assert response.content_length == len(response.get_data())
    path = tmp_path / name
    path.write_bytes(response.get_data())
    return path


def imported(tmp_path: Path, *packages: Path, with_scheduling: bool = False) -> Any:
    col = open_collection(tmp_path / "anki" / "collection.anki2")
    for package in packages:
        import_package(col, package, with_scheduling=with_scheduling)
    return col


def fronts(col: Any) -> set[str]:
    return {re.sub(r"<[^>]+>", "", col.get_note(n).fields[0]) for n in col.find_notes("")}


@pytest.fixture
def collection(db: Session, user_id: int) -> dict[str, Card]:
    """ada's decks: notes::kernel (with sub-deck mm) and other; cards in every state."""
    now = datetime.now(UTC)
    source = NoteSource(user_id=user_id, path="kernel/mm.md", content_hash="x")
    db.add(source)
    db.flush()
    cards = {
        "page": make_card(db, user_id, "What is a page?", "A block.", deck="notes::kernel::mm",
                          kind="question", source_id=source.id, line=7,
                          context="内存 管理 > Paging"),
        "fork": make_card(db, user_id, "What is fork?", "A copy.", deck="notes::kernel"),
        "other": make_card(db, user_id, "Elsewhere?", "Yes.", deck="other"),
        "open": make_card(db, user_id, "Needs an answer?", "", deck="notes::kernel",
                          needs_answer=True),
        "retired": make_card(db, user_id, "Retired?", "Yes.", deck="notes::kernel",
                             retired_at=now),
        "deleted": make_card(db, user_id, "Deleted?", "Yes.", deck="notes::kernel",
                             deleted_at=now),
        "tomb": make_card(db, user_id, "Tombstoned?", "Yes.", deck="notes::kernel"),
    }
    db.add(Tombstone(user_id=user_id, key=cards["tomb"].key))
    tag = Tag(user_id=user_id, name="exam prep")
    db.add(tag)
    cards["fork"].tags.append(tag)
    db.commit()
    return cards


def test_export_page_lists_decks_and_links(client: FlaskClient, collection: dict[str, Card]
                                           ) -> None:
    page = client.get("/export/").get_data(as_text=True)
    assert 'href="/export/"' in page  # in the navigation
    for deck in ("kernel", "mm", "other"):
        assert f">{deck}</td>" in page
    kernel = collection["fork"].deck_id
    assert f"/export/download?deck={kernel}&amp;scheduling=1" in page
    assert "Everything (3 cards)" in page  # page, fork, other
    assert "Include the 1 card that still needs an answer" in page


def test_export_page_needs_login(client: FlaskClient, auth: Any) -> None:
    auth.create("ada")
    response = client.get("/export/download")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_download_one_deck_tree(client: FlaskClient, tmp_path: Path,
                                collection: dict[str, Card]) -> None:
    kernel = collection["fork"].deck_id
    response = client.get("/export/download", query_string={"deck": kernel})
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "notes-kernel.apkg" in unquote(disposition)
    path = tmp_path / "k.apkg"
    path.write_bytes(response.get_data())
    col = imported(tmp_path, path)
    try:
        assert fronts(col) == {"What is a page?", "What is fork?"}
        page = note_by_guid(col, note_guid(collection["page"].note_key))
        assert page["Source"] == "kernel/mm.md:7"
        assert set(page.tags) == {"notes::kernel::mm", "内存_管理::Paging"}
        fork = note_by_guid(col, note_guid(collection["fork"].note_key))
        assert set(fork.tags) == {"notes::kernel", "exam_prep"}
        assert {d.name for d in col.decks.all_names_and_ids()} >= {
            "notes", "notes::kernel", "notes::kernel::mm"}
    finally:
        col.close()


def test_download_everything_and_unanswered_suspended(
    client: FlaskClient, tmp_path: Path, collection: dict[str, Card]
) -> None:
    response = client.get("/export/download")
    assert response.headers["Content-Disposition"] == "attachment; filename=wengu.apkg"
    path = download(client, tmp_path, unanswered=["0", "1"], scheduling=["0", "1"])
    col = imported(tmp_path, path, with_scheduling=True)
    try:
        assert fronts(col) == {
            "What is a page?", "What is fork?", "Elsewhere?", "Needs an answer?"}
        open_card = note_by_guid(col, note_guid(collection["open"].note_key)).cards()[0]
        assert open_card.queue == -1
    finally:
        col.close()


def test_someone_elses_deck_is_404_and_their_cards_never_exported(
    app: Flask, client: FlaskClient, db: Session, tmp_path: Path,
    collection: dict[str, Card],
) -> None:
    bob = make_user(app, "bob")
    theirs = make_card(db, bob, "Bob's secret?", "Yes.", deck="bob deck")
    db.commit()
    assert client.get("/export/download", query_string={"deck": theirs.deck_id}).status_code == 404
    assert client.get("/export/download", query_string={"deck": "x"}).status_code == 404
    assert "bob deck" not in client.get("/export/").get_data(as_text=True)
    col = imported(tmp_path, download(client, tmp_path))
    try:
        assert "Bob's secret?" not in fronts(col)
    finally:
        col.close()


def test_nothing_to_export_is_a_message(client: FlaskClient, db: Session, user_id: int) -> None:
    deck = make_deck(db, user_id, "empty")
    make_card(db, user_id, "Open?", "", deck=deck, needs_answer=True)
    db.commit()
    response = client.get("/export/download", query_string={"deck": deck.id},
                          follow_redirects=True)
    assert response.status_code == 200
    assert "Nothing to export there" in response.get_data(as_text=True)


def test_images_go_into_the_package(client: FlaskClient, db: Session, user_id: int,
                                    tmp_path: Path) -> None:
    source = NoteSource(user_id=user_id, path="notes/os/mm.md", content_hash="y")
    db.add(source)
    db.add(Media(user_id=user_id, name="0123456789abcdef-tlb.png",
                 original_path="notes/os/img/tlb.png", sha256="0" * 64, data=b"\x89PNG fake"))
    db.flush()
    make_card(db, user_id, "Where is the TLB? ![TLB](img/tlb.png)", "In the MMU.",
              deck="os", source_id=source.id)
    db.commit()
    col = imported(tmp_path, download(client, tmp_path))
    try:
        note = col.get_note(col.find_notes("")[0])
        assert 'src="0123456789abcdef-tlb.png"' in note["Front"]
        media = Path(col.media.dir()) / "0123456789abcdef-tlb.png"
        assert media.read_bytes() == b"\x89PNG fake"
    finally:
        col.close()


def test_reviews_in_wengu_carry_on_in_anki(
    client: FlaskClient, db: Session, user_id: int, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "UTC")  # the test user's days and Anki's days, both UTC
    now = datetime.now(UTC)
    card = make_card(db, user_id, "Three times?", "Yes.", deck="sched")
    first = now - timedelta(days=20)
    # Easy → 1 day (EF 2.60); Good → 6 days; Hard → ceil(6 × 2.60) = 16 days, EF 2.46.
    for days, grade in ((0, 5), (1, 4), (7, 3)):
        when = first + timedelta(days=days)
        write_answer(db, user_id, card.id, grade, when, when, showing=None, duration_ms=2500)
    db.flush()
    # A fourth answer, undone: neither it nor the undo reaches Anki.
    when = first + timedelta(days=8)
    slip = write_answer(db, user_id, card.id, 1, when, when, showing=None)
    assert isinstance(slip, Written)
    undo_answer(db, db.get_one(Review, slip.review_id), first + timedelta(days=8, minutes=1))
    db.commit()
    assert (card.interval_days, card.ef) == (16, 246)
    due = card.due
    assert due is not None

    col = imported(tmp_path, download(client, tmp_path, scheduling="1"), with_scheduling=True)
    try:
        anki_card = col.get_note(col.find_notes("")[0]).cards()[0]
        assert (anki_card.type, anki_card.queue, anki_card.ivl, anki_card.factor) == (
            2, 2, 16, 2460)
        assert anki_card.due - col.sched.today == (due.date() - now.date()).days == 3
        assert col.db.list("SELECT ease FROM revlog WHERE cid = ?", anki_card.id) == [4, 3, 2]
        assert queued_reviews(col, "sched") == set()
        col.crt -= 3 * 86400  # three days later in Anki
    finally:
        col.close()
    col = open_collection(tmp_path / "anki" / "collection.anki2")
    try:
        assert queued_reviews(col, "sched") == {note_guid(card.note_key)}
    finally:
        col.close()


def test_reexport_after_editing_two_cards(
    client: FlaskClient, db: Session, user_id: int, tmp_path: Path
) -> None:
    cards = [make_card(db, user_id, f"Question {i}?", f"Answer {i}.", deck="d") for i in range(5)]
    db.commit()
    first = download(client, tmp_path, "v1.apkg")
    for card in cards[1:3]:
        card.back = f"Better answer to {card.front}"
        card.modified_at = card.modified_at + timedelta(minutes=10)
    db.commit()
    second = download(client, tmp_path, "v2.apkg")
    col = open_collection(tmp_path / "anki" / "collection.anki2")
    try:
        import_package(col, first)
        log = import_package(col, second)
        assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 2, 3)
        assert (col.note_count(), col.card_count()) == (5, 5)
        for card in cards:
            back = note_by_guid(col, note_guid(card.note_key))["Back"]
            assert ("Better answer" in back) == (card in cards[1:3])
    finally:
        col.close()


def test_cli_export(app: Flask, cli: Any, db: Session, tmp_path: Path) -> None:
    ada = make_user(app, "ada")
    make_card(db, ada, "Kernel?", "Yes.", deck="notes::kernel")
    make_card(db, ada, "Other?", "Yes.", deck="other")
    db.commit()
    out = tmp_path / "out" / "kernel.apkg"
    out.parent.mkdir()
    result = cli("export", str(out), "--user", "ada", "--deck", "notes", "--no-scheduling")
    assert result.exit_code == 0, result.output
    assert "1 notes, 1 cards" in result.output
    assert [p.name for p in out.parent.iterdir()] == ["kernel.apkg"]
    col = imported(tmp_path, out)
    try:
        assert fronts(col) == {"Kernel?"}
    finally:
        col.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--user", "nobody"), "no user called 'nobody'"),
        (("--user", "ada", "--deck", "nope"), "no deck called 'nope'"),
        (("--user", "ada", "--deck", "empty"), "nothing to export"),
    ],
)
def test_cli_export_errors(app: Flask, cli: Any, db: Session, tmp_path: Path,
                           args: tuple[str, ...], message: str) -> None:
    ada = make_user(app, "ada")
    make_deck(db, ada, "empty")
    db.commit()
    out = tmp_path / "x.apkg"
    result = cli("export", str(out), *args)
    assert result.exit_code != 0
    assert message in result.output
    assert list(tmp_path.glob("*.apkg*")) == [] and list(tmp_path.glob(".x.apkg*")) == []


@pytest.mark.parametrize(
    ("deck", "expected"),
    [
        (None, "wengu.apkg"),
        ("notes::kernel", "notes-kernel.apkg"),
        ("语言::中文", "语言-中文.apkg"),
        ('a/b:c*"d"', "a_b_c_d_.apkg"),
        ("..", "wengu.apkg"),
    ],
)
def test_package_file_names(deck: str | None, expected: str) -> None:
    assert package_file_name(deck) == expected


def test_chinese_deck_name_in_the_download(client: FlaskClient, db: Session, user_id: int
                                           ) -> None:
    card = make_card(db, user_id, "北京？", "首都。", deck="语言::中文")
    db.commit()
    response = client.get("/export/download", query_string={"deck": card.deck_id})
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "语言-中文.apkg"


def test_cards_made_by_hand_become_one_note_per_sibling_group(
    app: Flask, client: FlaskClient, db: Session, user_id: int, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with app.test_request_context():
        create_cards(db, user_id, CardInput("TLB", "translation lookaside buffer", "reversed",
                                            new_deck="hand", tags="hw"), now)
        create_cards(db, user_id, CardInput("{{c1::北京}}是==中国==的首都。", "地理", "cloze",
                                            new_deck="hand"), now)
    db.commit()
    col = imported(tmp_path, download(client, tmp_path))
    try:
        assert (col.note_count(), col.card_count()) == (2, 4)
        by_type = {}
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            by_type[note.note_type()["name"]] = note
        reversed_note = by_type["wengu Basic (and reversed)"]
        assert reversed_note["Front"] == "<p>TLB</p>"
        assert sorted(c.ord for c in reversed_note.cards()) == [0, 1]
        assert "hw" in reversed_note.tags
        cloze = by_type["wengu Cloze"]
        assert cloze["Text"] == "<p>{{c1::北京}}是{{c2::中国}}的首都。</p>"
        questions = [re.sub(r"<[^>]+>", "", c.question()) for c in cloze.cards()]
        assert "[...]是中国的首都。" in questions[0]
        assert "北京是[...]的首都。" in questions[1]
    finally:
        col.close()
