"""Where a prompt's answer is in the note: a heading's section body, a list item's nested
items, the rest of a paragraph, or the next block when it plainly replies."""

from __future__ import annotations

import re

from cards.extract.parse import Block
from cards.extract.questions import find_questions

__all__ = [
    "is_comment",
    "is_filler",
    "item_body",
    "next_reply",
    "only_questions",
    "section_body",
    "trim",
]

_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_TODO = re.compile(r"^\s*(\[[ xX]\]\s*)?@?(todo|fixme|xxx)\b|^\s*\[[ ]\]", re.IGNORECASE)
# A call chain: ``vcpu_enter_guest ==> inject_pending_event ==> enter_smm``.
_CHAIN = re.compile(r"^\s*[\w.()]+(?:\s*(?:=+>|->|→)\s*[\w.()]+)+\s*$")
# A to-do in Chinese: 检查下其源码, 看一下, 需要一个例子分析.
_TODO_CN = re.compile(
    r"^(\[[ xX]\]\s*)?(检查|看|查|研究|分析|阅读|整理|补充|确认|测试|试|学习|了解|读|对比|比较)"
    r"(一)?下|^(\[[ xX]\]\s*)?(待|需要|有空|以后|之后|找时间)"
)
_BARE = re.compile(
    r"^\s*(<?https?://\S+>?|\[[^\]]*\]\([^)]*\)|`[^`]*`|[\w./-]+\(\)|[\w-]*/[\w./-]+)\s*$"
)


def is_comment(line: str) -> bool:
    """Whether a line is an HTML comment alone."""
    return bool(_COMMENT.match(line))


def trim(lines: list[str], first: int, last: int, skip: set[int]) -> tuple[int, int] | None:
    """``[first, last]`` (0-based) without blank, comment or boilerplate lines at its ends."""
    while first <= last and _empty(lines, first, skip):
        first += 1
    while last >= first and _empty(lines, last, skip):
        last -= 1
    return (first, last) if first <= last else None


def _empty(lines: list[str], i: int, skip: set[int]) -> bool:
    if i >= len(lines):
        return True
    line = lines[i]
    return not line.strip() or i in skip or is_comment(line) or line.strip() in ("---", "***")


def section_body(
    lines: list[str], heading: Block, next_heading: Block | None, skip: set[int]
) -> tuple[int, int] | None:
    """A heading's own body, up to the next heading of any level; none when it holds only
    a bare link, path or TODO."""
    end = next_heading.start if next_heading is not None else len(lines)
    body = trim(lines, heading.end, end - 1, skip)
    if body is None:
        return None
    if all(_empty(lines, i, skip) or is_filler(lines[i]) for i in range(body[0], body[1] + 1)):
        return None
    return body


def is_filler(raw: str) -> bool:
    """A line that answers nothing: a bare link, path or name, or a TODO."""
    text = raw.strip().lstrip(">-*+ \t")
    text = re.sub(r"^\d+[.)]\s+", "", text)
    return bool(
        _TODO.match(text) or _BARE.match(text) or _TODO_CN.match(text) or _CHAIN.match(text)
    )


def only_questions(block: Block) -> bool:
    """A block that holds only further questions, TODOs or a bare link, path or name."""
    texts = _text_blocks(block)
    if not texts:
        return block.kind not in ("code", "math", "table")
    for text in texts:
        raw = text.content.split("\n")
        asked: set[int] = set()
        for q in find_questions(text.text(), whole_block=True):
            asked.update(range(q.first, q.last + 1))
        for i, line in enumerate(raw):
            if not line.strip() or i in asked or is_filler(line):
                continue
            return False
    return True


def _text_blocks(block: Block) -> list[Block]:
    out: list[Block] = []
    stack = [block]
    while stack:
        node = stack.pop()
        if node.content and node.kind in ("paragraph", "heading", "term"):
            out.append(node)
        stack.extend(reversed(node.children))
    return out


def item_body(lines: list[str], item: Block, lead: Block, skip: set[int]) -> tuple[int, int] | None:
    """The blocks nested in a list item after its first paragraph, unless they are only
    further questions or TODOs."""
    rest = [c for c in item.children if c is not lead]
    if not rest or all(only_questions(c) for c in rest):
        return None
    return trim(lines, rest[0].start, item.end - 1, skip)


def next_reply(
    lines: list[str], block: Block, siblings: list[Block], skip: set[int]
) -> tuple[int, int] | None:
    """The block after ``block`` among its siblings, when it plainly replies."""
    for i in range(block.index + 1, len(siblings)):
        nxt = siblings[i]
        if nxt.kind in ("html",) and all(
            is_comment(x) or not x.strip() for x in lines[nxt.start : nxt.end]
        ):
            continue
        if nxt.kind not in ("paragraph", "list", "quote", "admonition"):
            return None
        if only_questions(nxt):
            return None
        return trim(lines, nxt.start, nxt.end - 1, skip)
    return None
