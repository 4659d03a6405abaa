"""Cards from one note: explicit syntaxes first, then questions, definitions and list cards."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cards.draft import Draft, make_key
from cards.extract.answers import item_body, next_reply, only_questions, section_body, trim
from cards.extract.boilerplate import boilerplate_key
from cards.extract.definitions import find_definition, is_prose
from cards.extract.explicit import find_explicit
from cards.extract.lists import find_list_card
from cards.extract.parse import Block, Note, parse_note
from cards.extract.questions import find_questions, is_interrogative
from cards.extract.text import InlineText, cjk_count, fold

__all__ = ["extract_note", "note_mode"]

_MODE = re.compile(r"^\s*wengu\s*:\s*(?P<mode>[\w-]+)\s*$", re.MULTILINE | re.IGNORECASE)
_TEXT_KINDS = ("paragraph", "heading", "term")
_NO_CARDS = ("table", "footnotes", "code", "html", "front_matter", "math", "title")
# A block without any of these holds no implicit card (a cheap first test).
# Blocks without any of these hold no implicit card (cheap first tests, most likely first):
# a colon, dash or copula near a line's start, an interrogative, a lead-in's colon or count.
_MAYBE_START = re.compile(
    r"^[^\n]{0,100}?(?:[:：](?!//)|—|–| - | -- )|"
    r"^[^\n]{0,48}?(?<![但于还就都也总只真要可正若凡倒而或不算像])(?:是|指|即)|"
    r"^[^\n]{0,100}?\s(?:is|are|means|refers|stands)\s",
    re.IGNORECASE | re.MULTILINE,
)
_MAYBE_ASK = re.compile(
    r"[?？吗]|为[什何啥]|如何|怎[么样]|能[否不]|可不可以|有没有|是[不否啥]|什么|[称叫][为作做]|"
    r"called|known as|所谓",
    re.IGNORECASE,
)
_MAYBE_LEAD = re.compile(
    r"[:：]\s*$|[两二三四五六七八九十几\d]\s*[个种类层点步项条件样]|"
    r"\s(?:two|three|four|five|six|seven|eight|several)\s",
    re.IGNORECASE | re.MULTILINE,
)


def _maybe_card(content: str) -> bool:
    """Whether a block's raw content could hold an implicit card at all."""
    return bool(
        _MAYBE_START.search(content) or _MAYBE_ASK.search(content) or _MAYBE_LEAD.search(content)
    )


_MARKED_START = re.compile("\\s*[\ue001\ue003\U000f0000-\U000ffffd]")
_TASK = re.compile(r"^\s*\[[ xX]\]\s+")
_CALLOUT = re.compile(r"^\s*\[![\w-]+\][+-]?")


def note_mode(note: Note) -> str:
    """``all`` (default), ``explicit`` or ``none``, from the ``wengu:`` front matter key."""
    match = _MODE.search(note.front_matter) if note.front_matter else None
    if not match:
        return "all"
    mode = match.group("mode").lower()
    if mode in ("false", "no", "off", "none"):
        return "none"
    if mode == "explicit":
        return "explicit"
    return "all"


@dataclass(slots=True)
class _Found:
    kind: str
    front: str
    back_lines: tuple[int, int] | None
    first: int
    last: int
    back: str = ""


