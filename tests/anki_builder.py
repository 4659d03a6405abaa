"""Real Anki packages for the import tests, made with the ``anki`` package.

:func:`build_sample` makes a collection holding every case the import has to
handle (a basic note with a script and an image, a reversed pair, a cloze, a
custom note type, a suspended, a buried and a flagged card, answers given
through Anki's own scheduler) and exports it in the format asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

anki_collection = pytest.importorskip("anki.collection")

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

SCRIPT_FRONT = 'What does <b>chat</b> mean?<script>alert("x")</script><img src=x onerror="y()">'


@dataclass
class Sample:
    """A built package and what it holds, by name."""

    path: Path
    guids: dict[str, str] = field(default_factory=dict)  # name → note GUID
    card_ids: dict[str, int] = field(default_factory=dict)  # name → Anki card id
    answers: int = 0


def open_collection(path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    return anki_collection.Collection(str(path))


def _custom_type(col: Any) -> Any:
    models = col.models
    model = models.new("Vocab (custom)")
    for name in ("Word", "Meaning", "Example"):
        models.add_field(model, models.new_field(name))
    first = models.new_template("Recognise")
    first["qfmt"] = '<div class="w">{{Word}}</div>'
    first["afmt"] = "{{FrontSide}}<hr id=answer>{{Meaning}}<br><i>{{Example}}</i>"
    second = models.new_template("Use")
    second["qfmt"] = "{{#Example}}{{Example}}{{/Example}}"
    second["afmt"] = "{{FrontSide}}<hr id=answer>{{Word}}"
    models.add_template(model, first)
    models.add_template(model, second)
    models.add(model)
    return models.by_name("Vocab (custom)")


def _add(col: Any, type_name: str, deck: str, fields: dict[str, str], tags: list[str]) -> Any:
    model = col.models.by_name(type_name) if isinstance(type_name, str) else type_name
    note = col.new_note(model)
    for name, value in fields.items():
        note[name] = value
    note.tags = tags
    col.add_note(note, col.decks.id(deck))
    return note


def build_sample(folder: Path, *, legacy: bool, colpkg: bool = False) -> Sample:
    """A collection with every case, exported (``legacy``: ``collection.anki21``)."""
    col = open_collection(folder / "anki" / "collection.anki2")
    try:
        image = folder / "cat.png"
        image.write_bytes(PNG)
        col.media.add_file(str(image))
        sample = Sample(folder / ("sample.colpkg" if colpkg else "sample.apkg"))
        basic = _add(col, "Basic", "Lang::French",
                     {"Front": SCRIPT_FRONT, "Back": 'a cat <img src="cat.png">'},
                     ["french", "animals::pets"])
        reversed_ = _add(col, "Basic (and reversed card)", "Lang::French",
                         {"Front": "chien", "Back": "dog"}, ["french"])
        cloze = _add(col, "Cloze", "Geo",
                     {"Text": "{{c1::Rome}} is the capital of {{c2::Italy}}.",
                      "Back Extra": "Europe"}, [])
        custom = _add(col, _custom_type(col), "Lang::French",
                      {"Word": "maison", "Meaning": "house", "Example": "une <b>grande</b> maison"},
                      ["vocab"])
        plain = _add(col, "Basic", "Geo", {"Front": "Capital of Japan?", "Back": "Tokyo"}, [])
        buried = _add(col, "Basic", "Geo", {"Front": "Capital of Peru?", "Back": "Lima"}, [])
        for name, note in (("basic", basic), ("reversed", reversed_), ("cloze", cloze),
                           ("custom", custom), ("plain", plain), ("buried", buried)):
            sample.guids[name] = note.guid
        cards = {f"{name}{card.ord}": card for name, note in
                 (("basic", basic), ("reversed", reversed_), ("cloze", cloze),
                  ("custom", custom), ("plain", plain), ("buried", buried))
                 for card in note.cards()}
        sample.card_ids = {name: card.id for name, card in cards.items()}

        # Answers through Anki's scheduler: Good, Good (graduates), Easy; an Again on a
        # review card (a lapse); a single Good (learning).
        for ease in (3, 3, 4):
            _answer(col, cards["basic0"].id, ease)
        for ease in (4, 1):
            _answer(col, cards["reversed0"].id, ease)
        _answer(col, cards["cloze0"].id, 3)
        _answer(col, cards["custom0"].id, 4)
        sample.answers = 3 + 2 + 1 + 1
        # New cards in an order of their own, not the order they were added in.
        col.sched.reposition_new_cards(
            [cards["custom1"].id, cards["cloze1"].id, cards["reversed1"].id],
            starting_from=0, step_size=1, randomize=False, shift_existing=True)
        col.sched.suspend_cards([cards["plain0"].id])
        col.sched.bury_cards([cards["buried0"].id])
        col.set_user_flag_for_cards(1, [cards["reversed1"].id])
        if colpkg:
            col.export_collection_package(str(sample.path), include_media=True, legacy=legacy)
        else:
            col.export_anki_package(
                out_path=str(sample.path),
                options=anki_collection.ExportAnkiPackageOptions(
                    with_scheduling=True, with_deck_configs=False, with_media=True,
                    legacy=legacy),
                limit=None,
            )
    finally:
        col.close()
    return sample


def _answer(col: Any, card_id: int, ease: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    col.sched.answerCard(card, ease)


def anki_card(path: Path, card_id: int) -> dict[str, Any]:
    """A card row of a collection file, by column name."""
    col = anki_collection.Collection(str(path))
    try:
        names = ["id", "type", "queue", "due", "ivl", "factor", "reps", "lapses", "flags"]
        row = col.db.first(f"SELECT {', '.join(names)} FROM cards WHERE id = ?", card_id)
        return dict(zip(names, row, strict=True)) | {"crt": col.crt}
    finally:
        col.close()
