"""Packages imported into a real Anki collection (the ``anki`` package's Rust backend).

The collections live in the test's temporary folder. Imports use the options
Anki's own import dialog uses: notes and note types updated only when the
incoming copy is newer, note types not merged; scheduling kept only when asked.
"""

from __future__ import annotations

import io
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.anki import ExportCard, ExportNote, ExportReview, Schedule, export_package
from cards.anki.models import BASIC_MODEL_ID, CLOZE_MODEL_ID, REVERSED_MODEL_ID
from cards.anki.naming import note_guid
from cards.anki.scheduling import review_day
from cards.render import render_markdown
from cards.sm2 import State, review

anki_collection = pytest.importorskip("anki.collection")
import_export_pb2 = pytest.importorskip("anki.import_export_pb2")

_CONDITION = import_export_pb2.ImportAnkiPackageUpdateCondition
IF_NEWER = _CONDITION.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def import_package(col: Any, path: Path, *, with_scheduling: bool = False) -> Any:
    """Import like Anki's dialog does; returns the import log."""
    request = anki_collection.ImportAnkiPackageRequest(
        package_path=str(path),
        options=anki_collection.ImportAnkiPackageOptions(
            merge_notetypes=False,
            update_notes=IF_NEWER,
            update_notetypes=IF_NEWER,
            with_scheduling=with_scheduling,
            with_deck_configs=False,
        ),
    )
    return col.import_anki_package(request).log


def note_by_guid(col: Any, guid: str) -> Any:
    """The note with ``guid`` (GUIDs hold characters Anki's search syntax treats specially)."""
    return col.get_note(col.db.scalar("SELECT id FROM notes WHERE guid = ?", guid))