class _Walk:
    """One pass over a parsed note."""

    def __init__(self, note: Note, boilerplate: frozenset[str]) -> None:
        self.note = note
        self.lines = note.lines
        self.order: list[Block] = []  # the text blocks, in document order
        self.context: dict[int, tuple[str, ...]] = {}
        self.skip: set[int] = set()
        self.headings: list[Block] = []
        self.heading_index: dict[int, int] = {}
        self._preorder(boilerplate)

    def _preorder(self, boilerplate: frozenset[str]) -> None:
        headings: list[tuple[int, str]] = []
        context: tuple[str, ...] = ()
        stack: list[Block] = list(reversed(self.note.root.children))
        order, contexts = self.order, self.context
        while stack:
            block = stack.pop()
            kind = block.kind
            if kind in _NO_CARDS:
                continue
            if kind == "heading":
                headings = [h for h in headings if h[0] < block.level]
                headings.append((block.level, block.content.strip()))
                context = tuple(h[1] for h in headings)
                self.heading_index[id(block)] = len(self.headings)
                self.headings.append(block)
            if kind in _TEXT_KINDS:  # only text blocks hold cards (and need a context)
                if block.content:
                    order.append(block)
                contexts[id(block)] = context
            if block.children:
                stack.extend(reversed(block.children))
        if boilerplate:
            self.skip = _boilerplate_lines(self.note.source, self.lines, boilerplate)

    def text_blocks(self) -> list[Block]:
        """The blocks with text (paragraphs, headings, terms), in document order."""
        return list(self.order)

    def section_end(self, heading: Block) -> Block | None:
        """The next heading of the same or a higher level (where sub-sections end)."""
        index = self.heading_index.get(id(heading), -1)
        for later in self.headings[index + 1 :] if index >= 0 else []:
            if later.level <= heading.level:
                return later
        return None

    def next_heading(self, heading: Block) -> Block | None:
        index = self.heading_index.get(id(heading), -1)
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


def extract_note(text: str, path: str, *, boilerplate: frozenset[str] = frozenset()) -> list[Draft]:
    """The cards a note holds, in the order of their lines.

    ``path`` is the note's POSIX path relative to the import root (part of each key);
    ``boilerplate`` the lines :func:`cards.extract.find_boilerplate` found in the import.
    """
    try:
        note = parse_note(text)
    except RecursionError:
        return []
    try:
        return _extract(note, path, boilerplate)
    finally:
        _release(note.root)


def _release(root: Block) -> None:
    """Break the tree's parent/child cycles, so that it is freed at once rather than left
    to the cyclic garbage collector (which a large import would otherwise keep busy)."""
    stack = [root]
    while stack:
        block = stack.pop()
        stack.extend(block.children)
        block.children = []
        block.parent = None


def _extract(note: Note, path: str, boilerplate: frozenset[str]) -> list[Draft]:
    mode = note_mode(note)
    if mode == "none":
        return []
    walk = _Walk(note, boilerplate)
    found: list[tuple[_Found, Block | None]] = []
    taken: set[int] = set()
    blocks = walk.text_blocks()
    for hit in find_explicit(blocks):
        found.append(
            (_Found(hit.kind, hit.front, hit.answer, hit.first, hit.last, hit.back), hit.block)
        )
        taken.update(range(hit.first, hit.last + 1))
        if hit.answer:
            taken.update(range(hit.answer[0], hit.answer[1] + 1))
    if mode == "all":
        for block in blocks:
            if _skipped(walk, block, taken):
                continue
            hits = _implicit(walk, block)
            if hits:
                found.extend((f, block) for f in hits)
    return _drafts(walk, found, path)


def _skipped(walk: _Walk, block: Block, taken: set[int]) -> bool:
    if not taken and not walk.skip:
        return False
    first = block.first_line
    lines = range(first, first + block.content.count("\n") + 1)
    return not taken.isdisjoint(lines) or walk.skip.issuperset(lines)


def _drafts(walk: _Walk, found: list[tuple[_Found, Block | None]], path: str) -> list[Draft]:
    drafts: dict[str, Draft] = {}
    for f, block in sorted(found, key=lambda fb: (fb[0].first, fb[0].kind)):
        front = f.front.strip()
        if not front:
            continue
        back = f.back
        if not back and f.back_lines and f.kind != "cloze":
            lo, hi = f.back_lines
            back = "\n".join(walk.lines[lo : hi + 1]).strip()
        key = make_key(path, f.kind, front)
        if key in drafts:
            continue
        drafts[key] = Draft(
            kind=f.kind,
            front=front,
            back=back if f.kind != "cloze" else "",
            line=f.first + 1,
            end_line=f.last + 1,
            answer_lines=(f.back_lines[0] + 1, f.back_lines[1] + 1) if f.back_lines else None,
            context=walk.context.get(id(block), ()),
            key=key,
        )
    return list(drafts.values())


