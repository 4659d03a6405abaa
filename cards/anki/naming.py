"""Stable names and ids in the package: note GUIDs, deck ids, tags, media file names.

Anki recognises a note again by its GUID, so the GUID comes from the card's
stable ``note_key`` (never from the fields, which change when a card is
edited). Deck ids derive from the deck's name, so the same deck gets the
same id in every export; a deck called ``Default`` is Anki's own Default
deck (id 1), which every package holds, so the two never arrive as
``Default`` and ``Default_``. Tags follow Anki's rules: no spaces (they become
``_``), ``::`` nests, nothing else is removed; Chinese stays as it is.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import genanki
import genanki.util

__all__ = [
    "ANKI_DEFAULT_DECK_ID",
    "deck_id",
    "media_file_name",
    "note_guid",
    "note_tags",
    "tag",
    "tag_path",
]

_GUID_NAMESPACE = "wengu"
# Anki splits tags on whitespace (including the ideographic space U+3000) and refuses
# control characters and double quotes inside one.
_TAG_UNSAFE = re.compile(r'[\s"\x00-\x1f\x7f]+')
# Anki's media folder refuses these in file names; they would also need escaping in HTML.
_MEDIA_UNSAFE = re.compile(r'[\s\[\]<>:"/\\|?*^&#%\'\x00-\x1f\x7f]+')


_BASE91 = "".join(genanki.util.BASE91_TABLE)


def note_guid(note_key: str) -> str:
    """The GUID of the Anki note for ``note_key`` (same key, same GUID, in every export).

    The same value as ``genanki.guid_for("wengu", note_key)`` (the first 8
    bytes of a SHA-256, in Anki's base 91), computed without genanki's
    per-digit overhead.
    """
    digest = hashlib.sha256(f"{_GUID_NAMESPACE}__{note_key}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    digits = []
    while number:
        number, digit = divmod(number, 91)
        digits.append(_BASE91[digit])
    return "".join(reversed(digits))


ANKI_DEFAULT_DECK_ID = 1
"""The id of Anki's Default deck, present in every collection and package."""


@lru_cache(maxsize=4096)
def deck_id(name: str) -> int:
    """A stable deck id for the deck called ``name``: Anki's Default deck (id 1) for
    ``Default`` (Anki compares deck names ignoring case), a hash of the name otherwise."""
    if name.strip().casefold() == "default":
        return ANKI_DEFAULT_DECK_ID
    digest = hashlib.sha256(f"{_GUID_NAMESPACE}-deck\x00{name}".encode()).digest()
    return (1 << 40) + int.from_bytes(digest[:5], "big")


def tag(part: str) -> str:
    """One level of a tag: NFC, whitespace and quote runs as ``_``, ``::`` as ``_``."""
    text = unicodedata.normalize("NFC", part).strip()
    return _TAG_UNSAFE.sub("_", text).replace("::", "_")


def tag_path(parts: Iterable[str]) -> str:
    """A hierarchical tag (``a::b::c``) from its levels; empty levels are skipped."""
    return _tag_path(tuple(parts))


@lru_cache(maxsize=4096)
def _tag_path(parts: tuple[str, ...]) -> str:
    # Decks and heading paths repeat from note to note: work each out once.
    return "::".join(level for level in map(tag, parts) if level)


def note_tags(decks: Iterable[str], context: Iterable[str], own: Iterable[str]) -> list[str]:
    """The tags of a note: its decks' paths, its heading path, and its cards' own tags.

    Deck names nest with ``::`` already; the heading path becomes one
    hierarchical tag; own tags may nest with ``::`` too. Duplicates are
    merged, order kept.
    """
    found: dict[str, None] = {}
    for deck in decks:
        found.setdefault(_tag_path(tuple(deck.split("::"))), None)
    found.setdefault(_tag_path(tuple(context)), None)
    for own_tag in own:
        found.setdefault(_tag_path(tuple(own_tag.split("::"))), None)
    found.pop("", None)
    return list(found)


def media_file_name(name: str) -> str:
    """``name`` made safe for Anki's media folder and an HTML ``src``."""
    safe = _MEDIA_UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip("._")
    return safe or "image"