def open_collection(path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    return anki_collection.Collection(str(path))


@pytest.fixture
def anki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh Anki collection, its days counted in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    col = open_collection(tmp_path / "anki" / "collection.anki2")
    yield col
    col.close()


def write(tmp_path: Path, name: str, notes: list[ExportNote], **kwargs: Any) -> Path:
    out = io.BytesIO()
    export_package(notes, out, now=kwargs.pop("now", T0 + timedelta(days=30)), **kwargs)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def card(key: str, deck: str, front: str, back: str = "", **fields: Any) -> ExportCard:
    fields.setdefault("created_at", T0)
    fields.setdefault("modified_at", T0)
    return ExportCard(key=key, deck=deck, front=front, back=back, **fields)


def sample_notes() -> list[ExportNote]:
    cloze = "{{c1::北京}}是{{c2::中国}}的首都。"
    return [
        ExportNote("q1", "basic", (card("q1", "notes::kernel::mm", "What is a **page**?",
                                        "A fixed-size block of $2^{12}$ bytes."),),
                   source="kernel/mm.md", line=4, context=("内存 管理", "Paging")),
        ExportNote("q2", "basic", (card("q2", "notes::kernel", "What is `fork()`?",
                                        "```c\npid_t fork(void);\n```"),),
                   source="kernel/proc.md", line=9, tags=("exam prep",)),
        ExportNote("d1", "reversed", (
            card("d1-0", "notes::kernel", "TLB", "translation lookaside buffer", ord=0),
            card("d1-1", "notes::kernel", "translation lookaside buffer", "TLB", ord=1),
        )),
        ExportNote("c1", "cloze", (
            card("c1-1", "语言::中文", cloze, "地理", ord=0),
            card("c1-2", "语言::中文", cloze, "地理", ord=1),
        ), context=("地理",)),
    ]


def test_real_anki_imports_notes_cards_tags_and_decks(tmp_path: Path, anki: Any) -> None:
    log = import_package(anki, write(tmp_path, "v1.apkg", sample_notes()))
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (4, 0, 0)
    assert (anki.note_count(), anki.card_count()) == (4, 6)

    names = {d.name for d in anki.decks.all_names_and_ids()}
    assert {"notes", "notes::kernel", "notes::kernel::mm", "语言", "语言::中文"} <= names
    cards_per_deck = {
        deck: len(anki.find_cards(f'"deck:{deck}" -"deck:{deck}::*"'))
        for deck in ("notes::kernel::mm", "notes::kernel", "语言::中文")
    }
    assert cards_per_deck == {"notes::kernel::mm": 1, "notes::kernel": 3, "语言::中文": 2}

    types = {nt["id"]: nt for nt in anki.models.all()}
    assert [f["name"] for f in types[BASIC_MODEL_ID]["flds"]] == [
        "Front", "Back", "Source", "Context"]
    assert [t["name"] for t in types[REVERSED_MODEL_ID]["tmpls"]] == ["Card 1", "Card 2"]
    assert [f["name"] for f in types[CLOZE_MODEL_ID]["flds"]] == [
        "Text", "Back Extra", "Source", "Context"]
    assert {types[i]["name"] for i in (BASIC_MODEL_ID, REVERSED_MODEL_ID, CLOZE_MODEL_ID)} == {
        "wengu Basic", "wengu Basic (and reversed)", "wengu Cloze"}

    assert set(anki.tags.all()) >= {
        "notes::kernel::mm", "notes::kernel", "内存_管理::Paging", "exam_prep", "语言::中文",
        "地理"}

    page = note_by_guid(anki, note_guid("q1"))
    assert page.note_type()["name"] == "wengu Basic"
    assert page["Front"] == "<p>What is a <strong>page</strong>?</p>"
    assert r"\(2^{12}\)" in page["Back"]
    assert page["Source"] == "kernel/mm.md:4"
    assert page["Context"] == "内存 管理 &gt; Paging"
    assert sorted(page.tags) == sorted(["notes::kernel::mm", "内存_管理::Paging"])

    fork = note_by_guid(anki, note_guid("q2"))
    assert '<span class="hl-kt">pid_t</span>' in fork["Back"]

    cloze = note_by_guid(anki, note_guid("c1"))
    questions = [re.sub(r"<[^>]+>", "", c.question()) for c in cloze.cards()]
    assert any("[...]是中国的首都" in q for q in questions)
    assert any("北京是[...]的首都" in q for q in questions)


def test_raw_html_stays_escaped_in_anki(tmp_path: Path, anki: Any) -> None:
    note = ExportNote("x", "basic", (card("x", "Deck", "<script>alert(1)</script> <b>b</b>",
                                         "<img src=x onerror=alert(2)>"),))
    import_package(anki, write(tmp_path, "x.apkg", [note]))
    stored = anki.get_note(anki.find_notes("")[0])
    assert "<script" not in stored["Front"] and "&lt;script&gt;" in stored["Front"]
    assert "<img" not in stored["Back"]
    rendered = stored.cards()[0].answer()
    assert "<script>alert(1)" not in rendered and "onerror=alert(2)>" not in rendered


def test_second_export_updates_exactly_the_edited_notes(tmp_path: Path, anki: Any) -> None:
    first = sample_notes()
    import_package(anki, write(tmp_path, "v1.apkg", first))
    ids_before = sorted(anki.find_cards(""))

    edited_at = T0 + timedelta(days=2, minutes=5)
    second = list(first)
    second[0] = ExportNote("q1", "basic", (card("q1", "notes::kernel::mm", "What is a page?",
                                                "A 4 KiB block.", modified_at=edited_at),),
                           source="kernel/mm.md", line=4, context=("内存 管理", "Paging"))
    cloze = "{{c1::北京}}是{{c2::中华人民共和国}}的首都。"
    second[3] = ExportNote("c1", "cloze", (
        card("c1-1", "语言::中文", cloze, "地理", ord=0, modified_at=edited_at),
        card("c1-2", "语言::中文", cloze, "地理", ord=1, modified_at=edited_at),
    ), context=("地理",))
    log = import_package(anki, write(tmp_path, "v2.apkg", second, now=T0 + timedelta(days=31)))

    assert len(log.new) == 0
    assert len(log.updated) == 2
    assert len(log.duplicate) == 2
    assert len(log.conflicting) == 0
    assert (anki.note_count(), anki.card_count()) == (4, 6)
    assert sorted(anki.find_cards("")) == ids_before
    assert len(anki.models.all()) == len({nt["name"] for nt in anki.models.all()})
    page = note_by_guid(anki, note_guid("q1"))
    assert page["Back"] == "<p>A 4 KiB block.</p>"
    assert page.mod == int(edited_at.timestamp())
    capital = note_by_guid(anki, note_guid("c1"))
    assert "中华人民共和国" in capital["Text"]
    untouched = note_by_guid(anki, note_guid("q2"))
    assert untouched.mod == int(T0.timestamp())


def test_edit_made_in_anki_after_the_card_changed_is_kept(tmp_path: Path, anki: Any) -> None:
    notes = sample_notes()
    import_package(anki, write(tmp_path, "v1.apkg", notes))
    mine = note_by_guid(anki, note_guid("q2"))
    mine["Back"] = "my own words"
    anki.update_note(mine)  # Anki stamps its own (later) modification time

    log = import_package(anki, write(tmp_path, "v2.apkg", notes, now=T0 + timedelta(days=40)))
    assert len(log.updated) == 0
    assert anki.get_note(mine.id)["Back"] == "my own words"


def reviewed_three_times(key: str, first_answer: datetime, gaps: tuple[int, int]) -> ExportNote:
    """A card answered Easy, Good, Hard through wengu's SM-2, reviews ``gaps`` days apart."""
    state = State()
    reviews = []
    moment = first_answer
    for grade, gap in zip((5, 4, 3), (0, *gaps), strict=True):
        moment += timedelta(days=gap)
        after, _log = review(state, grade, moment)
        reviews.append(ExportReview(
            moment, grade, was_new=state.is_new, interval_before=state.interval,
            interval_after=after.interval, ef_after=after.ef, lapses_before=state.lapses,
            duration_ms=3000,
        ))
        state = after
    assert state.due is not None
    return ExportNote(key, "basic", (card(
        key, "Sched", f"Question {key}?", "Answer.", reps=state.reps, ef=state.ef,
        interval_days=state.interval, due=state.due, lapses=state.lapses,
        reviews=tuple(reviews),
    ),))


def queued_reviews(col: Any, deck: str) -> set[str]:
    """The GUIDs of the notes whose cards Anki's scheduler shows today as reviews."""
    col.decks.select(col.decks.id_for_name(deck))
    queued = col.sched.get_queued_cards(fetch_limit=50).cards
    return {col.get_card(q.card.id).note().guid for q in queued if q.card.queue == 2}


def test_scheduling_carries_on_in_anki(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    now = datetime.now(UTC)
    # Easy (1 day, EF 2.60), Good (6 days, EF 2.60), Hard (ceil(6 × 2.60) = 16 days, EF 2.46).
    due_today = reviewed_three_times("today", now - timedelta(days=23), (1, 6))
    due_later = reviewed_three_times("later", now - timedelta(days=18), (1, 6))
    fresh = ExportNote("new", "basic", (card("new", "Sched", "New?", "Yes."),))
    schedule = Schedule(now, ZoneInfo("UTC"), 4)
    path = write(tmp_path, "s.apkg", [due_today, due_later, fresh], now=now, schedule=schedule)
    col_path = tmp_path / "anki" / "collection.anki2"
    col = open_collection(col_path)
    try:
        import_package(col, path, with_scheduling=True)
        today = col.sched.today
        found = {col.get_note(nid).guid: col.get_note(nid).cards()[0] for nid in col.find_notes("")}
        for key, note in (("today", due_today), ("later", due_later)):
            wengu_card = note.cards[0]
            assert wengu_card.due is not None
            expected_day = (review_day(wengu_card.due, ZoneInfo("UTC"), 4)
                            - review_day(now, ZoneInfo("UTC"), 4)).days
            anki_card = found[note_guid(key)]
            assert (anki_card.type, anki_card.queue) == (2, 2)
            assert anki_card.ivl == wengu_card.interval_days == 16
            assert anki_card.factor == wengu_card.ef * 10 == 2460
            assert anki_card.due - today == expected_day
            assert (anki_card.reps, anki_card.lapses) == (3, 0)
            log = col.db.list("SELECT ease FROM revlog WHERE cid = ? ORDER BY id", anki_card.id)
            assert log == [4, 3, 2]  # Easy, Good, Hard
        assert found[note_guid("new")].type == 0
        assert found[note_guid("later")].due - today == 5
        assert queued_reviews(col, "Sched") == {note_guid("today")}
    finally:
        col.close()

    # Let days pass in Anki: its days count from the collection's creation time.
    for days, expected in ((4, {note_guid("today")}),
                           (5, {note_guid("today"), note_guid("later")})):
        col = open_collection(col_path)
        try:
            col.crt = col.crt - days * 86400
        finally:
            col.close()
        col = open_collection(col_path)
        try:
            assert col.sched.today == today + days
            assert queued_reviews(col, "Sched") == expected
            col.crt = col.crt + days * 86400
        finally:
            col.close()


_PIECES = [*"ab 中文？<>&\"'*_`$[]()!#\\{}:\n", "<script>", "&lt;", "{{c1::", "}}", "**"]
_TEXT = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30).map("".join).filter(
    lambda s: s.strip() != ""
)


@settings(max_examples=15, deadline=None)
@given(fronts=st.lists(_TEXT, min_size=1, max_size=4), back=_TEXT)
def test_anki_stores_exactly_the_rendered_fields(fronts: list[str], back: str) -> None:
    notes = [ExportNote(f"k{i}", "basic", (card(f"k{i}", "Deck", front, back),))
             for i, front in enumerate(fronts)]
    with tempfile.TemporaryDirectory() as work:
        path = write(Path(work), "p.apkg", notes)
        col = open_collection(Path(work) / "anki" / "collection.anki2")
        try:
            log = import_package(col, path)
            assert len(log.new) == len(notes)
            for i, front in enumerate(fronts):
                stored = note_by_guid(col, note_guid(f"k{i}"))
                expected = render_markdown(front, math="anki").rstrip("\n")
                assert stored["Front"] == unicodedata.normalize("NFC", expected)
                assert "<script" not in stored["Front"] and "<script" not in stored["Back"]
        finally:
            col.close()
