"""What a block may hold: a cheap test of its raw content that spares most blocks their
inline parse, and each finder the blocks it cannot find anything in.

For each finder the test says whether the block may hold what it finds: a question (an
interrogative or a question mark), a definition (a colon, dash or copula near a line's
start, or a word that names a term, ``称为``/``called``), a list's lead-in (a colon or a
count on its last line, with a list after it or its items after a colon). A heading only
holds questions: the other finders pass headings by. Each test passes more than its
finder finds, never less (a test holds them to that on generated notes).

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

from cards.extract.definitions import SUBJECT_VERBS
from cards.extract.parse import Block, block_role

__all__ = [
    "ASKS",
    "COUNT",
    "DEFINES",
    "DEFLIST_TERM",
    "FOLLOWS",
    "LEADS",
    "introduced_list",
    "may_ask",
    "may_hold",
    "may_hold_images",
]

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
            # (a colon that ends its line starts no definition: a lead-in's, see may_hold)
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
            # (``A **loss function** tells …``, ```count` holds …``: a term and what it does)
            f"\\*\\*[^*\\n]{{1,40}}\\*\\*[ \\t]+(?i:{'|'.join(SUBJECT_VERBS)})\\b",
            f"`[^`\\n]{{1,40}}`[ \\t]+(?i:{'|'.join(SUBJECT_VERBS)})\\b",
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
            *(r"\?", "？", "吗", "哪", "怎", "何为", "如何", "什么", "可不可以", "有没有"),
            *("还是", "到底", "究竟"),
            *(f"为{c}" for c in "什何啥"),
            *(f"能{c}" for c in "否不"),
            *(f"是{c}" for c in "不否啥"),
            "有多[少大小高低快慢长久远重][啊呢呀]",
        ]
    )
)
# Words that name a term anywhere in a sentence (``我们称…为**X**``, ``is called **X**``,
# ``所谓的 X 也就是…``): the definition finder looks past a line's start for these.
_NAMES = re.compile(
    "|".join(
        [
            *(f"{a}{b}" for a in "称叫" for b in "为作做"),
            "称[^\\n。]{1,30}为",
            "所谓",
            *(f"{c}(?i:alled)" for c in "cC"),
            *(f"{c}(?i:nown as)" for c in "kK"),
        ]
    )
)

# A count (``三种``, ``两部分``, ``多个``, ``4 层``, ``two kinds``, ``3 stages``): what a
# lead-in says of the list after it. The list finder's test too (:mod:`cards.extract.lists`).
_COUNTED = "个|种|类|层|点|步|部分|方面|条|项|大|阶段|件|样"
_DIGITS = "0123456789０１２３４５６７８９"
_COUNT_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "several")
_COUNTS = [
    *(f"{n}\\s*(?:{_COUNTED})" for n in "两二三四五六七八九十几多数"),
    *(f"{d}\\d*\\s*(?:{_COUNTED})" for d in _DIGITS),
    # (not a section's or a version's number: ``4.5.1 Virtualized MMU``)
    *(rf"{d}(?<![\w.]{d})\d*\s+(?i:[a-z])" for d in _DIGITS),
]
_WORD_COUNTS = [
    rf"{first}(?<!\w{first})(?i:{rest})\s+(?i:[a-z])"
    for word in _COUNT_WORDS
    for first, rest in ((word[0], word[1:]), (word[0].upper(), word[1:]))
]
COUNT = re.compile("|".join([*_COUNTS, *_WORD_COUNTS]))
# A lead-in that says a list follows, with neither a colon nor a count, at its line's end
# (``X 的步骤如下``, ``影响性能的因素有很多``, ``… works as follows``).
_FOLLOW_WORDS = [
    *(f"{word}[\\s。.]*$" for word in ("如下", "以下", "下列", "有很多", "有许多", "有不少")),
    *(rf"{first}(?<!\w{first})(?i:{rest})[\s.]*$" for first, rest in (
        ("a", "s follows"), ("A", "s follows"), ("f", "ollowing"), ("F", "ollowing")
    )),
]
FOLLOWS = re.compile("|".join(_FOLLOW_WORDS))
# A lead-in's last line: a colon at its end, or a count (a count in words is looked for
# only in a line that has one of the words: English text has too many t's, f's and s's
# for a pattern that starts with them).
_LEAD = re.compile("|".join([":\\s*$", "：\\s*$", *_COUNTS, *_FOLLOW_WORDS]))
_WORD_COUNT = re.compile("|".join(_WORD_COUNTS))
# (``X 有两个流：输入流和输出流``: a lead-in with its items on its own line)
_ITEMS_AFTER_COLON = re.compile(r"[:：][ \t]*[^ \t]")


# What a block may hold, one name for each finder that may find something in it (see
# :data:`cards.extract.finders.FINDERS`): a question, a definition, a list's lead-in, a
# definition list's term.
ASKS, DEFINES, LEADS, DEFLIST_TERM = "asks", "defines", "leads", "term"
# (each set made once, by its flags: 1 asks, 2 defines, 4 leads)
_HOLDS = [
    frozenset(name for bit, name in ((1, ASKS), (2, DEFINES), (4, LEADS)) if flags & bit)
    for flags in range(8)
]
_TERM_HOLDS = frozenset((ASKS, DEFINES, LEADS, DEFLIST_TERM))


def may_hold(block: Block) -> frozenset[str]:
    """What a block's raw content could hold (empty: no implicit card at all). Each name is
    more than its finder finds, never less: a finder is not run on a block without it."""
    content, kind = block.content, block.kind
    if kind == "heading":
        return _HOLDS[1] if may_ask(content) else _HOLDS[0]
    if kind == "term":
        return _TERM_HOLDS
    flags = 1 if may_ask(content) else 0
    if _near_line_start(content) or _NAMES.search(content):
        flags |= 2
    last = content.rfind("\n") + 1
    if (
        # a list after it, or items after a colon on its last line…
        introduced_list(block, may_hold_images) is not None
        or _ITEMS_AFTER_COLON.search(content, last) is not None
    ) and (  # …that a lead-in introduces
        _LEAD.search(content, last) is not None or _counts_in_words(content, last)
    ):
        flags |= 4
    return _HOLDS[flags]


def _counts_in_words(content: str, start: int) -> bool:
    line = content[start:].lower()
    return any(word in line for word in _COUNT_WORDS) and bool(_WORD_COUNT.search(content, start))


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
    (more than questions, never fewer)."""
    return _ASK.search(content) is not None


def _near_line_start(content: str) -> bool:
    for match in _DEFINITION.finditer(content):
        at = match.start()
        start = content.rfind("\n", 0, at) + 1
        limit = _COPULA_COLUMNS if content[at] in _COPULAS else _TERM_COLUMNS
        if at - start <= limit or (
            # (a link's target is not in the finder's text: ``[名字](https://…) 是…``)
            "](" in content[start:at] and at - start - _targets(content, start, at) <= limit
        ):
            return True
    return False


_TARGET = re.compile(r"\]\([^()\s]*\)")


def _targets(content: str, start: int, end: int) -> int:
    """How many characters of ``content[start:end]`` are links' targets."""
    return sum(len(m.group()) - 1 for m in _TARGET.finditer(content, start, end))
