"""Which blocks may hold an implicit card: a cheap test of a block's raw content that
spares most blocks their inline parse and the finders.

A block passes when it has a colon, dash or copula near a line's start (a definition), an
interrogative (a question, or ``称为``/``called`` naming a term), or a lead-in's colon or
count on its last line, with a list after it or its items after a colon (a list card). A
heading only holds questions: the other finders pass headings by.

The patterns run on every block of every note, so they are written for the speed of
Python's ``re``: every alternative starts with a literal character, not a class, a group,
a lookbehind or a case-folded letter. The engine then jumps to the characters that can
start a match instead of trying each alternative at each position (about 3 to 4 times
faster on real notes). Case-insensitive parts are ``(?i:…)`` groups after the first
character, and a column limit (a definition's term starts a line) is checked on the match.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cards.extract.parse import Block, block_role

__all__ = ["introduced_list", "may_ask", "may_hold_card", "may_hold_images"]

# Whitespace that may stand before an English copula or count word (``\s``, spelled out).
_SPACES = (" ", "\n", "\t", "\u3000", "\xa0")
# A 是/指/即 after these is no copula of a term: 但是, 于是, 也是, 可是, 只是…
_NOT_BEFORE_COPULA = "但于还就都也总只真要可正若凡倒而或不算像"
# …and a 是 after these ends no term either: 的是, 在是, 为是, 和是…
_NOT_BEFORE_SHI = _NOT_BEFORE_COPULA + "的了着过在为把被让给对从向和与及"
_NOT_BEFORE_JIUSHI = "也，,这那么不乎该的都还"
_COPULAS = "是指即定译可就"  # the first characters of the copula alternatives below

_DEFINITION = re.compile(
    "|".join(
        [
            # (a colon that ends its line starts no definition: a lead-in is _LEAD's)
            ":(?!//|[ \t]*(?:\n|$))",
            "：(?![ \t]*(?:\n|$))",
            "—",
            "–",
            " - ",
            " -- ",
            f"是(?<![{_NOT_BEFORE_SHI}]是)(?![不否什啥哪谁多怎如])",
            # (X 就是 Y: a copula of the definition finder, though 就 stops a plain 是; not
            # after what ends no term, 也就是, 这就是, 似乎就是, nor 就是说)
            f"就(?<![{_NOT_BEFORE_JIUSHI}]就)是(?!说)",
            *(
                f"{c}(?<![{_NOT_BEFORE_COPULA}]{c})"
                for c in ("指", "即", "定义为", "译为", "可译为")
            ),
            *(
                f"{space}(?i:(?:is|are)\\s+\\W{{0,3}}(?:a|an|the|one|used|just|simply|"
                f"basically|short|shorthand)|means|refers|stands)\\s"
                for space in _SPACES
            ),
        ]
    )
)
_TERM_COLUMNS = 100  # a definition's colon, dash or English copula starts this near a line's start
_COPULA_COLUMNS = 48  # …and a Chinese copula this near

_ASK = re.compile(
    "|".join(
        [
            *(r"\?", "？", "吗", "哪", "怎", "何为", "如何", "什么", "所谓", "可不可以", "有没有"),
            *(f"为{c}" for c in "什何啥"),
            *(f"能{c}" for c in "否不"),
            *(f"是{c}" for c in "不否啥"),
            *(f"{a}{b}" for a in "称叫" for b in "为作做"),
            "有多[少大小高低快慢长久远重][啊呢呀]",
            "称[^\\n。]{1,30}为",
            *(f"{c}(?i:alled)" for c in "cC"),
            *(f"{c}(?i:nown as)" for c in "kK"),
        ]
    )
)

_NUMERALS = "两二三四五六七八九十几0123456789０１２３４５６７８９"
_LEAD = re.compile(
    "|".join(
        [
            r":\s*$",
            r"：\s*$",
            *(f"{n}\\s*[个种类层点步项条件样]" for n in _NUMERALS),
            *(
                f"{space}(?i:two|three|four|five|six|seven|eight|several)\\s"
                for space in _SPACES
            ),
        ]
    )
)
# (``X 有两个流：输入流和输出流``: a lead-in with its items on its own line)
_ITEMS_AFTER_COLON = re.compile(r"[:：][ \t]*[^ \t]")


def may_hold_card(block: Block) -> bool:
    """Whether a block's raw content could hold an implicit card at all."""
    content, kind = block.content, block.kind
    if kind == "heading":
        return may_ask(content)
    if kind == "term":
        return True
    if _near_line_start(content) or may_ask(content):
        return True
    last = content.rfind("\n") + 1
    return _LEAD.search(content, last) is not None and (  # a lead-in ends it…
        # …that introduces a list, or has its items after a colon on its line
        introduced_list(block, may_hold_images) is not None
        or _ITEMS_AFTER_COLON.search(content, last) is not None
    )


def introduced_list(block: Block, images: Callable[[Block], bool]) -> Block | None:
    """The list a lead-in introduces: nested in its item, or the next block (a paragraph
    between them that ``images`` says holds only images is allowed)."""
    parent = block.parent
    if parent is None:
        return None
    if block_role(block) == "lead":
        return next((child for child in parent.children if child.kind == "list"), None)
    for nxt in parent.children[block.index + 1 : block.index + 3]:
        if nxt.kind == "list":
            return nxt
        if nxt.kind == "paragraph" and images(nxt):
            continue
        return None
    return None


def may_hold_images(block: Block) -> bool:
    """Whether a block's raw content opens with an image (the cheap test; what the list
    finder then checks in the mask)."""
    return block.content.lstrip().startswith(("![", "<img", "<p"))


def may_ask(content: str) -> bool:
    """Whether raw text could hold a question at all: a question mark or an interrogative
    (or a word that names a term, ``称为``, ``called``: more than questions, never fewer)."""
    return _ASK.search(content) is not None


def _near_line_start(content: str) -> bool:
    for match in _DEFINITION.finditer(content):
        at = match.start()
        column = at - content.rfind("\n", 0, at) - 1
        if column <= (_COPULA_COLUMNS if content[at] in _COPULAS else _TERM_COLUMNS):
            return True
    return False
