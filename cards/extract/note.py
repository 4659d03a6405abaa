"""Cards from one note: explicit syntaxes first, then, block by block, what the finders
propose (:mod:`cards.extract.finders`), resolved, with each card's answer
(:mod:`cards.extract.spans`)."""

from __future__ import annotations

import re

from cards.draft import Draft, make_key
from cards.extract.explicit import ExplicitHit, find_explicit
from cards.extract.finders import FINDERS, TERM, BlockText, Candidate, block_text, resolve
from cards.extract.parse import Block, Note, parse_note
from cards.extract.pretest import may_hold
from cards.extract.spans import answer_spans
from cards.extract.walk import Walk

__all__ = ["extract_note", "note_mode"]

_MODE = re.compile(r"^\s*wengu\s*:\s*(?P<mode>[\w-]+)\s*$", re.MULTILINE | re.IGNORECASE)


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
    walk = Walk(note, boilerplate)
    found: list[Draft] = []
    taken: set[int] = set()
    for hit in find_explicit(walk.blocks):
        found.append(_explicit_draft(walk, hit, path))
        taken.update(range(hit.first, hit.last + 1))
        if hit.answer:
            taken.update(range(hit.answer[0], hit.answer[1] + 1))
    if mode == "all":
        for block in walk.blocks:
            if _skipped(walk, block, taken):
                continue
            chances = may_hold(block)
            if chances:
                found.extend(_implicit(walk, block, chances, path))
    return _unique(found)


def _skipped(walk: Walk, block: Block, taken: set[int]) -> bool:
    """Whether a block is part of an explicit card, or boilerplate."""
    if not taken and not walk.skip:
        return False
    first = block.first_line
    lines = range(first, first + block.content.count("\n") + 1)
    return not taken.isdisjoint(lines) or walk.skip.issuperset(lines)


def _implicit(walk: Walk, block: Block, chances: frozenset[str], path: str) -> list[Draft]:
    """Questions, definitions and list cards in one text block (``chances``: what the
    pre-test says it may hold)."""
    text = block_text(walk, block)
    kept = resolve([cand for name, find in FINDERS if name in chances for cand in find(text)])
    if not kept:
        return []
    spans = answer_spans(text, kept)
    return [_draft(walk, text, cand, span, path) for cand, span in zip(kept, spans, strict=True)]


def _draft(
    walk: Walk, text: BlockText, cand: Candidate, span: tuple[int, int] | None, path: str
) -> Draft:
    front = cand.front.strip()
    back = "\n".join(walk.lines[span[0] : span[1] + 1]).strip() if span else ""
    if cand.priority == TERM:
        back = _details(back)
    return Draft(
        kind=cand.kind,
        front=front,
        back=back,
        line=text.base + cand.first + 1,
        end_line=text.base + cand.last + 1,
        answer_lines=(span[0] + 1, span[1] + 1) if span else None,
        context=walk.context(text.block),
        key=make_key(path, cand.kind, front),
    )


# A definition list's detail opens with ``:`` or ``~`` (after at most three spaces).
_DETAIL = re.compile(r"^ {0,3}[:~][ \t]+", re.MULTILINE)


def _details(back: str) -> str:
    """A definition list's details without their markers: one detail as its text, several
    as a list (shown apart from the term, ``: …`` is no markdown of its own)."""
    marker = "- " if len(_DETAIL.findall(back)) > 1 else ""
    return _DETAIL.sub(marker, back)


def _explicit_draft(walk: Walk, hit: ExplicitHit, path: str) -> Draft:
    front = hit.front.strip()
    back = hit.back
    if not back and hit.answer and hit.kind != "cloze":
        back = "\n".join(walk.lines[hit.answer[0] : hit.answer[1] + 1]).strip()
    return Draft(
        kind=hit.kind,
        front=front,
        back=back if hit.kind != "cloze" else "",
        line=hit.first + 1,
        end_line=hit.last + 1,
        answer_lines=(hit.answer[0] + 1, hit.answer[1] + 1) if hit.answer else None,
        context=walk.context(hit.block),
        key=make_key(path, hit.kind, front),
    )


def _unique(found: list[Draft]) -> list[Draft]:
    """The drafts in the order of their lines, one for each key (the first), none with
    an empty front."""
    drafts: dict[str, Draft] = {}
    for draft in sorted(found, key=lambda d: (d.line, d.kind)):
        if draft.front and draft.key not in drafts:
            drafts[draft.key] = draft
    return list(drafts.values())
