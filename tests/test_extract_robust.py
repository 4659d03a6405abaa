"""The extractor never crashes, keeps card lines inside the file, and keeps keys stable."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards.extract import extract_note, find_boilerplate, is_binary, read_note

# Text that looks like notes: markdown punctuation, CJK, full-width marks, newlines.
_ALPHABET = st.sampled_from(
    list("abcXYZ 019\n\n\t-*+>#`=:[]()!?{}|_~\\<>/")
    + list("是指即什么吗为如何？：，。（）「」⽣")
    + ["**", "==", "::", ":::", "```", "    ", "- ", "1. ", "# ", "> ", "Q: ", "A: ", "\x00"]
)
notes = st.lists(_ALPHABET, max_size=120).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes)
def test_arbitrary_text_never_raises_and_cards_lie_within_the_file(text: str) -> None:
    total = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for draft in extract_note(text, "n.md"):
        assert 1 <= draft.line <= draft.end_line <= total
        if draft.answer_lines is not None:
            first, last = draft.answer_lines
            assert 1 <= first <= last <= total
        assert draft.front.strip()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_never_raises(text: str) -> None:
    extract_note(text, "n.md")


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="abc 是的。\n", max_size=60),
    st.text(alphabet="xyz 好的。", min_size=1, max_size=40),
)
def test_keys_are_stable_when_the_answer_or_position_changes(before: str, answer: str) -> None:
    note = "## 为什么 TCP 要三次握手?\n\n因为要确认双方的收发能力。\n"
    moved = before.replace("?", "") + "\n\n" + "## 为什么 TCP 要三次握手?\n\n" + answer + "\n"
    key = {d.front: d.key for d in extract_note(note, "n.md") if d.kind == "question"}
    key2 = {d.front: d.key for d in extract_note(moved, "n.md") if d.kind == "question"}
    assert key["为什么 TCP 要三次握手?"] == key2["为什么 TCP 要三次握手?"]


def test_keys_depend_on_the_path() -> None:
    (a,) = extract_note("Why?  Why is it so?\n", "a.md")
    (b,) = extract_note("Why?  Why is it so?\n", "b.md")
    assert a.key != b.key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "x" * 1_000_000,
        ("why is this? " * 80_000) + "\n",
        "- " * 10_000 + "deep?\n",
        "".join("  " * i + "- item?\n" for i in range(2_000)),
        "> " * 10_000 + "quoted?\n",
        "[" * 10_000 + "link?" + "]" * 10_000 + "\n",
        "*" * 50_000 + "\n",
        "a\x00b? c\x00\n",
        "```\n" * 3,
        "---\nwengu: [unclosed\n",
        "## why is this so?\n" * 20_000,
        "".join(f"T{i}: an explanation of it\n" for i in range(20_000)),
    ],
    ids=[
        "empty",
        "blank",
        "1MB",
        "long-questions",
        "list10k",
        "nested2k",
        "quote10k",
        "brackets",
        "stars",
        "nul",
        "fences",
        "front-matter",
        "headings20k",
        "terms20k",
    ],
)
def test_hostile_inputs_do_not_crash(text: str) -> None:
    drafts = extract_note(text, "n.md")
    total = len(text.split("\n"))
    assert all(1 <= d.line <= total for d in drafts)


def test_read_note_decodes_utf8_and_drops_a_bom() -> None:
    assert read_note("\ufeff为什么?".encode(), "a.md") == ("为什么?", [])


def test_read_note_replaces_bad_bytes_and_says_where() -> None:
    text, warnings = read_note(b"ok \xff\xfe bad", "notes/a.md")
    assert "\ufffd" in text and text.startswith("ok ")
    assert len(warnings) == 1 and "notes/a.md" in warnings[0]


def test_binary_detection() -> None:
    assert is_binary(b"\x89PNG\r\n\x1a\nrest")
    assert is_binary(bytes(range(256)) * 8)
    assert not is_binary("普通的笔记\n".encode())
    assert not is_binary(b"")


def test_find_boilerplate_needs_many_files() -> None:
    footer = "Comments powered by the widget"
    notes = [
        f"# Note {i}\n\n" + "".join(f"line {n} of note {i}\n" for n in range(300)) + footer
        for i in range(10)
    ]
    found = find_boilerplate(notes, min_files=5)
    assert len(found) == 1
    assert find_boilerplate(notes[:3], min_files=5) == frozenset()


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_characters="\r"), max_size=80),
        st.lists(st.sampled_from(["a", " ", "中", "!", "![i](u)", ">", "->", "]", "[a](u)", "&",
                                  "&amp;", "&#42;", "~", "\n", ":", "https://x.y/?a=1&b=2",
                                  "<b>", "<http://a.b>", "`c`", "*", "**", "_", "$x$", "\\*"]),
                 max_size=30).map("".join),
    )
)
def test_the_plain_text_shortcut_matches_the_inline_parser(content: str) -> None:
    """A block's mask is the same whether its content takes the shortcut or is parsed."""
    from markdown_it.token import Token

    from cards.extract.parse import Block, parser
    from cards.extract.text import inline_text

    content = content.strip()
    md = parser()
    tokens: list[Token] = []
    md.inline.parse(content, md, {}, tokens)
    block = Block("paragraph", 0, 1, content=content)
    assert block.text().lines == inline_text(tokens, content).lines


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([*list("ab_ 中_文，.\n-:?"), "__", "_a_", "x_y"]), max_size=40).map(
        "".join
    )
)
def test_the_snake_case_shortcut_matches_the_inline_parser(content: str) -> None:
    from markdown_it.token import Token

    from cards.extract.parse import Block, parser
    from cards.extract.text import inline_text

    content = content.strip()
    md = parser()
    tokens: list[Token] = []
    md.inline.parse(content, md, {}, tokens)
    block = Block("paragraph", 0, 1, content=content)
    assert block.text().lines == inline_text(tokens, content).lines
