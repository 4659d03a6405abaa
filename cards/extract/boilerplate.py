"""Boilerplate: lines repeated across many notes of one import (site footers, comment
widgets, "h/t" credits) are neither cards nor part of an answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["boilerplate_key", "find_boilerplate"]

# Lines this short are too common to be meaningful as boilerplate (``---``, ``}``).
_MIN_CHARS = 6
# Only a note's first and last lines are compared: site headers, footers and comment
# widgets sit there, and the rest of a long note costs time without finding any.
_HEAD, _TAIL = 20, 40


def boilerplate_key(line: str) -> str:
    """How a line is compared with the boilerplate set: stripped of spaces and quote or
    list markers (cheap: it runs on every line of an import)."""
    return line.strip().lstrip(">-*+ \t")


def find_boilerplate(
    texts: Iterable[str], *, min_files: int = 5, share: float = 0.2
) -> frozenset[str]:
    """Lines (as :func:`boilerplate_key`) found near the start or end of at least
    ``min_files`` notes and of at least ``share`` of them: a site footer, not a phrase two
    notes happen to share."""
    counts: Counter[str] = Counter()
    files = 0
    for text in texts:
        files += 1
        lines = text.split("\n", _HEAD + _TAIL)  # (not the lines in between: not needed)
        if len(lines) > _HEAD + _TAIL:  # footers and widgets sit at a note's edges
            lines = lines[:_HEAD] + text.rsplit("\n", _TAIL)[-_TAIL:]
        seen = {boilerplate_key(line) for line in lines}
        counts.update(key for key in seen if len(key) >= _MIN_CHARS)
    threshold = max(min_files, int(files * share + 0.999))
    return frozenset(key for key, n in counts.items() if n >= threshold)
