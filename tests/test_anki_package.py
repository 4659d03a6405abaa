"""The Anki export core, read back with plain sqlite3 and zipfile (no app, no Anki)."""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import unicodedata
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import genanki
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.anki import (
    ExportCard,
    ExportNote,
    ExportReview,
    MediaFile,
    Schedule,
    build_collection,
    export_package,
)
from cards.anki.models import BASIC_MODEL_ID, CLOZE_MODEL_ID, REVERSED_MODEL_ID
from cards.anki.naming import deck_id, media_file_name, note_guid, note_tags, tag
from cards.anki.scheduling import anki_ease, review_day

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def basic(key: str, front: str = "Q?", back: str = "A.", **fields: object) -> ExportNote:
    card_fields = {k: v for k, v in fields.items() if k in ExportCard.__slots__}
    note_fields = {k: v for k, v in fields.items() if k not in card_fields}
    card_fields.setdefault("deck", "Deck")
    card_fields.setdefault("created_at", T0)
    card_fields.setdefault("modified_at", T0)
    card = ExportCard(key=key, front=front, back=back, **card_fields)  # type: ignore[arg-type]
    return ExportNote(note_key=key, kind="basic", cards=(card,), **note_fields)  # type: ignore[arg-type]


def package(notes: list[ExportNote], **kwargs: object) -> zipfile.ZipFile:
    out = io.BytesIO()
    export_package(notes, out, now=NOW, **kwargs)  # type: ignore[arg-type]
    out.seek(0)
    return zipfile.ZipFile(out)


def collection(archive: zipfile.ZipFile, tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "collection.anki2"
    path.write_bytes(archive.read("collection.anki2"))
    return sqlite3.connect(path)


def fields_of(db: sqlite3.Connection, guid: str) -> list[str]:
    (flds,) = db.execute("SELECT flds FROM notes WHERE guid = ?", (guid,)).fetchone()
    return str(flds).split("\x1f")


# --- identity ---------------------------------------------------------------------------


def test_guid_comes_from_the_note_key_only() -> None:
    assert note_guid("question-abc") == note_guid("question-abc")
    assert note_guid("question-abc") != note_guid("question-abd")


@given(st.text())
def test_guid_is_genankis_guid_for_the_key(key: str) -> None:
    assert note_guid(key) == genanki.guid_for("wengu", key)


def test_guid_survives_an_edit(tmp_path: Path) -> None:
    first = collection(package([basic("k1", "Old question?")]), tmp_path)
    (guid1,) = first.execute("SELECT guid FROM notes").fetchone()
    first.close()
    second = collection(package([basic("k1", "New question?")]), tmp_path)
    (guid2,) = second.execute("SELECT guid FROM notes").fetchone()
    assert guid1 == guid2 == note_guid("k1")


def test_deck_ids_are_stable_and_only_default_is_ankis_default() -> None:
    names = ["notes", "notes::kernel", "语言::中文", "", "Default::sub", "Defaults"]
    ids = [deck_id(n) for n in names]
    assert ids == [deck_id(n) for n in names]
    assert len(set(ids)) == len(ids)
    assert 1 not in ids
    assert deck_id("Default") == deck_id("default") == 1


def test_default_deck_arrives_as_ankis_one_default_deck(tmp_path: Path) -> None:
    notes = [basic("k1", deck="Default"), basic("k2", deck="Default::语法")]
    db = collection(package(notes), tmp_path)
    (decks_json,) = db.execute("SELECT decks FROM col").fetchone()
    names = sorted(d["name"] for d in json.loads(decks_json).values())
    assert names == ["Default", "Default::语法"]  # one Default, so Anki makes no Default_
    assert db.execute("SELECT did FROM cards ORDER BY id").fetchall() == [
        (1,), (deck_id("Default::语法"),)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("two words", "two_words"),
        ("虚拟化 原理", "虚拟化_原理"),
        ("全角\u3000空格", "全角_空格"),
        ('say "hi"', "say_hi_"),
        ("C++::std", "C++_std"),
        ("  trimmed ", "trimmed"),
    ],
)
def test_tag_levels(raw: str, expected: str) -> None:
    assert tag(raw) == expected


