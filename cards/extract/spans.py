"""The answer to each card a block holds, one function per role of the block.

A prompt's answer never runs into the next prompt of the same block. Then, by role:
a heading question is answered by its section, a list item's by its nested items, a
paragraph's by the next block when that plainly replies; text after a question on its
own line (or on the next line) answers it wherever it stands.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable

from cards.extract.answers import (
    RHETORICAL,
    item_body,
    next_reply,
    only_questions,
    section_body,
    trim,
)
from cards.extract.definitions import is_prose
from cards.extract.finders import TERM, BlockText, Candidate, Span
from cards.extract.parse import Block
from cards.extract.questions import is_interrogative
from cards.extract.text import SHRUG, InlineText, cjk_count

__all__ = ["answer_spans", "answers"]

# (the block, the candidate, the last block line before the next prompt) -> its answer
_RoleSpan = Callable[[BlockText, Candidate, int], Span | None]


def answer_spans(text: BlockText, kept: list[Candidate]) -> list[Span | None]:
    """The answer (note lines, 0-based) of each of a block's resolved candidates."""
    starts = sorted({c.first for c in kept if c.kind != "list"})  # (a list ends its block)
    last_line = len(text.lines) - 1
    role_span = _ROLE_SPANS[text.role]
    out: list[Span | None] = []
    for cand in kept:
        if cand.kind == "list" or cand.priority == TERM:  # (found with the prompt)
            out.append(cand.answer)
            continue
        at = bisect.bisect_right(starts, cand.last)
        until = starts[at] - 1 if at < len(starts) else last_line
        out.append(role_span(text, cand, until))
    return out


def answers(inline: InlineText, rest: str) -> bool:
    """Whether text after a question is an answer: a statement in prose, not a bare URL and
    not only further questions (``我想是不能，…呀?`` answers; ``那么 X 在哪里?`` does not)."""
    rest = rest.strip()
    if not rest or rest.endswith((":", "：")):
        return False
    for clause, mark in _CLAUSE.findall(rest):
        if mark or not clause.strip():
            continue
        plain = inline.plain("".join(c for c in clause if "url" not in inline.kinds(c)))
        if is_interrogative(plain) or RHETORICAL.search(plain) or SHRUG.match(plain):
            continue
        letters = sum(1 for c in plain if c.isalnum())
        if cjk_count(plain) >= 2 or (letters >= 2 and is_prose(inline, clause)):
            return True
    return False


_CLAUSE = re.compile(r"([^，,。；;?？!！]+)([?？]?)")


def _on_its_lines(text: BlockText, q: Candidate, until: int, *, next_line: bool) -> Span | None:
    """A question's answer within its own block: the text after the question mark, or
    (``next_line``) the block's next line when it replies."""
    base, lines = text.base, text.lines
    if answers(text.inline, q.rest):
        return (base + q.last, base + until)
    if next_line and until > q.last and answers(text.inline, lines[q.last + 1]):
        return (base + q.last + 1, base + until)
    return None


def _heading(text: BlockText, cand: Candidate, until: int) -> Span | None:
    """A heading question: its section's own body; a title over sub-sections only
    (``# What does X do?`` then ``## …``) is answered by its sub-sections."""
    inline_answer = _on_its_lines(text, cand, until, next_line=False)
    if inline_answer is not None:
        return inline_answer
    walk, block = text.walk, text.block
    nxt = walk.next_heading(block)
    answer = section_body(walk.lines, block, nxt, walk.skip)
    if answer is None and nxt is not None and nxt.level > block.level:
        answer = section_body(walk.lines, block, walk.section_end(block), walk.skip)
    return answer


def _item(text: BlockText, cand: Candidate, until: int) -> Span | None:
    """An item's first paragraph: a question is answered by its nested items; a definition
    on the paragraph's last line takes them too."""
    walk, item = text.walk, text.block.parent
    assert item is not None
    if cand.kind == "definition":
        if until == len(text.lines) - 1:
            return trim(walk.lines, text.base + cand.first, item.end - 1, walk.skip)
        return (text.base + cand.first, text.base + until)
    inline_answer = _on_its_lines(text, cand, until, next_line=True)
    if inline_answer is not None:
        return inline_answer
    answer = item_body(walk.lines, item, text.block, walk.skip)
    if answer is None and len(item.children) == 1 and not cand.rest.strip():
        answer = _visually_nested(text, item)
    return answer


def _paragraph(text: BlockText, cand: Candidate, until: int) -> Span | None:
    """A paragraph: a question on its last line is answered by the next block that
    plainly replies."""
    if cand.kind == "definition":
        return (text.base + cand.first, text.base + until)
    inline_answer = _on_its_lines(text, cand, until, next_line=True)
    if inline_answer is not None or cand.last != len(text.lines) - 1:
        return inline_answer
    walk, block = text.walk, text.block
    siblings = block.parent.children if block.parent is not None else [block]
    return next_reply(walk.lines, block, siblings, walk.skip)


def _term(text: BlockText, cand: Candidate, until: int) -> Span | None:
    """A definition list's term line: only what stands on its own lines."""
    if cand.kind == "definition":
        return (text.base + cand.first, text.base + until)
    return _on_its_lines(text, cand, until, next_line=True)


def _visually_nested(text: BlockText, item: Block) -> Span | None:
    """Items typed under an item but indented too little to nest (``3. x ?`` then
    ``  1. y``): the following items or list, while they are indented deeper than it."""
    lst = item.parent
    if lst is None or lst.parent is None:
        return None
    lines = text.walk.lines
    siblings = lst.children
    indent = _indent(lines[item.start])
    deeper: list[Block] = []
    if item.index + 1 < len(siblings):
        following: Iterable[Block] = (siblings[i] for i in range(item.index + 1, len(siblings)))
    else:
        outer = lst.parent.children
        nxt = outer[lst.index + 1] if lst.index + 1 < len(outer) else None
        following = nxt.children if nxt is not None and nxt.kind == "list" else []
    for block in following:
        if block.start >= len(lines) or _indent(lines[block.start]) <= indent:
            break
        deeper.append(block)
    if not deeper or all(only_questions(b) for b in deeper):
        return None
    return trim(lines, deeper[0].start, deeper[-1].end - 1, text.walk.skip)


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


_ROLE_SPANS: dict[str, _RoleSpan] = {
    "heading": _heading,
    "lead": _item,
    "paragraph": _paragraph,
    "term": _term,
}
