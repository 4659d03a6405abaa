"""Explicit card syntaxes, which always win over the heuristics.

- ``Q: front`` … ``A: back`` (basic card; the ``A:`` may start a later line or block);
- ``term :: definition`` (basic) and ``term ::: definition`` (reversed, both directions);
- a line holding only ``?`` between a multi-line front and back (basic);
- clozes ``{{c1::text}}`` and ``==text==`` (one cloze card per paragraph).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cards.cloze import has_cloze, highlights_to_clozes
from cards.extract.parse import Block

__all__ = ["ExplicitHit", "find_explicit"]

_Q = re.compile(r"^\s*(?:Q|问)\s*[:：]\s*(?P<text>.*)$")
_A = re.compile(r"^\s*(?:A|答)\s*[:：]\s*(?P<text>.*)$")
_DOUBLE_COLON = re.compile(r"^(?P<front>\S.*?)\s+(?P<sep>:::?)\s+(?P<back>\S.*)$")
# A block without any of these holds no explicit card (a cheap first test).
_MAYBE_EXPLICIT = re.compile(r"^\s*\?\s*$|^\s*(?:Q|问)\s*[:：]|\s::|==|\{\{c\d", re.MULTILINE)
_CLOZE_MARK = re.compile(r"\{\{c\d+::|==\S")


@dataclass(slots=True)
class ExplicitHit:
    """An explicit card: kind, front and back markdown, prompt and answer lines (0-based)."""

    kind: str
    front: str
    back: str
    first: int
    last: int
    answer: tuple[int, int] | None
    block: Block | None = None  # where the prompt stands (for its heading context)


def _raw_lines(block: Block) -> list[str]:
    return block.content.split("\n")


def find_explicit(blocks: list[Block]) -> list[ExplicitHit]:
    """Explicit cards in the text blocks of a note (in document order)."""
    hits: list[ExplicitHit] = []
    used: set[int] = set()
    for index, block in enumerate(blocks):
        content = block.content
        if id(block) in used or not _may_be_explicit(content):
            continue
        before = len(hits)
        _explicit_in(blocks, index, used, hits)
        for hit in hits[before:]:
            hit.block = hit.block or block
    return hits


def _explicit_in(blocks: list[Block], index: int, used: set[int], hits: list[ExplicitHit]) -> None:
    """The explicit cards that start in ``blocks[index]``, appended to ``hits``."""
    block = blocks[index]
    raw = _raw_lines(block)
    base = block.first_line
    if block.kind == "paragraph" and any(r.strip() == "?" for r in raw):
        sep = next(i for i, r in enumerate(raw) if r.strip() == "?")
        front, back = raw[:sep], raw[sep + 1 :]
        if len(raw) == 1:
            prev = blocks[index - 1] if index else None
            nxt = blocks[index + 1] if index + 1 < len(blocks) else None
            if prev is not None and nxt is not None and id(prev) not in used:
                hits.append(
                    ExplicitHit(
                        "basic",
                        prev.content.strip(),
                        nxt.content.strip(),
                        prev.first_line,
                        prev.first_line + len(_raw_lines(prev)) - 1,
                        (nxt.first_line, nxt.first_line + len(_raw_lines(nxt)) - 1),
                    )
                )
                used.update((id(prev), id(nxt)))
            return
        if any(f.strip() for f in front) and any(b.strip() for b in back):
            hits.append(
                ExplicitHit(
                    "basic",
                    "\n".join(front).strip(),
                    "\n".join(back).strip(),
                    base,
                    base + sep - 1,
                    (base + sep + 1, base + len(raw) - 1),
                )
            )
            return
    q_hit = _question_answer(blocks, index, used)
    if q_hit is not None:
        hits.append(q_hit)
        return
    for i, line in enumerate(raw):
        match = _DOUBLE_COLON.match(line.strip())
        if match and "`" not in match.group("front") and "://" not in match.group("front"):
            kind = "reversed" if match.group("sep") == ":::" else "basic"
            hits.append(
                ExplicitHit(
                    kind,
                    match.group("front").strip(),
                    match.group("back").strip(),
                    base + i,
                    base + i,
                    (base + i, base + i),
                )
            )
    if _CLOZE_MARK.search(block.content) and _has_prose_cloze(block):
        text = highlights_to_clozes(block.content.strip())
        if has_cloze(text):
            last = base + len(raw) - 1
            hits.append(ExplicitHit("cloze", text, "", base, last, (base, last)))


def _may_be_explicit(content: str) -> bool:
    """A cheap first test: substring checks, then the pattern only when one matched."""
    return (
        "?" in content
        or "::" in content
        or "==" in content
        or "{{" in content
        or "Q" in content
        or "问" in content
    ) and bool(_MAYBE_EXPLICIT.search(content))


def _has_prose_cloze(block: Block) -> bool:
    """A cloze marker outside inline code."""
    lines = block.text().lines
    mask = "\n".join(lines)
    return bool(_CLOZE_MARK.search(mask))


def _question_answer(blocks: list[Block], index: int, used: set[int]) -> ExplicitHit | None:
    block = blocks[index]
    raw = _raw_lines(block)
    match = _Q.match(raw[0])
    if not match:
        return None
    base = block.first_line
    front = [match.group("text")]
    for i, line in enumerate(raw[1:], 1):
        answer = _A.match(line)
        if answer:
            back = [answer.group("text"), *raw[i + 1 :]]
            return ExplicitHit(
                "basic",
                "\n".join(front).strip(),
                "\n".join(back).strip(),
                base,
                base + i - 1,
                (base + i, base + len(raw) - 1),
            )
        front.append(line)
    nxt = blocks[index + 1] if index + 1 < len(blocks) else None
    if nxt is not None and nxt.content:
        nraw = _raw_lines(nxt)
        answer = _A.match(nraw[0])
        if answer:
            used.add(id(nxt))
            back = [answer.group("text"), *nraw[1:]]
            return ExplicitHit(
                "basic",
                "\n".join(front).strip(),
                "\n".join(back).strip(),
                base,
                base + len(raw) - 1,
                (nxt.first_line, nxt.first_line + len(nraw) - 1),
            )
    return ExplicitHit("basic", "\n".join(front).strip(), "", base, base + len(raw) - 1, None)
