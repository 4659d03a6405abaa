"""Anki note types as wengu kinds: which fields make a card's front and back.

wengu has three kinds that Anki has too: basic (one card), reversed (two
cards, the second swapping the sides; Anki's "Basic (and reversed card)" and
"Basic (optional reversed card)") and cloze (one card per cloze number). A
note type is recognised by its shape, not its name (names are translated
and renamed): a cloze type by Anki's cloze flag; a type with one template
as basic; two templates whose fronts and backs swap the same two fields as
reversed. wengu's own exported note types are known by id.

Any other note type is imported too, each card as a basic card made from
its template: the front is the first field the question shows, the back
the first other field the answer shows (``{{FrontSide}}`` aside). Fields
inside a conditional section (``{{#Field}}…{{/Field}}``) count only when no
field stands outside one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cards.anki.import_records import NoteTypeRow
from cards.anki.models import BASIC_MODEL_ID, CLOZE_MODEL_ID, REVERSED_MODEL_ID

__all__ = ["NoteShape", "note_shape", "template_fields"]

_TAG = re.compile(r"\{\{\s*([#^/]?)\s*([^{}]*?)\s*\}\}")
Sides = dict[int, tuple[int, int | None]]
_SPECIAL_FIELDS = frozenset({"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card",
                             "CardFlag", "CardID"})


@dataclass(frozen=True, slots=True)
class NoteShape:
    """How a note type becomes wengu cards.

    ``sides`` maps a template ord to the (front, back) field indexes; for a
    cloze type it holds ord 0 → (text field, extra field). A back of None
    means no field.
    """

    kind: str
    sides: Sides
    other: bool = False

    def cloze_fields(self) -> tuple[int, int | None]:
        """The text field and the extra field of a cloze type."""
        return self.sides.get(0, (0, None))


def template_fields(fmt: str) -> tuple[list[str], list[str]]:
    """The fields a template shows: (outside any section, inside a section), in order.

    ``{{cloze:Text}}``, ``{{text:Front}}`` and the like name the field after
    the last colon; special fields (``FrontSide``, ``Tags``…) are left out.
    """
    outside: list[str] = []
    inside: list[str] = []
    depth = 0
    for match in _TAG.finditer(fmt):
        mark, name = match.groups()
        if mark in ("#", "^"):
            depth += 1
            continue
        if mark == "/":
            depth = max(0, depth - 1)
            continue
        field = name.rsplit(":", 1)[-1].strip()
        if not field or field in _SPECIAL_FIELDS:
            continue
        (inside if depth else outside).append(field)
    return outside, inside


def _first(fmt: str, fields: dict[str, int], exclude: set[int]) -> int | None:
    outside, inside = template_fields(fmt)
    for group in (outside, inside):
        for name in group:
            index = fields.get(name)
            if index is not None and index not in exclude:
                return index
    return None


def _cloze_text(fmt: str, fields: dict[str, int]) -> int | None:
    for match in re.finditer(r"\{\{\s*cloze:\s*([^{}]*?)\s*\}\}", fmt):
        index = fields.get(match.group(1).rsplit(":", 1)[-1].strip())
        if index is not None:
            return index
    return None


def note_shape(note_type: NoteTypeRow) -> NoteShape:
    """The wengu kind of ``note_type`` and the fields each card's sides come from."""
    if note_type.id in (BASIC_MODEL_ID, REVERSED_MODEL_ID):
        own: Sides = {0: (0, 1)} if note_type.id == BASIC_MODEL_ID else {0: (0, 1), 1: (1, 0)}
        return NoteShape("basic" if len(own) == 1 else "reversed", own)
    if note_type.id == CLOZE_MODEL_ID:
        return NoteShape("cloze", {0: (0, 1)})
    fields = {name: i for i, name in enumerate(note_type.fields)}
    if note_type.cloze:
        template = note_type.templates[0] if note_type.templates else None
        text = _cloze_text(template.qfmt, fields) if template else None
        if text is None:
            text = 0
        extra = _first(template.afmt, fields, {text}) if template else None
        return NoteShape("cloze", {0: (text, extra)})
    sides: Sides = {}
    for template in note_type.templates:
        front = _first(template.qfmt, fields, set())
        if front is None:
            front = 0
        sides[template.ord] = (front, _first(template.afmt, fields, {front}))
    ords = sorted(sides)
    if ords == [0]:
        return NoteShape("basic", sides, other=sides[0][1] is None)
    if ords == [0, 1]:
        a, b = sides[0], sides[1]
        if b[1] is not None and a == (b[1], b[0]):
            return NoteShape("reversed", sides)
    return NoteShape("basic", sides, other=True)
