"""Cloze deletions: ``{{c1::answer}}`` / ``{{c1::answer::hint}}`` and ``==highlight==``.

One cloze text makes one card per cloze number. The front hides that
number's deletions (showing the hint if any) and shows the others; the back
shows the text with that number's deletions marked.
"""

from __future__ import annotations

import re

__all__ = ["cloze_back", "cloze_front", "cloze_numbers", "has_cloze", "highlights_to_clozes"]

CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
HIGHLIGHT = re.compile(r"(?<!=)==(?!=)(\S(?:.*?\S)?)==(?!=)")


def has_cloze(text: str) -> bool:
    """Whether ``text`` holds a cloze deletion (either syntax)."""
    return bool(CLOZE.search(text) or HIGHLIGHT.search(text))


def highlights_to_clozes(text: str) -> str:
    """Number each ``==highlight==`` as the next cloze after those already in the text."""
    counter = max(cloze_numbers(text), default=0)

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        counter += 1
        return f"{{{{c{counter}::{match.group(1)}}}}}"

    return HIGHLIGHT.sub(number, text)


def cloze_numbers(text: str) -> list[int]:
    """The distinct cloze numbers in ``text``, ascending."""
    return sorted({int(m.group(1)) for m in CLOZE.finditer(text)})


def cloze_front(text: str, number: int) -> str:
    """Markdown for the question side of cloze ``number``."""

    def hide(match: re.Match[str]) -> str:
        if int(match.group(1)) == number:
            hint = match.group(3)
            return f"**[{hint}]**" if hint else "**[…]**"
        return match.group(2)

    return CLOZE.sub(hide, text)


def cloze_back(text: str, number: int) -> str:
    """Markdown for the answer side of cloze ``number``: its deletions in bold."""

    def show(match: re.Match[str]) -> str:
        if int(match.group(1)) == number:
            return f"**{match.group(2)}**"
        return match.group(2)

    return CLOZE.sub(show, text)