@given(st.text())
def test_tags_never_hold_whitespace(raw: str) -> None:
    assert not any(ch.isspace() for ch in tag(raw))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
                                      blacklist_characters='":\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85')))
def test_tags_drop_nothing_but_separators(raw: str) -> None:
    assert tag(raw) == unicodedata.normalize("NFC", raw).strip()


def test_note_tags_from_deck_heading_path_and_own_tags() -> None:
    tags = note_tags(["notes::kernel", "notes::kernel"], ["内存 管理", "Page tables"], ["todo x"])
    assert tags == ["notes::kernel", "内存_管理::Page_tables", "todo_x"]


def test_media_names_are_safe() -> None:
    assert media_file_name("ab12-my picture.png") == "ab12-my_picture.png"
    assert media_file_name("../x/<y>.png") == "x_y_.png"
    assert media_file_name("图 1.png") == "图_1.png"


# --- notes, fields, cards ---------------------------------------------------------------


def test_note_types_have_fixed_ids_and_fields(tmp_path: Path) -> None:
    db = collection(package([basic("k1")]), tmp_path)
    (models_json,) = db.execute("SELECT models FROM col").fetchone()
    models = json.loads(models_json)
    assert set(map(int, models)) == {BASIC_MODEL_ID}
    model = models[str(BASIC_MODEL_ID)]
    assert [f["name"] for f in model["flds"]] == ["Front", "Back", "Source", "Context"]
    assert ".nightMode" in model["css"] and "PingFang SC" in model["css"]
    assert ".wengu pre .hl-k" in model["css"]


def test_fields_are_rendered_and_escaped(tmp_path: Path) -> None:
    note = basic(
        "k1", "What does `<b>` do? <script>alert(1)</script>", "Bold: **yes**, $a<b$",
        source="notes/html.md", line=12, context=("HTML", "Tags <i>"),
    )
    db = collection(package([note]), tmp_path)
    front, back, source, context = fields_of(db, note_guid("k1"))
    assert "<script" not in front and "&lt;script&gt;alert(1)&lt;/script&gt;" in front
    assert "<code>&lt;b&gt;</code>" in front
    assert "<strong>yes</strong>" in back
    assert r"\(a&lt;b\)" in back
    assert source == "notes/html.md:12"
    assert context == "HTML &gt; Tags &lt;i&gt;"


@given(st.text(min_size=1, max_size=60))
def test_raw_html_never_reaches_a_field(text: str) -> None:
    note = basic("k", f"<img src=x onerror=alert(1)>{text}", f"<iframe>{text}")
    built = build_collection([note], now=NOW)
    try:
        (flds,) = built.connection.execute("SELECT flds FROM notes").fetchone()
    finally:
        built.connection.close()
    assert "<img src=x" not in flds and "<iframe" not in flds


def test_note_mod_time_is_when_the_content_changed(tmp_path: Path) -> None:
    changed = T0 + timedelta(days=3, seconds=7)
    notes = [basic("k1"), basic("k2", modified_at=changed)]
    db = collection(package(notes), tmp_path)
    mods = dict(db.execute("SELECT guid, mod FROM notes"))
    assert mods[note_guid("k1")] == int(T0.timestamp())
    assert mods[note_guid("k2")] == int(changed.timestamp())


