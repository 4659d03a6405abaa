"""Parse a note once with markdown-it-py into a light tree of blocks that know their lines.

Only block structure is parsed up front; the inline content of a block is parsed on
demand (:meth:`Block.text`), since most blocks never hold a card.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_cjk_friendly import cjk_friendly, is_cjk
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from cards.extract.text import InlineText, inline_text, plain_inline_text

__all__ = [
    "Block",
    "Note",
    "block_parser",
    "block_role",
    "new_parser",
    "normalized",
    "parse_note",
    "parser",
]

# Deeper nesting than this is left unparsed (markdown-it stops there): no recursion blow-up.
MAX_NESTING = 40

_OPEN_KINDS = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "list_item_open": "item",
    "blockquote_open": "quote",
    "table_open": "table",
    "dl_open": "deflist",
    "dt_open": "term",
    "dd_open": "detail",
    "admonition_open": "admonition",
    "admonition_title_open": "title",
    "footnote_block_open": "footnotes",
    "footnote_open": "footnote",
}
_LEAF_KINDS = {
    "fence": "code",
    "code_block": "code",
    "html_block": "html",
    "hr": "hr",
    "front_matter": "front_matter",
    "math_block": "math",
    "math_block_label": "math",
}


# Characters that start an inline construct; content without any parses to plain text.
# (``!`` only starts an image before a ``[``, ``>`` and ``]`` only end one, and ``&`` is
# left as it is: the entity rule is off.)
_INLINE_MARKUP = re.compile(r"[`*_\[<$\\]")


_MARKUP_BUT_UNDERSCORE = re.compile(r"[`*\[<$\\]")


def _underscores_inside_words(content: str) -> bool:
    """Whether every ``_`` stands between two word characters that are not CJK
    (``snake_case``): such an underscore can neither open nor close emphasis."""
    at = content.find("_")
    while at >= 0:
        before = content[at - 1] if at else " "
        after = content[at + 1] if at + 1 < len(content) else " "
        if _breaks_word(before) or _breaks_word(after):
            return False
        at = content.find("_", at + 1)
    return True


def _breaks_word(char: str) -> bool:
    # (next to CJK text an underscore can open or close emphasis: see cjk_friendly)
    return char.isspace() or char == "_" or unicodedata.category(char)[0] in "PS" or is_cjk(char)


# (a definition's ``:`` or ``~`` may stand after quote or list markers; a pattern that
# starts with the newline is searched for by that character, far faster than ``^``)
# (and a space, then the definition: ``12:30`` or ``:wq`` at a line's start is none)
_DEFLIST_START = re.compile(r"[ \t>*+\-\d.)]*[:~][ \t]+[^ \t\n]")
_DEFLIST_MARK = re.compile(r"\n[ \t>*+\-\d.)]*[:~][ \t]+[^ \t\n]")

# A table's delimiter row (``--|:-:``, after any quote markers or indent) under a line
# with a ``|``: no table without one, though a shell pipe in a code block has a ``|``.
_TABLE_DELIMITER = re.compile(r"\|[^\n]*\n[ \t>]*[|:-][|: \t-]*-[|: \t-]*(?:\n|$)")

# The syntaxes beyond CommonMark, each with a cheap test that a note may use it: a note
# without any ``|`` holds no table, one without ``$$`` no math block… A parser without the
# plugins a note cannot use gives the same tokens, and calls fewer rules on every line.
# (CommonMark's own block rules give up at a line's first character: leaving them out
# where a note cannot use them measured no faster.)
_SYNTAXES: dict[str, Callable[[str], bool]] = {
    "table": lambda source: "|" in source and _TABLE_DELIMITER.search(source) is not None,
    "front_matter": lambda source: source.startswith("---"),
    "deflist": lambda source: bool(_DEFLIST_START.match(source) or _DEFLIST_MARK.search(source)),
    "footnote": lambda source: "[^" in source,
    "admonition": lambda source: "!!!" in source or "???" in source,
    # (a block parse needs the math plugin for a ``$$`` block only: ``$x$`` is inline)
    "math": lambda source: "$$" in source,
}
def parser() -> MarkdownIt:
    """The markdown-it-py instance notes are parsed with: CommonMark plus the syntaxes note
    takers use (tables, front matter, definition lists, footnotes, admonitions, math).

    Its core chain stops after the block rules: a block's inline content is parsed on
    demand (:meth:`Block.text`), since most blocks never hold a card."""
    return _parser_with(frozenset(_SYNTAXES))


def block_parser(source: str) -> MarkdownIt:
    """:func:`parser` without the syntaxes ``source`` cannot hold (the same tokens)."""
    return _parser_with(frozenset(name for name, may in _SYNTAXES.items() if may(source)))


# markdown-it's ``text`` rule: the run of characters up to the next one that may start
# another rule, found by one regex search rather than a step per character. Its own rule
# stops at every character some plugin may start with (``:``, ``-``, ``#``, ``=``…); this
# parser's rules start only with these: a line break, ``!`` (image), ``$`` (math), ``*``
# and ``_`` (emphasis), ``<`` (autolink, HTML), ``[`` (link, footnote), ``\`` (escape) and
# a backtick, and a link's label is skipped token by token up to its ``]``.
_TEXT_RUN = re.compile(r"[^\n!$*<\[\\\]_`]+")


def _text(state: StateInline, silent: bool) -> bool:
    match = _TEXT_RUN.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        state.pending += match.group()
    state.pos = match.end()
    return True


@lru_cache(maxsize=len(_SYNTAXES) ** 2)
def _parser_with(syntaxes: frozenset[str]) -> MarkdownIt:
    return new_parser(syntaxes)


def new_parser(syntaxes: frozenset[str] = frozenset(_SYNTAXES)) -> MarkdownIt:
    """A new instance of :func:`parser` (or of one with only ``syntaxes``), not the shared
    one: for a caller that changes its rules."""
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("strikethrough")
    if "table" in syntaxes:
        md.enable("table")
    if "front_matter" in syntaxes:
        md.use(front_matter_plugin)
    if "deflist" in syntaxes:
        md.use(deflist_plugin)
    if "footnote" in syntaxes:
        md.use(footnote_plugin)
        md.inline.ruler.disable("footnote_inline")
    if "admonition" in syntaxes:
        md.use(admon_plugin)
    if "math" in syntaxes:
        md.use(dollarmath_plugin, allow_space=False, double_inline=True)
    md.use(cjk_friendly)  # **支配（dominates）**了 is bold, as its author meant
    md.inline.ruler.at("text", _text)
    # not needed to find cards
    md.inline.ruler.disable(["entity", "strikethrough"])
    md.inline.ruler2.disable(["strikethrough"])
    # line endings and NUL are normalised by parse_note, which splits the lines itself
    md.core.ruler.disable(["normalize", "inline", "text_join"])
    return md


class Block:
    """A block of the note: ``start``/``end`` are 0-based source lines, ``end`` exclusive;
    ``index`` its position among its parent's children."""

    __slots__ = (
        "_text",
        "children",
        "content",
        "end",
        "index",
        "info",
        "inline_start",
        "kind",
        "level",
        "parent",
        "start",
    )

    def __init__(
        self,
        kind: str,
        start: int,
        end: int,
        parent: Block | None = None,
        index: int = 0,
        content: str = "",
    ) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.parent = parent
        self.index = index
        self.content = content
        self.level = 0
        self.info = ""
        self.children: list[Block] = []
        self.inline_start = -1
        self._text: InlineText | None = None

    def __repr__(self) -> str:
        return f"Block({self.kind!r}, {self.start}, {self.end})"

    def text(self) -> InlineText:
        """The mask of this block's inline content (parsed on first use)."""
        if self._text is None:
            if not self.content:
                self._text = InlineText([""])
            elif not _INLINE_MARKUP.search(self.content) or (
                not _MARKUP_BUT_UNDERSCORE.search(self.content)
                and _underscores_inside_words(self.content)
            ):
                self._text = plain_inline_text(self.content)
            else:
                md = parser()
                tokens: list[Token] = []
                md.inline.parse(self.content, md, {}, tokens)
                self._text = inline_text(tokens, self.content)
        return self._text

    @property
    def first_line(self) -> int:
        """0-based line of the block's first inline line."""
        return self.inline_start if self.inline_start >= 0 else self.start


