"""Reading Anki packages in the core: formats, note types, fields, states and history."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.anki.apkg_file import AnkiPackage, AnkiPackageError
from cards.anki.history import DayClock, ef_from_factor, review_history
from cards.anki.html_markdown import html_to_markdown
from cards.anki.import_records import ImportedNote, NoteTypeRow, RevlogRow, TemplateRow
from cards.anki.importing import read_package
from cards.anki.naming import imported_note_key, note_guid
from cards.anki.notetypes import note_shape
from cards.anki.scheduling import review_day
from cards.render import render_markdown
from tests.anki_builder import anki_card, build_sample


def read_all(path: Path, workdir: Path) -> tuple[str, list[ImportedNote], list[str]]:
    with AnkiPackage(path, workdir, max_bytes=10**8, max_files=100) as package:
        clock = DayClock(package.crt, ZoneInfo("UTC"), 4)
        notes, skipped = [], []
        for chunk in read_package(package, clock, chunk_notes=2):
            notes += chunk.notes
            skipped += [f"{s.what}: {s.reason}" for s in chunk.skipped]
        return package.format, notes, skipped


@pytest.mark.parametrize(("legacy", "colpkg", "expected"), [
    (False, False, "anki21b"), (True, False, "anki21"), (False, True, "anki21b"),
])
def test_every_case_reads_from_each_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, legacy: bool, colpkg: bool, expected: str
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    sample = build_sample(tmp_path, legacy=legacy, colpkg=colpkg)
    work = tmp_path / "work"
    work.mkdir()
    fmt, notes, skipped = read_all(sample.path, work)
    assert fmt == expected
    assert skipped == []
    by_guid = {note.guid: note for note in notes}
    kinds = {name: by_guid[guid].kind for name, guid in sample.guids.items()}
    assert kinds == {"basic": "basic", "reversed": "reversed", "cloze": "cloze",
                     "custom": "basic", "plain": "basic", "buried": "basic"}
    assert by_guid[sample.guids["custom"]].other_type
    assert sum(len(n.cards) for n in notes) == 9
    assert sum(len(c.reviews) for n in notes for c in n.cards) == sample.answers

    basic = by_guid[sample.guids["basic"]]
    assert "<script" not in render_markdown(basic.cards[0].front)
    assert "onerror" not in render_markdown(basic.cards[0].front)
    assert basic.images == ("x", "cat.png")
    assert basic.tags == ("animals::pets", "french")
    assert basic.cards[0].deck == "Lang::French"
    assert [r.grade for r in basic.cards[0].reviews] == [4, 4, 5]

    rev = by_guid[sample.guids["reversed"]]
    assert [(c.front, c.back) for c in rev.cards] == [("chien", "dog"), ("dog", "chien")]
    assert rev.cards[1].tags == ("flag::red",)
    assert rev.cards[0].state.lapses == 1
    assert [r.grade for r in rev.cards[0].reviews] == [5, 1]

    cloze = by_guid[sample.guids["cloze"]]
    assert [c.ord for c in cloze.cards] == [0, 1]
    assert cloze.cards[0].front == "{{c1::Rome}} is the capital of {{c2::Italy}}."
    assert cloze.cards[0].back == "Europe"

    custom = by_guid[sample.guids["custom"]]
    assert [(c.front, c.back) for c in custom.cards] == [
        ("maison", "house"), ("une **grande** maison", "maison")]
    assert by_guid[sample.guids["plain"]].cards[0].suspended
    assert by_guid[sample.guids["buried"]].cards[0].buried

    # The review card's state is Anki's: interval, ease, due day from the creation day.
    row = anki_card(tmp_path / "anki" / "collection.anki2", sample.card_ids["basic0"])
    state = basic.cards[0].state
    assert row["type"] == 2
    assert state.interval == row["ivl"]
    assert state.ef == row["factor"] // 10
    clock = DayClock(row["crt"], ZoneInfo("UTC"), 4)
    assert state.due == clock.start_of(row["due"])
    assert state.due.hour == 4


def test_not_a_package_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.apkg"
    bad.write_bytes(b"not a zip")
    with pytest.raises(AnkiPackageError, match="not a zip"):
        AnkiPackage(bad, tmp_path, max_bytes=10**6, max_files=10)
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("notes.md", "# hi")
    with pytest.raises(AnkiPackageError, match="no Anki collection"):
        AnkiPackage(io.BytesIO(empty.getvalue()), tmp_path, max_bytes=10**6, max_files=10)


def test_the_unpacked_size_is_limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    sample = build_sample(tmp_path, legacy=True)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(AnkiPackageError, match="more than 0 MB"):
        AnkiPackage(sample.path, work, max_bytes=1000, max_files=100)
    with pytest.raises(AnkiPackageError, match="more than 2 files"):
        AnkiPackage(sample.path, work, max_bytes=10**8, max_files=2)


def test_note_types_are_known_by_shape() -> None:
    def shape(fields: tuple[str, ...], *templates: tuple[str, str], cloze: bool = False) -> str:
        rows = tuple(TemplateRow(i, f"t{i}", q, a) for i, (q, a) in enumerate(templates))
        found = note_shape(NoteTypeRow(1, "x", cloze, fields, rows))
        return found.kind + ("+other" if found.other else "")

    assert shape(("Q", "A"), ("{{Q}}", "{{FrontSide}}<hr id=answer>{{A}}")) == "basic"
    assert shape(("Q", "A"), ("{{Q}}", "{{A}}"), ("{{A}}", "{{Q}}")) == "reversed"
    assert shape(("Q", "A", "Add Reverse"), ("{{Q}}", "{{A}}"),
                 ("{{#Add Reverse}}{{A}}{{/Add Reverse}}", "{{FrontSide}}{{Q}}")) == "reversed"
    assert shape(("Text", "Extra"), ("{{cloze:Text}}", "{{cloze:Text}}{{Extra}}"),
                 cloze=True) == "cloze"
    assert shape(("A", "B", "C"), ("{{A}}", "{{B}}"), ("{{C}}", "{{A}}")) == "basic+other"


def test_revlog_grades_intervals_and_repeats() -> None:
    clock = DayClock(int(datetime(2026, 1, 1, 4, tzinfo=UTC).timestamp()), ZoneInfo("UTC"), 4)
    t = int(datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp() * 1000)
    rows = [
        RevlogRow(t, 1, 1, -60, 0, 2500, 5000, 0),  # Again, learning
        RevlogRow(t + 60_000, 1, 3, 1, -60, 2500, 3000, 0),  # Good, graduates: 1 day
        RevlogRow(t + 86_400_000, 1, 4, 4, 1, 2650, 2000, 1),  # Easy, review
        RevlogRow(t + 5 * 86_400_000, 1, 0, 10, 4, 2650, 0, 4),  # rescheduled by hand
        RevlogRow(t + 6 * 86_400_000, 1, 1, -600, 4, 2450, 90_000, 1),  # Again: a lapse
    ]
    reviews, skipped = review_history(rows, clock)
    assert skipped == 1
    assert [r.grade for r in reviews] == [1, 4, 5, 1]
    assert [r.kind for r in reviews] == ["review", "repeat", "review", "review"]
    assert reviews[0].before.due is None
    assert [r.after.interval for r in reviews] == [0, 1, 4, 0]
    assert [r.before.interval for r in reviews] == [0, 0, 1, 4]
    assert [r.after.ef for r in reviews] == [250, 250, 265, 245]
    assert reviews[-1].after.lapses == 1
    assert reviews[-1].duration_ms == 90_000


@given(st.integers(min_value=-5, max_value=10_000))
def test_ease_floor(factor: int) -> None:
    ef = ef_from_factor(factor)
    assert ef >= 130
    if factor >= 1300:
        assert ef == factor // 10


@given(st.text(alphabet=st.sampled_from(list("<>/ab scriptonerr=\"'&;{}:c1img")), max_size=80))
def test_any_field_renders_without_script_or_handlers(field: str) -> None:
    html = render_markdown(html_to_markdown(field).markdown).lower()
    assert "<script" not in html
    assert " onerror=" not in html


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
               max_size=20))
def test_an_imported_note_exports_with_its_anki_guid(guid: str) -> None:
    assert note_guid(imported_note_key(guid)) == guid


@given(st.integers(min_value=1_500_000_000_000, max_value=1_900_000_000_000),
       st.sampled_from(["UTC", "Asia/Shanghai", "Asia/Kathmandu", "America/St_Johns",
                        "Europe/Berlin"]),
       st.integers(min_value=0, max_value=23))
def test_the_day_of_an_answer_is_the_users_review_day(ms: int, zone: str, hour: int) -> None:
    tz = ZoneInfo(zone)
    clock = DayClock(1_600_000_000, tz, hour)
    clock.day_of_ms(ms - 1)  # a neighbour first: the cached quarter-hour must not leak
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    assert clock.day_of_ms(ms) == review_day(moment, tz, hour)