def test_reversed_siblings_make_one_note_with_two_cards(tmp_path: Path) -> None:
    cards = (
        ExportCard("r-0", "Deck", "TLB", "translation cache", ord=0, created_at=T0),
        ExportCard("r-1", "Deck", "translation cache", "TLB", ord=1, created_at=T0),
    )
    db = collection(package([ExportNote("r", "reversed", cards)]), tmp_path)
    assert db.execute("SELECT mid FROM notes").fetchall() == [(REVERSED_MODEL_ID,)]
    assert fields_of(db, note_guid("r"))[:2] == ["<p>TLB</p>", "<p>translation cache</p>"]
    assert sorted(o for (o,) in db.execute("SELECT ord FROM cards")) == [0, 1]


def test_reverse_direction_alone_keeps_the_forward_fields(tmp_path: Path) -> None:
    card = ExportCard("r-1", "Deck", "translation cache", "TLB", ord=1, created_at=T0)
    db = collection(package([ExportNote("r", "reversed", (card,))]), tmp_path)
    assert fields_of(db, note_guid("r"))[:2] == ["<p>TLB</p>", "<p>translation cache</p>"]
    assert db.execute("SELECT ord FROM cards").fetchall() == [(1,)]


def test_cloze_siblings_by_cloze_number(tmp_path: Path) -> None:
    text = "{{c1::北京}} is the capital of {{c2::China}}."
    cards = tuple(
        ExportCard(f"c-{n}", "Deck", text, "extra", ord=n - 1, created_at=T0) for n in (1, 2, 7)
    )
    out = io.BytesIO()
    summary = export_package([ExportNote("c", "cloze", cards)], out, now=NOW)
    assert (summary.notes, summary.cards) == (1, 2)
    assert [s.key for s in summary.skipped] == ["c-7"]
    db = collection(zipfile.ZipFile(out), tmp_path)
    assert db.execute("SELECT mid FROM notes").fetchall() == [(CLOZE_MODEL_ID,)]
    assert fields_of(db, note_guid("c"))[:2] == [f"<p>{text}</p>", "<p>extra</p>"]
    assert sorted(o for (o,) in db.execute("SELECT ord FROM cards")) == [0, 1]


def test_suspended_cards_and_new_card_positions(tmp_path: Path) -> None:
    notes = [basic("k1"), basic("k2", suspended=True), basic("k3")]
    db = collection(package(notes), tmp_path)
    rows = db.execute("SELECT queue, due FROM cards ORDER BY due").fetchall()
    assert rows == [(0, 1), (-1, 2), (0, 3)]


def test_note_and_card_ids_are_unique_and_from_creation(tmp_path: Path) -> None:
    notes = [basic(f"k{i}") for i in range(5)]
    db = collection(package(notes), tmp_path)
    note_ids = [i for (i,) in db.execute("SELECT id FROM notes")]
    card_ids = [i for (i,) in db.execute("SELECT id FROM cards")]
    assert len(set(note_ids)) == 5 and len(set(card_ids)) == 5
    assert min(note_ids) == int(T0.timestamp() * 1000)


def test_tags_and_decks_in_the_package(tmp_path: Path) -> None:
    note = basic("k1", deck="语言::中文", context=("语法", "把 字句"), tags=("hsk 4",))
    db = collection(package([note]), tmp_path)
    (tags,) = db.execute("SELECT tags FROM notes").fetchone()
    assert tags.split() == ["语言::中文", "语法::把_字句", "hsk_4"]
    (decks_json,) = db.execute("SELECT decks FROM col").fetchone()
    assert {d["name"] for d in json.loads(decks_json).values()} >= {"语言::中文"}


# --- media ------------------------------------------------------------------------------


