"""Notes are parsed block by block, by a parser without the syntaxes a note cannot hold, with
each block's inline content parsed only when a rule asks for it: the blocks and the inline
tokens are those of one full markdown-it parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_cjk_friendly import cjk_friendly

from cards.extract import iter_note_files, read_note
from cards.extract.parse import block_parser, new_parser, normalized, parse_note, parser

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "notes"


def _full(md: MarkdownIt | None = None) -> MarkdownIt:
    """The same parser with markdown-it's inline step left on (one pass over everything)."""
    md = md or parser()
    full = MarkdownIt("commonmark", {"maxNesting": md.options["maxNesting"]}).use(cjk_friendly)
    full.block, full.inline = md.block, md.inline  # the same block and inline rules
    full.core.ruler.disable("text_join")  # the lazy parse keeps escapes as their own tokens
    return full


FULL = _full()
# The front-matter plugin fires at the first line of a container too, when the note's
# first character is its marker (``- ---a``, ``- :--``): front matter inside a list item,
# which no note has. A note holds front matter only where it starts with ``---``.
FULL_WITHOUT_FRONT_MATTER = _full(new_parser())  # (its own rules: parser()'s stay as they are)
FULL_WITHOUT_FRONT_MATTER.block.ruler.disable("front_matter")


def _fields(tokens: list[Token]) -> list[tuple[Any, ...]]:
    """The tokens' fields, footnote definitions left out: they hold no cards, and markdown-it
    moves them to the end only once the inline parse has found a reference to them."""
    out, depth = [], 0
    for t in tokens:
        if t.type in ("footnote_reference_open", "footnote_block_open"):
            depth += 1
        elif t.type in ("footnote_reference_close", "footnote_block_close"):
            depth -= 1
        elif not depth:
            out.append((t.type, t.tag, t.map, t.content, t.info, t.markup, t.nesting, t.level))
    return out


def _same(text: str) -> None:
    env: dict[str, Any] = {}  # (reference definitions found by the block parse)
    text = normalized(text)  # (what parse_note hands the parser, its normalize rule off)
    lazy = block_parser(text).parse(text, env)  # (only the syntaxes the text may hold)
    full = (FULL if text.startswith("---") else FULL_WITHOUT_FRONT_MATTER).parse(text)
    assert _fields(lazy) == _fields(full)
    md = parser()
    for tok in full:
        if tok.type == "inline":
            inline: list[Token] = []
            md.inline.parse(tok.content, md, env, inline)
            assert _fields(inline) == _fields(tok.children or [])


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: x\n---\n# Head\n\ntext *em* `code` $x$",
        "a | b\n--|--\n1 | 2\n",
        "Term\n: definition\n\n~ other\n",
        "Math\n\n$$\nx^2\n$$\n\nand $y$ inline\n",
        "!!! note \"Title\"\n    body **bold**\n",
        "[^1]: foot\n\nsee [a] and [b](u)\n",
        "> quote \\* escaped\n> - list <b>html</b>\n",
    ],
)
def test_lazy_inline_parse_gives_the_full_parse_tokens(text: str) -> None:
    _same(text)


_LINE = st.lists(
    st.sampled_from(["a", " b", "- ", "> ", "# ", "1. ", "`x`", "**", "*", "_", "$", "[a]",
                     "(u)", "<b>", "\\*", ": ", "|", "---", "    ", "是", "？", "\n", "\n\n",
                     "-|-", ":-", "\r\n", "\0", "```", "~~~", "[a]: u", "<!-- c -->", "#",
                     "$$", "~ ", ":", "\t", "12:30", "!!! "]),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_LINE)
def test_lazy_inline_parse_on_generated_markdown(text: str) -> None:
    _same(text)


def test_front_matter_is_only_at_the_start_of_a_note() -> None:
    # (where the reference parse has front matter inside a list item, ours has its text)
    text = normalized("- ---a\na")
    tokens = block_parser(text).parse(text, {})
    assert [t.type for t in tokens if t.type == "front_matter"] == []
    assert [t.content for t in tokens if t.type == "inline"] == ["---a\na"]


def _stock_inline() -> MarkdownIt:
    """The inline rules of :func:`parser` with markdown-it's own ``text`` rule back."""
    from markdown_it.rules_inline import text as stock_text

    md = new_parser()
    md.inline.ruler.at("text", stock_text)
    return md


_STOCK = _stock_inline()


# Single characters (every one that markdown-it's own rule stops at) and the shapes that
# nest a parse inside another rule (a link's label is skipped token by token).
_INLINE = st.lists(
    st.sampled_from([*"ab 是的，\n!#$%&*+-:<=>@[\\]^_`{}~()（）|?", "[a](b)", "![a](b)",
                     "[a **b**](c)", "[a]", "[^1]", "<http://a.b>", "<b>", "**", "__", "$x$",
                     "`c`", "\\*", "  \n", "\\\n"]),
    max_size=24,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_INLINE)
def test_the_text_rule_finds_what_markdown_its_own_does(content: str) -> None:
    ours: list[Token] = []
    md = parser()
    md.inline.parse(content, md, {}, ours)
    stock: list[Token] = []
    _STOCK.inline.parse(content, _STOCK, {}, stock)
    assert _fields(ours) == _fields(stock)


def test_blocks_keep_their_lines_and_inline_content() -> None:
    note = parse_note("# Title\n\npara one\nline two\n\n- item\n  - nested\n")
    heading, para, lst = note.root.children
    assert (heading.kind, heading.start, heading.end, heading.level) == ("heading", 0, 1, 1)
    assert (para.kind, para.start, para.end, para.content) == (
        "paragraph", 2, 4, "para one\nline two")
    assert lst.kind == "list" and lst.children[0].kind == "item"
    assert para.text().lines == ["para one", "line two"]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_lazy_inline_parse_on_every_corpus_note() -> None:
    differ = []
    for path in sorted(iter_note_files(CORPUS))[::7]:
        text, _ = read_note(path.read_bytes(), str(path))
        try:
            _same(text)
        except AssertionError:
            differ.append(path.relative_to(CORPUS).as_posix())
    assert not differ
