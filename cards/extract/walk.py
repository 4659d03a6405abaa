"""One pass over a parsed note: its text blocks in order, each one's heading path, the
headings (where sections end) and the boilerplate lines."""

from __future__ import annotations

import bisect
import itertools

from cards.extract.boilerplate import boilerplate_key
from cards.extract.parse import Block, Note

__all__ = ["TEXT_KINDS", "Walk"]

# Only these blocks hold cards; the others' text is not prose.
TEXT_KINDS = ("paragraph", "heading", "term")
_NO_CARDS = ("table", "footnotes", "code", "html", "front_matter", "math", "title")


class Walk:
    """A parsed note, walked once: ``blocks`` are its text blocks in document order,
    ``skip`` its boilerplate lines (0-based)."""

    def __init__(self, note: Note, boilerplate: frozenset[str]) -> None:
        self.note = note
        self.lines = note.lines
        self.blocks: list[Block] = []
        self._context: dict[int, tuple[str, ...]] = {}
        self.skip: set[int] = set()
        self.headings: list[Block] = []
        self._heading_index: dict[int, int] = {}
        self._preorder()
        if boilerplate:
            self.skip = _boilerplate_lines(note.source, self.lines, boilerplate)

    def _preorder(self) -> None:
        headings: list[tuple[int, str]] = []
        context: tuple[str, ...] = ()
        stack: list[Block] = list(reversed(self.note.root.children))
        blocks, contexts = self.blocks, self._context
        while stack:
            block = stack.pop()
            kind = block.kind
            if kind in _NO_CARDS:
                continue
            if kind == "heading":
                headings = [h for h in headings if h[0] < block.level]
                headings.append((block.level, block.content.strip()))
                context = tuple(h[1] for h in headings)
                self._heading_index[id(block)] = len(self.headings)
                self.headings.append(block)
            if kind in TEXT_KINDS:  # only text blocks hold cards (and need a context)
                if block.content:
                    blocks.append(block)
                contexts[id(block)] = context
            if block.children:
                stack.extend(reversed(block.children))

    def context(self, block: Block | None) -> tuple[str, ...]:
        """The heading path above a text block (a heading's own path ends with itself)."""
        return self._context.get(id(block), ()) if block is not None else ()

    def section_end(self, heading: Block) -> Block | None:
        """The next heading of the same or a higher level (where sub-sections end)."""
        index = self._heading_index.get(id(heading), -1)
        for later in self.headings[index + 1 :] if index >= 0 else []:
            if later.level <= heading.level:
                return later
        return None

    def next_heading(self, heading: Block) -> Block | None:
        """The next heading of any level."""
        index = self._heading_index.get(id(heading), -1)
        if 0 <= index < len(self.headings) - 1:
            return self.headings[index + 1]
        return None


def _boilerplate_lines(source: str, lines: list[str], boilerplate: frozenset[str]) -> set[int]:
    """0-based lines of ``source`` that are boilerplate (found by searching the text for
    each boilerplate line, not by testing every line)."""
    found: set[int] = set()
    starts: list[int] = []
    for entry in boilerplate:
        pos = source.find(entry)
        while pos >= 0:
            if not starts:
                starts = [0, *itertools.accumulate(len(line) + 1 for line in lines)]
            i = bisect.bisect_right(starts, pos) - 1
            if i < len(lines) and boilerplate_key(lines[i]) == entry:
                found.add(i)
            pos = source.find(entry, pos + len(entry))
    return found