def test_images_are_packed_with_unique_names(tmp_path: Path) -> None:
    store = {
        ("a/one.md", "img/x.png"): MediaFile("x.png", b"first"),
        ("b/two.md", "img/x.png"): MediaFile("x.png ", b"second"),
        ("a/one.md", "img/y.png"): MediaFile("y.png", b"y"),
    }
    asked: list[tuple[str, str]] = []

    def lookup(source: str, src: str) -> MediaFile | None:
        asked.append((source, src))
        return store.get((source, src))

    notes = [
        basic("k1", "![](img/x.png) ![](img/y.png)", "![](img/x.png)", source="a/one.md"),
        basic("k2", "![](img/x.png) ![gone](img/none.png)", source="b/two.md"),
        basic("k3", "![](https://example.org/z.png)", source="a/one.md"),
    ]
    archive = package(notes, images=lookup)
    manifest = json.loads(archive.read("media"))
    packed = {name: archive.read(entry) for entry, name in manifest.items()}
    assert sorted(packed.values()) == [b"first", b"second", b"y"]
    assert len(packed) == 3
    assert asked.count(("a/one.md", "img/x.png")) == 1  # looked up once, reused
    db = collection(archive, tmp_path)
    k1 = fields_of(db, note_guid("k1"))
    k2 = fields_of(db, note_guid("k2"))
    name_first = next(n for n, d in packed.items() if d == b"first")
    name_second = next(n for n, d in packed.items() if d == b"second")
    assert f'src="{name_first}"' in k1[0] and f'src="{name_first}"' in k1[1]
    assert f'src="{name_second}"' in k2[0]
    assert '<span class="missing-image">[gone]</span>' in k2[0]
    assert 'src="https://example.org/z.png"' in fields_of(db, note_guid("k3"))[0]


# --- the zip ----------------------------------------------------------------------------


def test_package_is_deflated_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    archive = package([basic(f"k{i}", f"Question {i}?", "Same answer " * 20) for i in range(200)])
    info = archive.getinfo("collection.anki2")
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.compress_size < info.file_size / 3
    assert json.loads(archive.read("media")) == {}
    assert list(scratch.iterdir()) == []


# --- scheduling -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "ease"), [(0, 1), (1, 1), (2, 1), (3, 2), (4, 3), (5, 4)]
)
def test_anki_buttons_for_sm2_grades(grade: int, ease: int) -> None:
    assert anki_ease(grade) == ease


def test_review_day_respects_day_start_and_time_zone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    # 2026-06-10 19:30 UTC is 03:30 on the 11th in Shanghai: still the 10th's review day.
    assert str(review_day(datetime(2026, 6, 10, 19, 30, tzinfo=UTC), shanghai, 4)) == "2026-06-10"
    assert str(review_day(datetime(2026, 6, 10, 20, 30, tzinfo=UTC), shanghai, 4)) == "2026-06-11"


def test_scheduling_state_and_revlog(tmp_path: Path) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    # Three answers (hand-worked SM-2): 5 → I(1)=1, EF 2.60; 4 → I(2)=6, EF 2.60;
    # 3 → I(3)=ceil(6×2.60)=16, EF 2.60−0.14=2.46.
    first = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    reviews = (
        ExportReview(first, 5, was_new=True, interval_after=1, ef_after=260, duration_ms=4200),
        ExportReview(first + timedelta(days=1), 4, interval_before=1, interval_after=6,
                     ef_after=260, duration_ms=90_000),
        ExportReview(first + timedelta(days=7), 3, interval_before=6, interval_after=16,
                     ef_after=246),
    )
    due = first + timedelta(days=23)
    reviewed = basic("k1", reps=3, ef=246, interval_days=16, due=due, lapses=0, reviews=reviews)
    suspended = basic("k2", reps=1, ef=250, interval_days=1, due=NOW, suspended=True)
    fresh = basic("k3")
    archive = package([reviewed, suspended, fresh], schedule=Schedule(NOW, tz, 4))
    db = collection(archive, tmp_path)

    crt, conf_json = db.execute("SELECT crt, conf FROM col").fetchone()
    # NOW is 20:00 in Shanghai on 2026-06-10: that review day started at 04:00 local.
    assert crt == int(datetime(2026, 6, 10, 4, 0, tzinfo=tz).timestamp())
    conf = json.loads(conf_json)
    assert (conf["schedVer"], conf["rollover"], conf["creationOffset"]) == (2, 4, -480)

    rows = {
        guid: row for guid, *row in db.execute(
            "SELECT n.guid, c.type, c.queue, c.due, c.ivl, c.factor, c.reps, c.lapses, c.id"
            " FROM cards c JOIN notes n ON n.id = c.nid"
        )
    }
    # Due 2026-06-24 10:00 Shanghai: 14 review days after 2026-06-10.
    assert rows[note_guid("k1")][:7] == [2, 2, 14, 16, 2460, 3, 0]
    assert rows[note_guid("k2")][:7] == [2, -1, 0, 1, 2500, 0, 0]  # no answers kept
    assert rows[note_guid("k3")][:3] == [0, 0, 3]

    log = db.execute("SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog"
                     " ORDER BY id").fetchall()
    cid = rows[note_guid("k1")][7]
    assert log == [
        (int(first.timestamp() * 1000), cid, 4, 1, 0, 2600, 4200, 0),
        (int((first + timedelta(days=1)).timestamp() * 1000), cid, 3, 6, 1, 2600, 60_000, 1),
        (int((first + timedelta(days=7)).timestamp() * 1000), cid, 2, 16, 6, 2460, 0, 1),
    ]


