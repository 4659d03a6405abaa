"""Cloze deletions: ``{{c1::answer}}`` / ``{{c1::answer::hint}}`` and ``==highlight==``.

One cloze text makes one card per cloze number. The front hides that
number's deletions (showing the hint if any) and shows the others; the back
shows the text with that number's deletions marked.

A deletion is parsed, not matched by a pattern: its answer may hold braces
(``{{c1::$\\frac{1}{x^{2}}$}}``) and code (``{{c1::`a::b`}}``), so the
deletion ends at the first ``}}`` outside balanced braces and code spans, and
the hint starts at the first ``::`` outside them. A backslash-escaped brace
(TeX's ``\\{``) does not count. An opening ``{{cN::`` that is never closed is
no deletion; :func:`cloze_problem` names it, so a hand-made card with one is
refused rather than shown broken.

Anki's own cloze parser ends a deletion at the first ``}}`` and splits the
hint at the first ``::``, whatever they are inside; :func:`anki_cloze_html`
writes the braces and colons inside a deletion as character references, which
the browser and MathJax read as the same characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Deletion",
    "anki_cloze_html",
    "cloze_back",
    "cloze_deletions",
    "cloze_front",
    "cloze_numbers",
    "cloze_problem",
    "has_cloze",
    "highlights_to_clozes",
    "mark_clozes",
]

_OPEN = re.compile(r"\{\{c(\d+)::")
HIGHLIGHT = re.compile(r"(?<!=)==(?!=)(\S(?:.*?\S)?)==(?!=)")


@dataclass(frozen=True, slots=True)
class Deletion:
    """One ``{{cN::answer::hint}}`` in a text: ``text[start:end]`` is all of it."""

    number: int
    answer: str
    hint: str | None
    start: int
    end: int


_BACKTICKS = re.compile(r"`+")


def _skip_code(text: str, at: int) -> int:
    """The index after the code span whose opening backticks start at ``at``, or after
    the backticks alone when no closing run of the same length follows."""
    opening = _BACKTICKS.match(text, at)
    assert opening is not None
    run = len(opening.group(0))
    for closing in _BACKTICKS.finditer(text, opening.end()):
        if len(closing.group(0)) == run:
            return closing.end()
    return opening.end()


def _deletion_end(text: str, start: int) -> tuple[int, int | None] | None:
    """Where the deletion whose answer starts at ``start`` closes (the index of its
    ``}}``) and where its hint separator is, or None when it never closes."""
    depth = 0
    hint_at: int | None = None
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            i = _skip_code(text, i)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                if text.startswith("}}", i):
                    return i, hint_at
            else:
                depth -= 1
        elif char == ":" and depth == 0 and hint_at is None and text.startswith("::", i):
            hint_at = i
            i += 2
            continue
        i += 1
    return None


def _scan(text: str) -> tuple[list[Deletion], list[int]]:
    """The text's deletions, and the positions of openings that never close."""
    found: list[Deletion] = []
    unclosed: list[int] = []
    position = 0
    while (opening := _OPEN.search(text, position)) is not None:
        ending = _deletion_end(text, opening.end())
        if ending is None:
            unclosed.append(opening.start())
            position = opening.end()
            continue
        close, hint_at = ending
        answer_end = close if hint_at is None else hint_at
        hint = None if hint_at is None else text[hint_at + 2:close]
        found.append(Deletion(int(opening.group(1)), text[opening.end():answer_end], hint,
                              opening.start(), close + 2))
        position = close + 2
    return found, unclosed


def cloze_deletions(text: str) -> list[Deletion]:
    """The ``{{cN::…}}`` deletions in ``text``, in order (openings never closed left out)."""
    return _scan(text)[0]


def cloze_problem(text: str) -> tuple[int, str] | None:
    """The line (from 1) and the opening of the first deletion in ``text`` that is
    never closed, or None when every deletion closes."""
    unclosed = _scan(text)[1]
    if not unclosed:
        return None
    at = unclosed[0]
    opening = _OPEN.match(text, at)
    assert opening is not None
    return text.count("\n", 0, at) + 1, opening.group(0)


def has_cloze(text: str) -> bool:
    """Whether ``text`` holds a cloze deletion (either syntax)."""
    return bool(cloze_deletions(text) or HIGHLIGHT.search(text))


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
    return sorted({deletion.number for deletion in cloze_deletions(text)})


def _replace(text: str, replacement: Callable[[Deletion], str]) -> str:
    parts: list[str] = []
    position = 0
    for deletion in cloze_deletions(text):
        parts.append(text[position:deletion.start])
        parts.append(replacement(deletion))
        position = deletion.end
    parts.append(text[position:])
    return "".join(parts)


def cloze_front(text: str, number: int) -> str:
    """Markdown for the question side of cloze ``number``."""

    def hide(deletion: Deletion) -> str:
        if deletion.number == number:
            return f"**[{deletion.hint}]**" if deletion.hint else "**[…]**"
        return deletion.answer

    return _replace(text, hide)


def cloze_back(text: str, number: int) -> str:
    """Markdown for the answer side of cloze ``number``: its deletions in bold."""

    def show(deletion: Deletion) -> str:
        if deletion.number == number:
            return f"**{deletion.answer}**"
        return deletion.answer

    return _replace(text, show)


# Private-use characters mark a deletion's parts through markdown rendering, which
# keeps them as they are; anki_cloze_html turns them back into Anki's syntax.
_MARK_OPEN, _MARK_NUMBER_END, _MARK_HINT, _MARK_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKED = re.compile(
    f"{_MARK_OPEN}(\\d+){_MARK_NUMBER_END}(.*?)(?:{_MARK_HINT}(.*?))?{_MARK_CLOSE}", re.DOTALL
)


def mark_clozes(text: str) -> str:
    """``text`` with each deletion's syntax replaced by markers that survive rendering
    (see :func:`anki_cloze_html`)."""

    def mark(deletion: Deletion) -> str:
        hint = "" if deletion.hint is None else _MARK_HINT + deletion.hint
        return (f"{_MARK_OPEN}{deletion.number}{_MARK_NUMBER_END}{deletion.answer}"
                f"{hint}{_MARK_CLOSE}")

    return _replace(text, mark)


def _anki_safe(html: str) -> str:
    return html.replace("}", "&#125;").replace(":", "&#58;")


def anki_cloze_html(rendered: str) -> str:
    """Rendered HTML of a :func:`mark_clozes` text, with Anki's ``{{cN::…::…}}`` back in
    place and every ``}`` and ``:`` inside a deletion written as a character reference."""

    def unmark(match: re.Match[str]) -> str:
        hint = "" if match.group(3) is None else "::" + _anki_safe(match.group(3))
        return f"{{{{c{match.group(1)}::{_anki_safe(match.group(2))}{hint}}}}}"

    return _MARKED.sub(unmark, rendered)
