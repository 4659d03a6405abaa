"""A card draft: what the extractor finds in a note, before the app stores it.

Drafts are plain values. The importer matches them to stored cards by
``key``; the key is made from the note's path, the kind and the normalised
prompt, so editing the answer or moving the card within its file keeps it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "Draft", "make_key", "normalize"]

KINDS = ("question", "definition", "list", "basic", "reversed", "cloze")

_SPACE = re.compile(r"\s+")
# Trailing question marks, colons and spaces do not change what is asked.
_TRAILING = re.compile(r"[\s?？:：!！。.,，、;；]+$")


def normalize(text: str) -> str:
    """Text for matching and keys: NFKC (``云原⽣`` → ``云原生``), case-folded, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _SPACE.sub(" ", folded).strip()
    return _TRAILING.sub("", folded)


def make_key(path: str, kind: str, prompt: str) -> str:
    """The stable key of a card: from the note's path, its kind and its normalised prompt."""
    digest = hashlib.sha256(
        "\x00".join((path, kind, normalize(prompt))).encode("utf-8")
    ).hexdigest()
    return f"{kind}-{digest[:24]}"


@dataclass(frozen=True, slots=True)
class Draft:
    """One card found in a note.

    ``line``/``end_line`` are the 1-based lines of the prompt; ``answer_lines``
    the first and last line of the answer in the note, or None when the note
    gives none (the card then *needs an answer*). ``context`` is the heading
    path. A ``reversed`` draft becomes two sibling cards; a ``cloze`` draft one
    card per cloze number (see :mod:`cards.cloze`).
    """

    kind: str
    front: str
    back: str
    line: int
    end_line: int
    answer_lines: tuple[int, int] | None
    context: tuple[str, ...]
    key: str
    tags: tuple[str, ...] = field(default=())

    @property
    def needs_answer(self) -> bool:
        """A prompt with no answer yet (clozes carry their answer inside)."""
        return self.kind != "cloze" and not self.back.strip()

    def to_json(self, file: str) -> dict[str, Any]:
        """The ``wengu extract --jsonl`` record for this draft."""
        return {
            "file": file,
            "line": self.line,
            "end_line": self.end_line,
            "kind": self.kind,
            "front": self.front,
            "back": self.back,
            "answer_lines": list(self.answer_lines) if self.answer_lines else None,
            "context": list(self.context),
            "key": self.key,
        }