def test_anki_reps_count_every_answer_not_sm2_repetitions(tmp_path: Path) -> None:
    # 5, 4, then a lapse (SM-2 starts its repetitions again), a same-day repeat, and 4:
    # SM-2's repetition count is 1, but the card was reviewed five times.
    day = timedelta(days=1)
    first = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    reviews = (
        ExportReview(first, 5, was_new=True, interval_after=1, ef_after=260),
        ExportReview(first + day, 4, interval_before=1, interval_after=6, ef_after=260),
        ExportReview(first + 7 * day, 1, interval_before=6, interval_after=1, ef_after=260),
        ExportReview(first + 7 * day + timedelta(minutes=5), 4, repeat=True, lapses_before=1,
                     interval_before=1, interval_after=1, ef_after=260),
        ExportReview(first + 8 * day, 4, interval_before=1, interval_after=1, ef_after=260),
    )
    note = basic("k1", reps=1, ef=260, interval_days=1, due=first + 9 * day, lapses=1,
                 reviews=reviews)
    db = collection(package([note], schedule=Schedule(NOW, UTC, 4)), tmp_path)
    assert db.execute("SELECT reps, lapses FROM cards").fetchone() == (5, 1)
    assert db.execute("SELECT count(*) FROM revlog").fetchone() == (5,)


def test_without_scheduling_every_card_is_new(tmp_path: Path) -> None:
    note = basic("k1", reps=3, ef=246, interval_days=16, due=NOW,
                 reviews=(ExportReview(T0, 4, was_new=True, interval_after=1),))
    db = collection(package([note]), tmp_path)
    assert db.execute("SELECT type, queue, ivl, factor FROM cards").fetchall() == [(0, 0, 0, 0)]
    assert db.execute("SELECT count(*) FROM revlog").fetchone() == (0,)


def test_schedule_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        Schedule(datetime(2026, 1, 1), ZoneInfo("UTC"))


def test_ids_stay_unique_when_times_coincide(tmp_path: Path) -> None:
    # A batch import gives many cards one creation time; answers can share a millisecond.
    same = (ExportReview(T0, 4, was_new=True, interval_after=1),)
    notes = [basic(f"k{i}", due=NOW, interval_days=1, reps=1, reviews=same * 2)
             for i in range(50)]
    db = collection(package(notes, schedule=Schedule(NOW, ZoneInfo("UTC"))), tmp_path)
    card_ids = [i for (i,) in db.execute("SELECT id FROM cards")]
    log_ids = [i for (i,) in db.execute("SELECT id FROM revlog ORDER BY id")]
    assert len(set(card_ids)) == 50
    base = int(T0.timestamp() * 1000)
    assert log_ids == list(range(base, base + 100))