def block_role(block: Block) -> str:
    """The part a text block plays for the finders: ``heading``, ``term``, ``lead`` (a list
    item's first paragraph) or ``paragraph``."""
    parent = block.parent
    if block.kind in ("heading", "term"):
        return block.kind
    if parent is not None and parent.kind == "item" and parent.children[0] is block:
        return "lead"
    return "paragraph"


@dataclass(slots=True)
class Note:
    """A parsed note: its lines, the block tree and its front matter."""

    lines: list[str]
    root: Block
    front_matter: str = ""
    source: str = ""


def normalized(source: str) -> str:
    """``source`` as markdown-it's own first step would leave it (``\n`` line endings, NUL
    replaced), done once here since the lines are split from it too."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    return source.replace("\0", "\ufffd") if "\0" in source else source


def parse_note(source: str) -> Note:
    """Parse ``source`` into a block tree with 0-based line ranges."""
    source = normalized(source)
    lines = source.split("\n")
    tokens = block_parser(source).parse(source)
    root = Block("root", 0, len(lines))
    note = Note(lines, root, source=source)
    stack = [root]
    top = root
    table_depth = 0  # inside a table nothing is a card: its cells make no blocks
    for tok in tokens:
        nesting = tok.nesting
        kind_name = tok.type
        if table_depth:
            if kind_name == "table_open":
                table_depth += 1
            elif kind_name == "table_close":
                table_depth -= 1
            continue
        if nesting == 1:
            kind = _OPEN_KINDS.get(kind_name) or kind_name.removesuffix("_open")
            span = tok.map
            start, end = span if span else (top.start, top.end)
            children = top.children
            block = Block(kind, start, end if end > start else start + 1, top, len(children))
            if kind == "heading":
                block.level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
            elif kind == "admonition":
                block.info = tok.info.strip()
            elif kind == "list":
                block.info = "ordered" if kind_name == "ordered_list_open" else "bullet"
            elif kind == "item":
                block.info = tok.info or tok.markup
            elif kind == "table":
                table_depth = 1
                children.append(block)
                continue
            children.append(block)
            stack.append(block)
            top = block
        elif nesting == -1:
            if len(stack) > 1:
                stack.pop()
                top = stack[-1]
        elif kind_name == "inline":
            top.content = tok.content
            if tok.map:
                top.inline_start = tok.map[0]
        else:
            kind = _LEAF_KINDS.get(kind_name, kind_name)
            span = tok.map
            start, end = span if span else (top.start, top.start + 1)
            children = top.children
            children.append(
                Block(kind, start, end if end > start else start + 1, top, len(children))
            )
            if kind == "front_matter":
                note.front_matter = tok.content
    return note