def _role(block: Block) -> str:
    parent = block.parent
    if block.kind == "heading":
        return "heading"
    if block.kind == "term":
        return "term"
    if (
        parent is not None
        and parent.kind == "item"
        and parent.children
        and parent.children[0] is block
    ):
        return "lead"
    return "paragraph"


def _siblings(block: Block) -> list[Block]:
    return block.parent.children if block.parent is not None else [block]


def _implicit(walk: _Walk, block: Block) -> list[_Found]:
    """Questions, definitions and list cards in one text block."""
    if block.kind != "term" and not _maybe_card(block.content):
        return []  # nothing here can start a card: skip the inline parse
    role = _role(block)
    inline = block.text()
    lines = inline.lines
    if lines and lines[0][:1] in " [" and _CALLOUT.match(lines[0]):
        lines = [_CALLOUT.sub("", lines[0]), *lines[1:]]
        inline.lines = lines
    if role == "lead" and lines and lines[0][:1] in " [" and _TASK.match(lines[0]):
        lines = [_TASK.sub("", lines[0]), *lines[1:]]
        inline.lines = lines
    base = block.first_line
    out: list[_Found] = []
    starts: dict[int, str] = {}
    questions = {
        q.first: q for q in find_questions(inline, whole_block=role in ("heading", "lead"))
    }
    for q in questions.values():
        starts[q.first] = "question"
    definitions = {}
    if role != "heading":
        for li, line in enumerate(lines):
            question = questions.get(li)
            if (
                question is None
                and questions
                and any(q.first <= li <= q.last for q in questions.values())
            ):
                continue
            if question is not None and question.marked:
                continue
            # Inside a sentence that runs over lines only a marked term (bold, code) counts.
            marked_only = (
                role == "paragraph"
                and li > 0
                and li - 1 not in definitions
                and not _sentence_start(lines[li - 1], line)
            )
            if marked_only and not _MARKED_START.match(line):
                continue
            hit = find_definition(inline, line)
            if hit is not None and marked_only and not hit.marked:
                continue
            if hit is not None:
                definitions[li] = hit
                questions.pop(li, None)  # a definition wins over an unmarked question
                starts[li] = "definition"
    order = sorted(starts)

    def until_next(li: int) -> int:
        at = bisect.bisect_right(order, li)
        return (order[at] - 1) if at < len(order) else len(lines) - 1

    for _, q in sorted(questions.items()):
        answer: tuple[int, int] | None = None
        if _answers(inline, q.rest):
            answer = (base + q.last, base + until_next(q.last))
        elif (
            q.last < len(lines) - 1
            and until_next(q.last) > q.last
            and role != "heading"
            and _answers(inline, lines[q.last + 1])
        ):
            answer = (base + q.last + 1, base + until_next(q.last))
        elif role == "heading":
            nxt = walk.next_heading(block)
            answer = section_body(walk.lines, block, nxt, walk.skip)
            if answer is None and nxt is not None and nxt.level > block.level:
                # A title over sub-sections only (``# What does X do?`` then ``## …``):
                # its sub-sections answer it.
                answer = section_body(walk.lines, block, walk.section_end(block), walk.skip)
        elif role == "lead" and block.parent is not None:
            answer = item_body(walk.lines, block.parent, block, walk.skip)
            if answer is None and len(block.parent.children) == 1 and not q.rest.strip():
                answer = _visually_nested(walk, block.parent)
        elif role == "paragraph" and q.last == len(lines) - 1:
            answer = next_reply(walk.lines, block, _siblings(block), walk.skip)
        front = inline.render(q.front)
        out.append(
            _Found(
                "question", _with_subject(walk, block, front), answer, base + q.first, base + q.last
            )
        )
    for li, hit in sorted(definitions.items()):
        last = until_next(li)
        if role == "lead" and block.parent is not None and last == len(lines) - 1:
            answer = trim(walk.lines, base + li, block.parent.end - 1, walk.skip)
        else:
            answer = (base + li, base + last)
        out.append(_Found("definition", hit.term, answer, base + li, base + li))
    if role == "term":
        out.extend(_deflist(walk, block, inline))
    listed = find_list_card(block, inline, role, walk.lines, walk.skip)
    lead = _Found("list", listed.front, listed.answer, listed.line, listed.line) if listed else None
    if lead is not None:  # a lead-in is a list card, not a definition or question
        out = [f for f in out if f.first != lead.first or f.kind == "question"]
        if not any(f.first == lead.first for f in out):
            out.append(lead)
    return out


