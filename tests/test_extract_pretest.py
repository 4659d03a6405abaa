"""The cheap pre-test of a block is written for the speed of Python's ``re``; these tests
hold it to the plain patterns it stands for, on generated text and on example lines."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.extract.definitions import SUBJECT_VERBS
from cards.extract.parse import Block
from cards.extract.pretest import may_hold

# What the pre-test means, written plainly (slow: each alternative is tried everywhere).
_START = re.compile(
    r"^[^\n]{0,100}?(?:[:：](?!//|[ \t]*$)|—|–| - | -- )|"
    r"^[^\n]{0,48}?(?<![但于还就都也总只真要可正若凡倒而或不算像])"
    r"(?:(?<![的了着过在为把被让给对从向和与及])是(?![不否什啥哪谁多怎如])|指|即|定义为|译为|可译为)|"
    r"^[^\n]{0,48}?(?<![也，,这那么不乎该的都还])就是(?!说)|"
    r"^[^\n]{0,100}?\s(?:(?:is|are)\s+\W{0,3}(?:a|an|the|one|used|just|simply|basically|short|"
    r"shorthand)|means|refers|stands)\s|"
    rf"^[^\n]{{0,100}}?(?:\*\*[^*\n]{{1,40}}\*\*|`[^`\n]{{1,40}}`)[ \t]+"
    rf"(?:{'|'.join(SUBJECT_VERBS)})\b",
    re.IGNORECASE | re.MULTILINE,
)
_ASK = re.compile(
    r"[?？吗哪怎]|为[什何啥]|何为|如何|能[否不]|可不可以|有没有|是[不否啥]|什么|还是|到底|究竟|"
    r"有多[少大小高低快慢长久远重][啊呢呀]",
)
_NAMES = re.compile(r"[称叫][为作做]|称[^\n。]{1,30}为|called|known as|所谓", re.IGNORECASE)
_COUNT = re.compile(
    r"[两二三四五六七八九十几多数]\s*(?:个|种|类|层|点|步|部分|方面|条|项|大|阶段|件|样)|"
    r"[0-9０-９]+\s*(?:个|种|类|层|点|步|部分|方面|条|项|大|阶段|件|样)|"
    r"\b(?:two|three|four|five|six|seven|eight|several)\s+[a-z]|(?<![\w.])[0-9０-９]+\s+[a-z]",
    re.IGNORECASE,
)


def _plain(kind: str, content: str) -> frozenset[str]:
    # (a block alone, with no list after it: a lead-in needs its items after a colon)
    if kind == "heading":
        return frozenset({"asks"} if _ASK.search(content) else ())
    if kind == "term":
        return frozenset({"asks", "defines", "leads", "term"})
    last = content[content.rfind("\n") + 1 :]
    follows = re.search(
        r"(?:如下|以下|下列|有很多|有许多|有不少)[\s。.]*$|\b(?:as follows|following)[\s.]*$",
        last,
        re.IGNORECASE,
    )
    lead = (re.search(r"[:：]\s*$", last) or _COUNT.search(last) or follows) and re.search(
        r"[:：][ \t]*[^ \t]", last
    )
    holds = {
        "asks": _ASK.search(content),
        # (a link's target is not in the finder's text: its column is not counted)
        "defines": _START.search(content)
        or _START.search(re.sub(r"\]\([^()\s]*\)", "]", content))
        or _NAMES.search(content),
        "leads": lead,
    }
    return frozenset(name for name, found in holds.items() if found)


_PIECES = [
    "a", "x", " ", "  ", "\n", "\t", "\u3000", "中文", "术语", "https://a.b/c", ":", "：", "//",
    "—", "–", " - ", " -- ", "-", "是", "的是", "但是", "就是", "其实就是", "也就是", "就是说",
    "这就是", "是不是",
    "是什么", "是指", "指", "指针",
    "即", "立即", "定义为", "被定义为", "可译为", "译为", " is ", " is a ", " are the ", " Is an ",
    " is **a** ", " means ", " refers to ", "Stands", "?", "？", "吗", "哪", "怎", "为什么",
    "何为", "如何", "能否", "能不能", "可不可以", "有没有", "是否", "是啥", "什么", "称为", "叫做",
    "称它为", "有多少啊", "有多快呢", "called", "Called", "known as", "Known as", "所谓", "三个",
    "两种", "3 层", "１２步", "十", " two ", " Several ", "\nthree\t", "x" * 24, "y" * 47, "x" * 60,
    "两部分", "多个", "3 stages", "4.5.1 ", "Two", "kinds", "(", ".", "如下", "有很多",
    "as follows", "**page table**", " holds", " Tells ", "**", "`count`", " returns",
    " Following", "还是", "到底",
    "[名字](https://a.b/" + "c" * 60 + ")", "[名字](https://a.b/" + "c" * 60 + ") 是",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from(["paragraph", "heading", "term"]),
    st.lists(st.sampled_from(_PIECES), max_size=24).map("".join),
)
def test_the_pre_test_is_the_plain_patterns(kind: str, content: str) -> None:
    block = Block(kind, 0, 1, content=content)
    assert may_hold(block) == _plain(kind, content)


@pytest.mark.parametrize(
    ("kind", "content", "holds"),
    [
        ("paragraph", "TLB : 页表的缓存", True),
        ("paragraph", "x" * 120 + " : 太远了", False),  # a colon far from the line's start
        ("paragraph", "x" * 100 + ": 刚好", True),
        ("paragraph", "x" * 101 + ": 太远了", False),
        ("paragraph", "术" * 48 + "是一种技术", True),
        ("paragraph", "术" * 49 + "是一种技术", False),
        ("paragraph", "x" * 99 + " is a map", True),
        ("paragraph", "x" * 101 + " is a map", False),
        ("paragraph", "第一行\n" + "x" * 100 + ": 第二行也算", True),
        ("paragraph", "虚拟化是一种技术", True),
        ("paragraph", "但是这不行", False),
        ("paragraph", "内存屏障可译为 memory barrier", True),
        ("paragraph", "A page table is a map", True),
        ("paragraph", "The PCI domain is only prepended when needed", False),
        ("paragraph", "为什么要这样做", True),
        ("paragraph", "一些说明\n有三种方式：甲、乙、丙", True),  # a count and its items
        ("paragraph", "一些说明\n有三种方式", False),  # …without its items or a list after it
        ("paragraph", "有三种方式\n一些说明", False),  # …and not before the last line
        ("paragraph", "一维化的方法:\n从后往前扫一遍", False),  # a colon that ends its line
        ("paragraph", "一维化的方法:  \n从后往前扫一遍", False),
        ("paragraph", "一些说明\n一维化的方法:", False),  # …ends a lead-in, but no list follows
        ("paragraph", "快排就是分而治之", True),
        # a link's target is not counted: the finder sees its text only
        ("paragraph", "[名字](https://example.org/" + "x" * 60 + ") 是一种技术", True),
        ("paragraph", "名字" * 30 + "是一种技术", False),
        ("paragraph", "RMW 操作分为三部分：之前、操作本身、之后", True),  # a count the finder knows
        ("paragraph", "Two things are certain: death and taxes", True),  # …at the line's start
        ("paragraph", "4.5.1 Virtualized MMU: 一节", True),  # (the colon: a definition)
  # 就是 is a copula, though 就 stops a plain 是
        ("heading", "TLB : 页表的缓存", False),  # a heading holds questions only
        ("heading", "为什么要这样做", True),
        ("term", "anything", True),
    ],
)
def test_the_pre_test_on_example_blocks(kind: str, content: str, holds: bool) -> None:
    assert bool(may_hold(Block(kind, 0, 1, content=content))) is holds


@pytest.mark.parametrize(
    ("source", "holds"),
    [
        ("一些说明\n一维化的方法:\n\n- 从后往前\n- 从前往后\n", True),  # a list follows
        ("一些说明\n有三种方式\n\n- 甲\n- 乙\n- 丙\n", True),
        ("一些说明\n有三种方式\n\n![图](a.png)\n\n- 甲\n- 乙\n- 丙\n", True),  # an image between
        ("一些说明\n有三种方式\n\n另一段\n\n- 甲\n", False),  # a paragraph between
        ("- 一些说明，有三种方式\n  - 甲\n  - 乙\n  - 丙\n", True),  # the item's own list
        ("- 一些说明，有三种方式\n- 甲\n", False),
    ],
)
def test_a_lead_in_passes_when_a_list_follows(source: str, holds: bool) -> None:
    from cards.extract.parse import parse_note
    from cards.extract.walk import Walk

    first = Walk(parse_note(source), frozenset()).blocks[0]
    assert bool(may_hold(first)) is holds


_ASKING = [
    "a", " ", "\n", "中文", "术语", "?", "？", "吗", "呢", "吧", "谁", "多少", "几个", "还是",
    "难道", "为什么", "为何", "何为", "如何", "怎么", "怎样", "能否", "能不能", "可不可以",
    "有没有", "是不是", "是否", "是啥", "什么", "哪里", "有多快啊", "到底", "是", "what", "why",
    "how", "which", "is it", "can it", "does", "X", "`x`", "- ", "[ ] ", "@todo ", "TODO", ":",
    "。", "，",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_ASKING), max_size=16).map("".join))
def test_no_question_is_found_where_the_pre_test_sees_none(content: str) -> None:
    from cards.extract.pretest import may_ask
    from cards.extract.questions import find_questions

    block = Block("paragraph", 0, 1, content=content.strip())
    for whole_block in (True, False):
        if find_questions(block.text(), whole_block=whole_block):
            assert may_ask(block.content)


_DEFINITION_WORDS = [
    "a", "x", " ", "\n", "是", "指", "即", "称", "叫", "定义为", "译为", ":", "：", "—", "–", " - ",
    " -- ", "-", "is", "IS", "Is", "this", "isn't", "are", "Means", "refers", "Stands", "call",
    "called", "CALLED", "known as", "Known As", "中", "_", "1", "é",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_DEFINITION_WORDS), max_size=12).map("".join))
def test_the_definition_finders_first_test_is_its_plain_pattern(content: str) -> None:
    # The literal-first spelling of the finder's cheap first test says what the plain
    # pattern says (for ASCII words: the plain one also folds ı and ſ into "is").
    from cards.extract.definitions import MAY_DEFINE

    plain = re.compile(
        r"[:：—–是指即]| - | -- |\b(?:is|are|means|refers|stands)\b|called|known as|称|叫|"
        r"定义为|译为",
        re.IGNORECASE,
    )
    assert bool(MAY_DEFINE.search(content)) == bool(plain.search(content))


_NOTE_PIECES = [
    "a", " ", "中文", "术语", "TLB", "**页表**", "`x`", "[名字](https://a.b/" + "c" * 60 + ")",
    "https://a.b/c", ":", "：", " : ", "—", " - ", "是", "就是", "是指", "指", "即", "称为",
    "我们称它为", "所谓", " is a ", " means ", " is called ", "?", "？", "吗", "为什么", "如何",
    "什么", "有哪些", "三种", "两部分", "多个", "3 stages", "Two kinds", "two", "4.5.1 ", "，",
    "如下",
    "有很多", "还是", "到底", "究竟", "多少", "是线程",
    "。", "、", "和", "或", "x" * 40, "(", ")", "![图](a.png)", "一种缓存技术", "页表的缓存",
    "[名字](https://a.b/" + "c" * 60 + ") 是一种缓存技术", "A ", "**页表**", " holds the root",
    "但是", "也就是", "就是说", "的是", "都是", "其实就是", "这就是", "于是", "即使", "立即",
    " tells how far it is", "`count`", " indicates the number of pages",
]  # fmt: skip


@settings(max_examples=1200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_NOTE_PIECES), max_size=10).map("".join), max_size=3),
    st.sampled_from(["", "## ", "- ", "Term\n: "]),
    st.sampled_from(["", "\n\n- 甲\n- 乙\n- 丙\n", "\n  - 甲\n  - 乙\n"]),
)
def test_no_finder_finds_where_the_pre_test_sees_nothing(
    lines: list[str], opening: str, after: str
) -> None:
    # Each finder runs only on a block whose raw content may hold what it finds: what it
    # would find anywhere else would be lost.
    from cards.extract.finders import FINDERS, block_text
    from cards.extract.parse import parse_note
    from cards.extract.walk import Walk

    walk = Walk(parse_note(opening + "\n".join(lines) + after), frozenset())
    for block in walk.blocks:
        holds = may_hold(block)
        text = block_text(walk, block)
        for name, find in FINDERS:
            if find(text):
                assert name in holds, (name, block.content)
