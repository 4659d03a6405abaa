"""A faster block ruler for markdown-it-py: the same tokens, far fewer rule calls.

markdown-it-py tries every block rule in order on every block start, and the paragraph,
list, blockquote and reference rules re-run their chain of "terminator" rules (silently)
on every continuation line. Most rules can only match when the line starts with one of a
few characters (a fence with a backtick or tilde, a heading with ``#``…), or when a
neighbouring line does (a table needs a delimiter row below). :class:`DispatchRuler`
compiles each chain into one function that looks at the line once and calls only the
rules that can match there, in the chain's order. A rule it skips is one that would have
returned ``False`` without touching the parser state, so the token stream is identical
(``tests/test_extract_blocks.py`` checks it on the corpus and on generated text).

Rules it does not know are always called, so another plugin stays correct, only slower.

:class:`DispatchBlockParser` also builds the parser state's line tables with string
methods instead of a loop over characters (:class:`LineState`), giving the same tables.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from markdown_it.parser_block import ParserBlock, RuleFuncBlockType
from markdown_it.ruler import Ruler
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType

from cards.extract.ruler import dispatch_chains

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = ["BlockToken", "DispatchBlockParser", "DispatchRuler", "LineState", "normalize"]

# The characters a line must start with (at its first non-space character) for a rule to
# match: each rule returns False on any other character before it changes any state.
_FIRST_CHARS = {
    "admonition": "!?",
    "math_block": "$",
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "footnote_def": "[",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}

# In validation mode (a terminator check) a definition list only continues at ``:``/``~``.
_SILENT_FIRST_CHARS = {**_FIRST_CHARS, "deflist": ":~"}

_Guard = Callable[[StateBlock, int, int, bool], bool]
_Entry = tuple[_Guard | None, RuleFuncBlockType]


def _indented(state: StateBlock, line: int, _end: int, _silent: bool) -> bool:
    """code needs a line indented 4 or more past the block's indent."""
    return state.sCount[line] - state.blkIndent >= 4


def _delimiter_below(state: StateBlock, line: int, end: int, _silent: bool) -> bool:
    """A table needs a ``|`` in its first line and a next line that starts with ``|``,
    ``-`` or ``:`` and holds nothing but those, spaces and tabs."""
    below = line + 1
    if below >= end:
        return False
    src = state.src
    pos = state.bMarks[below] + state.tShift[below]
    stop = state.eMarks[below]
    if pos >= stop or src[pos] not in "|-:" or src[pos:stop].strip("|-: \t"):
        return False
    return src.find("|", state.bMarks[line] + state.tShift[line], state.eMarks[line]) >= 0


def _underline_below(state: StateBlock, line: int, end: int, _silent: bool) -> bool:
    """A setext heading needs a following line (before a blank one) of ``-`` or ``=``
    markers and spaces. Without one, lheading returns False having set ``parentType`` to
    ``"paragraph"`` (unless the line is indented code): that side effect is kept."""
    src, b_marks, t_shift, e_marks = state.src, state.bMarks, state.tShift, state.eMarks
    below = line + 1
    if isinstance(state, LineState):
        # Only lines that end in ``-`` or ``=`` can underline: look no further than the
        # last of them (a paragraph in a long list would otherwise look at every item).
        candidates = state.underline_candidates()
        last = bisect.bisect_left(candidates, end) - 1
        end = candidates[last] + 1 if last >= 0 and candidates[last] > line else below
    while below < end:
        pos = b_marks[below] + t_shift[below]
        stop = e_marks[below]
        if pos >= stop:
            break  # an empty line ends the paragraph
        marker = src[pos]
        if (marker == "-" or marker == "=") and not src[pos:stop].lstrip(marker).strip(" \t"):
            return True
        below += 1
    if not state.is_code_block(line):
        state.parentType = "paragraph"
    return False


def _marker_below(state: StateBlock, line: int, end: int, silent: bool) -> bool:
    """A definition list starts at a term whose next line (or the one after a blank line)
    starts with ``:`` or ``~``; in validation mode the line itself must (inside a ``dd``)."""
    if silent:
        if state.ddIndent < 0:
            return False
        pos = state.bMarks[line] + state.tShift[line]
        return pos < state.eMarks[line] and state.src[pos] in ":~"
    below = line + 1
    if below >= end:
        return False
    if state.bMarks[below] + state.tShift[below] >= state.eMarks[below]:
        below += 1
        if below >= end:
            return False
    pos = state.bMarks[below] + state.tShift[below]
    return pos < state.eMarks[below] and state.src[pos] in ":~"


