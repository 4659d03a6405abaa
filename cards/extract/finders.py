"""Where a text block may hold cards: a chain of finders, markdown-it style.

Each finder looks at one block for one shape (a question, a definition, a list's lead-in,
a definition list's term) and returns :class:`Candidate` values: the prompt's lines within
the block and a priority. The finders do not know about each other; :func:`resolve`
settles the overlaps in one place (the higher priority wins where spans overlap), and
:mod:`cards.extract.spans` then finds each winner's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from cards.extract.answers import trim
from cards.extract.definitions import find_definition, is_label
from cards.extract.lists import find_list_card
from cards.extract.parse import Block, block_role
from cards.extract.pretest import ASKS, DEFINES, DEFLIST_TERM, LEADS
from cards.extract.questions import find_questions
from cards.extract.subjects import (
    heading_subject,
    named_in_lead,
    of_this_document,
    with_subject,
)
from cards.extract.text import InlineText, cjk_count, fold
from cards.extract.walk import Walk

__all__ = [
    "DEFINITION",
    "FINDERS",
    "GUESSED_QUESTION",
    "LIST",
    "QUESTION",
    "TERM",
    "BlockText",
    "Candidate",
    "Span",
    "block_text",
    "definitions",
    "deflist_terms",
    "list_leads",
    "questions",
    "resolve",
]

Span = tuple[int, int]  # first and last line of the note, 0-based

# Priorities, highest first: where two candidates' lines overlap, the higher one wins.
TERM = 5  # a definition list's term: the note says outright what it defines
QUESTION = 4  # a sentence ending in a question mark
LIST = 3  # a lead-in before its list (``X 有三种：``), rather than a definition
DEFINITION = 2
GUESSED_QUESTION = 1  # an interrogative clause without a question mark


@dataclass(slots=True)
class Candidate:
    """A card a finder proposes: ``first``/``last`` index the block's text lines.

    ``rest`` is what follows a question on its last line; ``answer`` (note lines) is set
    by finders that find the answer with the prompt (a list's items, a term's details)."""

    kind: str
    first: int
    last: int
    priority: int
    front: str
    rest: str = ""
    answer: Span | None = None


@dataclass(slots=True)
class BlockText:
    """A text block as the finders see it: its role, its inline mask and its first line."""

    walk: Walk
    block: Block
    role: str  # heading, term, lead (a list item's first paragraph) or paragraph
    inline: InlineText
    base: int  # the note line (0-based) of the mask's first line

    @property
    def lines(self) -> list[str]:
        return self.inline.lines


Finder = Callable[[BlockText], list[Candidate]]

_MARKED_START = re.compile("\\s*[\ue001\ue003\U000f0000-\U000ffffd]")
_TASK = re.compile(r"^\s*\[[ xX]\]\s+")
_CALLOUT = re.compile(r"^\s*\[![\w-]+\][+-]?")
# An explanation that stops mid-sentence (a copula, a preposition, a particle, a comma or
# a colon at its end) on a block's last line: what it was going to say is not there.
_DANGLING = re.compile(r"(?:是|到|的|和|与|及|或|为|在|把|被|将|就是|比如|[:：,，、])\s*$")
# A question whose subject is only a pronoun or a demonstrative (这是为什么, 当前代码是怎么支持的,
# 两者有什么不同, this …) leans on its heading (``那么``, ``其实`` are connectives, not subjects).
_LEANS_ON_HEADING = re.compile(
    r"^[\s*_>]*(?:它|这(?!么)|那(?:个|些|里|是|种|段|一|样的)|其(?![实他中次余])|两者|二者|"
    r"当前(?:的)?代码|(?:this|that|it|these|those)\b)",
    re.IGNORECASE,
)


def block_text(walk: Walk, block: Block) -> BlockText:
    """A block's text for the finders: an Obsidian callout's ``[!note]`` and a task's
    ``[ ]`` (in a list item or a heading) are left out of the mask."""
    role = block_role(block)
    inline = block.text()
    lines = inline.lines
    if lines and lines[0][:1] in " [" and _CALLOUT.match(lines[0]):
        inline.lines = lines = [_CALLOUT.sub("", lines[0]), *lines[1:]]
    if role in ("lead", "heading") and lines and lines[0][:1] in " [" and _TASK.match(lines[0]):
        inline.lines = [_TASK.sub("", lines[0]), *lines[1:]]
    return BlockText(walk, block, role, inline, block.first_line)


def questions(text: BlockText) -> list[Candidate]:
    """Questions: sentences ending in a question mark, and interrogative clauses without
    one (anywhere in a heading or an item's first line, alone in a paragraph)."""
    out = []
    for q in find_questions(text.inline, whole_block=text.role in ("heading", "lead")):
        front = _with_subject(text, text.inline.render(q.front))
        priority = QUESTION if q.marked else GUESSED_QUESTION
        out.append(Candidate("question", q.first, q.last, priority, front, rest=q.rest))
    return out


def _with_subject(text: BlockText, front: str) -> str:
    """A question that leans on its heading (``它``/``这``/``this``) gets the heading as a
    prefix: the section's heading, or for a heading, the one above it (``## ROB`` then
    ``### 这是为什么?`` asks ``ROB: 这是为什么?``); a heading that leans too is no subject."""
    if not _LEANS_ON_HEADING.match(fold(front)):
        return front
    context = text.walk.context(text.block)
    headings = context[:-1] if text.role == "heading" else context
    for heading in reversed(headings):
        if is_label(heading):
            return front  # ``## 参考``: a label names nothing to lean on
        if not _LEANS_ON_HEADING.match(fold(heading)):
            return f"{heading}: {front}"
    return front


def definitions(text: BlockText) -> list[Candidate]:
    """Definitions, one a line at most; within a sentence that runs over lines, only a
    marked term (bold, code, a link) starts one."""
    if text.role == "heading":
        return []
    out: list[Candidate] = []
    lines = text.lines
    for li, line in enumerate(lines):
        marked_only = (
            text.role == "paragraph"
            and li > 0
            and not (out and out[-1].first == li - 1)
            and not _sentence_start(lines[li - 1], line)
        )
        if marked_only and not _MARKED_START.match(line):
            continue
        hit = find_definition(text.inline, line)
        if hit is None or (marked_only and not hit.marked):
            continue
        if li == len(lines) - 1 and _DANGLING.search(line):
            continue  # ``data tables 是提供的表单数据，definition blocks 是``: cut off
        if li == 0 and text.role == "lead" and named_in_lead(text.block, hit.term):
            # ``- 前端：…`` after ``恢复分前端和后端两部分：``: a side of the section's subject
            term = heading_subject(text.walk, text.block, hit.term)
        else:
            term = with_subject(text.walk, text.block, hit.term)
        if term is not None and term[:1] in "本这":
            term = of_this_document(text.walk, text.block, term)  # 本章的核心论点：…
        if term is None:
            continue  # ``优点：…`` with nothing named that it is an advantage of
        out.append(Candidate("definition", li, li, DEFINITION, term))
    return out


def _sentence_start(prev: str, line: str) -> bool:
    """Whether ``line`` starts a sentence (the previous line of the paragraph ended one)."""
    tail = prev.rstrip()
    return (
        not tail
        or tail[-1] in "。！!？?；;.:：)）"
        or (cjk_count(line[:4]) > 0 and cjk_count(tail[-2:]) == 0)
    )


def list_leads(text: BlockText) -> list[Candidate]:
    """A lead-in and the list it introduces (see :mod:`cards.extract.lists`)."""
    walk = text.walk
    hit = find_list_card(text.block, text.inline, text.role, walk.lines, walk.skip)
    if hit is None:
        return []
    front = with_subject(walk, text.block, hit.front)
    if front is None:
        return []
    li = hit.line - text.base
    return [Candidate("list", li, li, LIST, front, answer=hit.answer)]


def deflist_terms(text: BlockText) -> list[Candidate]:
    """A definition list's term, answered by its details."""
    term, parent = text.block, text.block.parent
    if text.role != "term" or parent is None:
        return []
    details = []
    for sibling in parent.children[term.index + 1 :]:
        if sibling.kind != "detail":
            break
        details.append(sibling)
    if not details:
        return []
    walk = text.walk
    answer = trim(walk.lines, details[0].start, details[-1].end - 1, walk.skip)
    front = text.inline.plain("\n".join(text.lines))
    return [Candidate("definition", 0, 0, TERM, front, answer=answer)]


# Each finder, under the name the pre-test gives what it may find (a finder is run only on
# a block whose raw content may hold that: :func:`cards.extract.pretest.may_hold`).
FINDERS: tuple[tuple[str, Finder], ...] = (
    (ASKS, questions),
    (DEFINES, definitions),
    (LEADS, list_leads),
    (DEFLIST_TERM, deflist_terms),
)


def resolve(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates that stand, in the order of their lines: each is kept unless its
    lines overlap those of a kept candidate of a higher priority."""
    kept: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: -c.priority):
        if not any(
            k.priority > cand.priority and k.first <= cand.last and cand.first <= k.last
            for k in kept
        ):
            kept.append(cand)
    return sorted(kept, key=lambda c: c.first)
