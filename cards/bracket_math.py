"""LaTeX's own math delimiters for markdown-it: ``\\(…\\)`` inline, ``\\[…\\]`` displayed.

Notes copied from LaTeX, Anki or a chat window use these as often as ``$…$``.
CommonMark reads ``\\(`` as an escaped parenthesis, so the delimiters would be
lost; this plugin turns them into the very tokens ``dollarmath`` makes
(``math_inline``, ``math_inline_double`` for ``\\[…\\]`` inside a line,
``math_block`` for a ``\\[…\\]`` starting a line), so both notations render
the same way. A delimiter with no closing partner stays ordinary text.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

__all__ = ["bracket_math_plugin"]

_INLINE = {"\\(": ("\\)", "math_inline"), "\\[": ("\\]", "math_inline_double")}


def _math_inline(state: StateInline, silent: bool) -> bool:
    opening = state.src[state.pos:state.pos + 2]
    if opening not in _INLINE:
        return False
    closing, token_type = _INLINE[opening]
    start = state.pos + 2
    end = state.src.find(closing, start)
    if end == -1 or not state.src[start:end].strip():
        return False
    if not silent:
        token = state.push(token_type, "math", 0)
        token.content = state.src[start:end].strip()
        token.markup = opening
    state.pos = end + 2
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:  # an indented code block
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", begin):
        return False
    # The closing \] ends its line (text after it would belong to no block).
    first_line = state.src[begin + 2:state.eMarks[start_line]].rstrip()
    if "\\]" in first_line and not first_line.endswith("\\]"):
        return False  # closed within the line, text after it: inline math
    line = start_line
    first = begin + 2
    while line < end_line:
        line_start = first if line == start_line else state.bMarks[line] + state.tShift[line]
        text = state.src[line_start:state.eMarks[line]]
        if line != start_line and not text.strip():
            return False  # a blank line ends the paragraph before any \]
        if text.rstrip().endswith("\\]") and (line != start_line or len(text.rstrip()) >= 2):
            content_end = line_start + len(text.rstrip()) - 2
            break
        line += 1
    else:
        return False
    if silent:
        return True
    state.line = line + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = state.src[first:content_end]
    token.markup = "\\["
    token.map = [start_line, state.line]
    return True


def bracket_math_plugin(md: MarkdownIt) -> None:
    """Parse ``\\(…\\)`` and ``\\[…\\]`` as math (render rules: ``dollarmath``'s tokens)."""
    md.inline.ruler.before("escape", "math_brackets", _math_inline)
    md.block.ruler.before("fence", "math_block_brackets", _math_block,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