def _only_markers(state: StateBlock, line: int, _end: int, _silent: bool) -> bool:
    """A thematic break holds nothing but its marker (``*``, ``-`` or ``_``), spaces and
    tabs (a list item ``- text`` is not one)."""
    pos = state.bMarks[line] + state.tShift[line]
    src = state.src
    return not src[pos : state.eMarks[line]].replace(src[pos], "").strip(" \t")


_GUARDS: dict[str, _Guard] = {
    "hr": _only_markers,
    "code": _indented,
    "table": _delimiter_below,
    "lheading": _underline_below,
    "deflist": _marker_below,
}


def _table(
    rules: list[tuple[str, RuleFuncBlockType]], first_chars: dict[str, str]
) -> tuple[dict[str, tuple[_Entry, ...]], tuple[_Entry, ...]]:
    """The rules worth calling for each first character, and for any other character."""

    def entries(ch: str | None) -> tuple[_Entry, ...]:
        return tuple(
            (_GUARDS.get(name), fn)
            for name, fn in rules
            if name not in first_chars or (ch is not None and ch in first_chars[name])
        )

    starts = {ch for name, _ in rules for ch in first_chars.get(name, "")}
    return {ch: entries(ch) for ch in starts}, entries(None)


def _dispatcher(rules: list[tuple[str, RuleFuncBlockType]]) -> RuleFuncBlockType:
    """One function standing for a chain of rules (in order)."""
    everything: tuple[_Entry, ...] = tuple((None, fn) for _, fn in rules)
    # front_matter only ever matches on line 0: the other lines get tables without it.
    later = [(name, fn) for name, fn in rules if name != "front_matter"]
    by_char, other = _table(later, _FIRST_CHARS)
    silent_by_char, silent_other = _table(later, _SILENT_FIRST_CHARS)
    first_by_char, first_other = _table(rules, _FIRST_CHARS)
    first_silent_by_char, first_silent_other = _table(rules, _SILENT_FIRST_CHARS)

    def dispatch(state: StateBlock, line: int, end: int, silent: bool) -> bool:
        pos = state.bMarks[line] + state.tShift[line]
        src = state.src
        if pos >= len(src):
            chosen = everything
        elif line:
            if silent:
                chosen = silent_by_char.get(src[pos], silent_other)
            else:
                chosen = by_char.get(src[pos], other)
        elif silent:
            chosen = first_silent_by_char.get(src[pos], first_silent_other)
        else:
            chosen = first_by_char.get(src[pos], first_other)
        for guard, fn in chosen:
            if guard is not None and not guard(state, line, end, silent):
                continue
            if fn(state, line, end, silent):
                return True
        return False

    return dispatch


class DispatchRuler(Ruler[RuleFuncBlockType]):
    """A block :class:`~markdown_it.ruler.Ruler` whose chains are each one dispatching
    function (see the module docstring); rules are added and enabled as usual."""

    def __compile__(self) -> None:
        super().__compile__()
        dispatch_chains(self, _dispatcher)


