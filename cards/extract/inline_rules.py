"""A faster inline ruler for markdown-it-py: the same tokens, far fewer rule calls.

markdown-it-py's inline tokenizer tries every inline rule, in order, at every position
where the ``text`` rule stops (a ``*``, a ``:``, a ``-``…). Each rule but ``text`` can
only match at one or two characters, so :class:`InlineDispatchRuler` compiles the chain
into one function that calls only the rules that can match at the current character, in
the chain's order, as :mod:`cards.extract.blocks` does for block rules. A rule it skips
returns ``False`` there without touching the state or its tokens.

Rules it does not know are always called, so another plugin stays correct, only slower.
"""

from __future__ import annotations

from markdown_it.parser_inline import RuleFuncInlineType
from markdown_it.ruler import Ruler
from markdown_it.rules_inline import StateInline

from cards.extract.ruler import dispatch_chains

__all__ = ["TEXT_STOPS", "InlineDispatchRuler"]

# The characters a rule needs at the current position to match.
_FIRST_CHARS = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "math_inline": "$",
    "math_inline_after_code": "$",
    "emphasis": "_*",
    "strikethrough": "~",
    "link": "[",
    "image": "!",
    "footnote_ref": "[",  # it also adds an empty "footnotes" entry to env; tokens are alike
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}
# Characters where markdown-it's ``text`` rule always stops (its default terminators;
# plugins can only add to them), so that it can only match at other characters.
TEXT_STOPS = frozenset("\n!#$%&*+-:<=>@[\\]^_`{}~")


def _allows(name: str, ch: str | None) -> bool:
    """Whether rule ``name`` may match at ``ch`` (None: a character of no rule's set)."""
    if name == "text":
        return ch is None or ch not in TEXT_STOPS
    if name in _FIRST_CHARS:
        return ch is not None and ch in _FIRST_CHARS[name]
    return True


def _dispatcher(rules: list[tuple[str, RuleFuncInlineType]]) -> RuleFuncInlineType:
    """One function standing for the chain of inline rules (in order)."""
    everything = tuple(fn for _, fn in rules)
    chars = set(TEXT_STOPS) | {ch for name, _ in rules for ch in _FIRST_CHARS.get(name, "")}
    by_char = {ch: tuple(fn for name, fn in rules if _allows(name, ch)) for ch in chars}
    other = tuple(fn for name, fn in rules if _allows(name, None))
    get = by_char.get

    def dispatch(state: StateInline, silent: bool) -> bool:
        pos = state.pos
        src = state.src
        for fn in get(src[pos], other) if pos < len(src) else everything:
            if fn(state, silent):
                return True
        return False

    return dispatch


class InlineDispatchRuler(Ruler[RuleFuncInlineType]):
    """An inline :class:`~markdown_it.ruler.Ruler` whose chain is one dispatching function
    (see the module docstring); rules are added and enabled as usual."""

    def __compile__(self) -> None:
        super().__compile__()
        dispatch_chains(self, _dispatcher)
