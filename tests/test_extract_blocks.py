"""The dispatching block and inline rulers give exactly the tokens of markdown-it-py's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from cards.extract import iter_note_files, read_note
from cards.extract.blocks import BlockToken, DispatchRuler, LineState
from cards.extract.inline_rules import TEXT_STOPS, InlineDispatchRuler
from cards.extract.parse import make_parser

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "notes"

PLAIN = make_parser(dispatch=False)
FAST = make_parser()


def _tokens(md: MarkdownIt, text: str) -> tuple[list[tuple[Any, ...]], str]:
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    fields = [
        (t.type, t.tag, t.map, t.content, t.info, t.markup, t.nesting, t.level, t.hidden,
         t.attrs, t.meta, t.block, t.children)
        for t in tokens
    ]
    return fields, repr(env)


def _same(text: str) -> None:
    assert _tokens(FAST, text) == _tokens(PLAIN, text)


def test_the_fast_parser_uses_the_dispatching_ruler() -> None:
    assert isinstance(FAST.block.ruler, DispatchRuler)
    assert not isinstance(PLAIN.block.ruler, DispatchRuler)
    assert FAST.block.ruler.get_active_rules() == PLAIN.block.ruler.get_active_rules()


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: x\n---\n# Head\n\ntext",
        "a | b\n--|--\n1 | 2\n",
        "Term\n: definition\n\n~ other\n",
        "Title\n===\n\nSub\n---\n",
        "para\n    lazy\n- item\n  1. nested\n2) other\n",
        "> quote\ncontinued\n> - list\n>\n> ```\n> code\n",
        "!!! note \"Title\"\n    body\n\n??? tip\n    hidden\n",
        "$$\nx^2\n$$\n\ntext $$ y $$\n",
        "[ref]: /url\n[^1]: foot\n\n<div>\nhtml\n</div>\n<!-- c -->\n",
        "    code\n\tcode\n***\n___\n- - -\n",
        "Term\n\n: after a blank line\n",
        "1. a\n\n   b\n10. c\n* d\n+ e\n",
        "- a\n- b\n  text -\n  ---\n- c\n\npara\nends with =\n==\n",
        "> quote\n> ---\nlazy\n-\n",
        "crlf\r\n===\r\nand a lone\rreturn\x00nul\r\n",
    ],
)
def test_same_tokens_on_each_construct(text: str) -> None:
    _same(text)


def test_chains_still_follow_enable_and_disable() -> None:
    fast, plain = make_parser(), make_parser(dispatch=False)
    for md in (fast, plain):
        md.disable(["table", "hr"])
    text = "a | b\n--|--\n***\n"
    assert _tokens(fast, text) == _tokens(plain, text)
    assert not any(t.type == "table_open" for t in fast.parse(text))


_INDENT = st.sampled_from(["", "", "", " ", "  ", "   ", "    ", "\t", "      "])
_MARK = st.sampled_from(
    ["", "", "", "-", "- ", "* ", "+ ", "1. ", "2) ", "10. ", "> ", ">", "# ", "## ", "#",
     "```", "~~~", "```py", "---", "===", "***", "___", "- - -", "|", "| a | b |",
     "|---|---|", "--|--", ":--", ": ", "~ ", ":", "[a]: /u", "[^1]: x", "[a]", "<div>",
     "</div>", "<!--", "-->", "<span>", "$$", "!!! note", "??? tip", "???+ x", "- [ ] ",
     "Q: ", "term :: "]
)
_TEXT = st.sampled_from(["", "a", "text", "a | b", " b", "?", "`x`", " -", " =", " :", "\x00"])
_LINE = st.tuples(_INDENT, _MARK, _TEXT).map("".join)
_BREAK = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_LINE, _BREAK).map("".join), max_size=30).map("".join))
def test_same_tokens_on_generated_markdown(text: str) -> None:
    _same(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab -*+>#`~=:|[]^<!?$_.1\t\n ")), max_size=80))
def test_same_tokens_on_markdown_punctuation(text: str) -> None:
    _same(text)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_same_tokens_on_every_corpus_note() -> None:
    differ = []
    for path in iter_note_files(CORPUS):
        text, _ = read_note(path.read_bytes(), str(path))
        if _tokens(FAST, text) != _tokens(PLAIN, text):
            differ.append(path.relative_to(CORPUS).as_posix())
    assert not differ


def _tables(state: StateBlock) -> tuple[list[int], ...]:
    return state.bMarks, state.eMarks, state.tShift, state.sCount, state.bsCount, [state.lineMax]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n-")), max_size=60))
def test_line_tables_are_markdown_its(text: str) -> None:
    assert _tables(LineState(text, FAST, {}, [])) == _tables(StateBlock(text, PLAIN, {}, []))


@pytest.mark.parametrize("text", ["", "a", "a\n", "a\n  ", "a\n  \n", "\t x\n \tb\n", "\n\n"])
def test_line_tables_at_the_edges(text: str) -> None:
    assert _tables(LineState(text, FAST, {}, [])) == _tables(StateBlock(text, PLAIN, {}, []))


def _inline(md: MarkdownIt, text: str) -> list[tuple[Any, ...]]:
    tokens: list[Token] = []
    md.inline.parse(text, md, {}, tokens)
    return [
        (t.type, t.tag, t.content, t.markup, t.info, t.nesting, t.level, t.attrs, t.meta)
        for t in tokens
    ]


def test_the_fast_parser_uses_the_dispatching_inline_ruler() -> None:
    assert isinstance(FAST.inline.ruler, InlineDispatchRuler)
    assert FAST.inline.ruler.get_active_rules() == PLAIN.inline.ruler.get_active_rules()
    # the text rule is skipped only where markdown-it's own text rule stops
    assert all(FAST.inline.terminator_re.match(ch) for ch in TEXT_STOPS)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            ["a", "b c", " ", "\n", "*", "**", "_", "__", "`", "``", "$", "$$", "\\", "[", "]",
             "(", ")", "![", "<", ">", "<a>", "</b>", "<!-- x -->", "<https://x.y>", "[^1]",
             "&amp;", "~~", ":", "-", "?", "http://a.b/c", "：", "是", "{{c1::x}}", "=="]
        ),
        max_size=40,
    ).map("".join)
)
def test_same_inline_tokens_on_generated_text(text: str) -> None:
    assert _inline(FAST, text) == _inline(PLAIN, text)


def test_block_tokens_make_attrs_and_meta_on_first_use() -> None:
    token = next(t for t in FAST.parse("- [x] a\n\n1. b\n") if t.type == "ordered_list_open")
    assert isinstance(token, BlockToken)
    plain = next(t for t in PLAIN.parse("- [x] a\n\n1. b\n") if t.type == "ordered_list_open")
    assert token.as_dict() == plain.as_dict()  # (== also compares the classes)
    fresh = next(t for t in FAST.parse("text\n") if t.type == "paragraph_open")
    assert fresh.attrs == {} and fresh.meta == {}
    fresh.attrSet("class", "x")
    fresh.meta["k"] = 1
    assert fresh.attrs == {"class": "x"} and fresh.meta == {"k": 1}
    fresh.attrs = {"id": "y"}
    assert fresh.attrGet("id") == "y"
    assert fresh.copy() == fresh