class LineState(StateBlock):
    """markdown-it-py's block state with its line tables built line by line (``str``
    methods) rather than character by character; the tables are the same."""

    def __init__(self, src: str, md: MarkdownIt, env: EnvType, tokens: list[Token]) -> None:
        self.src = src
        self.md = md
        self.env = env
        self.tokens = tokens
        self.blkIndent = 0
        self.line = 0
        self.tight = False
        self.ddIndent = -1
        self.listIndent = -1
        self.parentType = "root"
        self.level = 0
        self.result = ""
        parts = src.split("\n")
        if not parts[-1].lstrip(" \t"):
            # Nothing after the last newline, or only spaces: that is not a line.
            parts.pop()
        # (map and accumulate over builtins: no Python code runs per line)
        lengths = list(map(len, parts))
        self.bMarks = list(itertools.accumulate(map((1).__add__, lengths), initial=0))
        self.bMarks.pop()
        self.eMarks = list(map(operator.add, self.bMarks, lengths))
        stripped = map(len, map(str.lstrip, parts, itertools.repeat(" \t")))
        self.tShift = list(map(operator.sub, lengths, stripped))
        if "\t" in src:
            self.sCount = [
                _columns(part, shift) if "\t" in part[:shift] else shift
                for part, shift in zip(parts, self.tShift, strict=True)
            ]
        else:
            self.sCount = self.tShift.copy()
        self.bsCount = [0] * (len(parts) + 1)
        length = len(src)
        self.bMarks.append(length)
        self.eMarks.append(length)
        self.tShift.append(0)
        self.sCount.append(0)
        self.lineMax = len(parts)
        self._code_enabled = "code" in md.block.ruler.get_active_rules()
        self._underlines: list[int] | None = None

    def underline_candidates(self) -> list[int]:
        """The lines, in order, whose text ends in ``-`` or ``=`` (trailing spaces aside):
        the only lines that can underline a setext heading."""
        if self._underlines is None:
            e_marks = self.eMarks
            self._underlines = [
                bisect.bisect_left(e_marks, match.end())
                for match in _UNDERLINE_END.finditer(self.src)
            ]
        return self._underlines


    def push(self, ttype: str, tag: str, nesting: Literal[-1, 0, 1]) -> Token:
        """Push a new block token (as :meth:`StateBlock.push`, building the token directly
        rather than through the dataclass constructor)."""
        token = _new(BlockToken)
        token.type = ttype
        token.tag = tag
        token.nesting = nesting
        token.map = None
        token.children = None
        token.content = token.markup = token.info = ""
        token.block = True
        token.hidden = False
        if nesting < 0:
            self.level -= 1
        token.level = self.level
        if nesting > 0:
            self.level += 1
        self.tokens.append(token)
        return token


_new = object.__new__
_ATTRS: Any = vars(Token)["attrs"]  # the slots under the dataclass fields
_META: Any = vars(Token)["meta"]


class BlockToken(Token):
    """A :class:`~markdown_it.token.Token` whose ``attrs`` and ``meta`` dicts are made on
    first use: most block tokens never have either, and two dicts a token are a large
    share of a parse's allocations."""

    __slots__ = ()

    @property
    def attrs(self) -> dict[str, str | int | float]:
        try:
            value: dict[str, str | int | float] = _ATTRS.__get__(self)
        except AttributeError:
            value = {}
            _ATTRS.__set__(self, value)
        return value

    @attrs.setter
    def attrs(self, value: dict[str, str | int | float]) -> None:
        _ATTRS.__set__(self, value)

    @property
    def meta(self) -> dict[Any, Any]:
        try:
            value: dict[Any, Any] = _META.__get__(self)
        except AttributeError:
            value = {}
            _META.__set__(self, value)
        return value

    @meta.setter
    def meta(self, value: dict[Any, Any]) -> None:
        _META.__set__(self, value)
_UNDERLINE_END = re.compile(r"[-=][ \t]*$", re.MULTILINE)


def _columns(line: str, shift: int) -> int:
    """The width of a line's first ``shift`` characters (spaces and tabs, tab stops of 4)."""
    offset = 0
    for ch in line[:shift]:
        offset += 4 - offset % 4 if ch == "\t" else 1
    return offset


class DispatchBlockParser(ParserBlock):
    """markdown-it-py's block parser with a :class:`DispatchRuler` and a :class:`LineState`."""

    def __init__(self) -> None:
        super().__init__()
        ruler = DispatchRuler()
        ruler.__rules__ = self.ruler.__rules__
        self.ruler = ruler

    def parse(
        self, src: str, md: MarkdownIt, env: EnvType, outTokens: list[Token]
    ) -> list[Token] | None:
        """Tokenize ``src`` into ``outTokens`` (as :meth:`ParserBlock.parse`)."""
        if not src:
            return None
        state = LineState(src, md, env, outTokens)
        self.tokenize(state, state.line, state.lineMax)
        return state.tokens


def normalize(state: StateCore) -> None:
    """markdown-it's ``normalize`` core rule (line endings to ``\\n``, NUL to U+FFFD) with
    ``str.replace``, which leaves a string without them untouched."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src