def _sentence_start(prev: str, line: str) -> bool:
    """Whether ``line`` starts a sentence (the previous line of the paragraph ended one)."""
    tail = prev.rstrip()
    return (
        not tail
        or tail[-1] in "。！!？?；;.:：)）"
        or (cjk_count(line[:4]) > 0 and cjk_count(tail[-2:]) == 0)
    )


def _answers(inline: InlineText, rest: str) -> bool:
    """Whether text after a question is an answer: a statement in prose, not a bare URL and
    not only further questions (``我想是不能，…呀?`` answers; ``那么 X 在哪里?`` does not)."""
    rest = rest.strip()
    if not rest or rest.endswith((":", "：")):
        return False
    for clause, mark in _CLAUSE.findall(rest):
        if mark or not clause.strip():
            continue
        plain = inline.plain("".join(c for c in clause if "url" not in inline.kinds(c)))
        if is_interrogative(plain):
            continue
        letters = sum(1 for c in plain if c.isalnum())
        if cjk_count(plain) >= 2 or (letters >= 2 and is_prose(inline, clause)):
            return True
    return False


_CLAUSE = re.compile(r"([^，,。；;?？!！]+)([?？]?)")


def _visually_nested(walk: _Walk, item: Block) -> tuple[int, int] | None:
    """Items typed under an item but indented too little to nest (``3. x ?`` then
    ``  1. y``): the following items or list, while they are indented deeper than it."""
    lst = item.parent
    if lst is None or lst.parent is None:
        return None
    siblings = lst.children
    indent = _indent(walk.lines[item.start])
    deeper: list[Block] = []
    if item.index + 1 < len(siblings):
        following: Iterable[Block] = (siblings[i] for i in range(item.index + 1, len(siblings)))
    else:
        outer = lst.parent.children
        at = lst.index
        nxt = outer[at + 1] if at + 1 < len(outer) else None
        following = nxt.children if nxt is not None and nxt.kind == "list" else []
    for block in following:
        if block.start >= len(walk.lines) or _indent(walk.lines[block.start]) <= indent:
            break
        deeper.append(block)
    if not deeper or all(only_questions(b) for b in deeper):
        return None
    return trim(walk.lines, deeper[0].start, deeper[-1].end - 1, walk.skip)


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _with_subject(walk: _Walk, block: Block, front: str) -> str:
    """A question that leans on its heading (``它``/``this``) gets the heading as a prefix."""
    context = walk.context.get(id(block), ())
    folded = fold(front)
    if (
        context
        and block.kind != "heading"
        and re.match(r"^(它|这|那|其|this|that|it)\b", folded, re.IGNORECASE)
    ):
        return f"{context[-1]}: {front}"
    return front


def _deflist(walk: _Walk, term: Block, inline: InlineText) -> list[_Found]:
    parent = term.parent
    if parent is None:
        return []
    siblings = parent.children
    index = term.index
    details = []
    for s in siblings[index + 1 :]:
        if s.kind != "detail":
            break
        details.append(s)
    if not details:
        return []
    answer = trim(walk.lines, details[0].start, details[-1].end - 1, walk.skip)
    return [
        _Found(
            "definition",
            inline.plain("\n".join(inline.lines)),
            answer,
            term.first_line,
            term.first_line,
        )
    ]
