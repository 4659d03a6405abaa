"""Each extraction rule on a note of its own (see ../shared/extraction/GUIDE.md)."""

from __future__ import annotations

import pytest

from cards.draft import Draft
from cards.extract import extract_note


def cards(text: str) -> list[Draft]:
    return extract_note(text, "note.md")


def by_line(text: str) -> dict[int, Draft]:
    return {d.line: d for d in cards(text)}


# --- questions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "- GPU 存在虚拟化吗 ?",
        "- paravirtualization 是啥？",
        "Why is the sky blue?",
        "> 这些东西有什么特殊的地方吗 ?",
        "- [ ] cache 支持并发写操作吗?",
        "# How are tokens parsed?",
        "Is it done? 🙂",
        "What about `NULL` pointers? !",
    ],
)
def test_a_sentence_ending_in_a_question_mark_is_a_question(line: str) -> None:
    found = cards(line + "\n")
    assert [d.kind for d in found] == ["question"]
    assert found[0].line == 1
    assert found[0].needs_answer


@pytest.mark.parametrize(
    "line",
    [
        "- 排序为什么和组播关联到一起",
        "- 如何在 centos 中打开 zswap",
        "- Raft 是什么",
        "- 能不能对 nvme 编程",
        "## zswap 为什么也有 cgroup 啊！",
    ],
)
def test_a_chinese_interrogative_without_a_question_mark_is_a_question(line: str) -> None:
    assert [d.kind for d in cards(line + "\n")] == ["question"]


@pytest.mark.parametrize(
    "text",
    [
        "- 为什么?\n",  # no subject
        "# 利用 kind 赶快上手吧 !\n",  # an exclamation
        "完全不知道云原生在干什么 !\n",
        "这篇文章介绍了如何编译内核，以及内核模块的加载流程，篇幅较长，适合慢慢读。\n",
        "See https://example.com/search?q=rust for more.\n",
        "Call `foo?` to try it.\n",
        "Read [Why is the sky blue?](https://example.com/sky) today.\n",
        "```\nwhat is this?\n```\n",
        "    indented code?\n",
        "<!-- is this a question? -->\n",
        "<div>\nIs this a question?\n</div>\n",
        "| col | q |\n| --- | --- |\n| a | why? |\n",
    ],
)
def test_not_questions(text: str) -> None:
    assert [d for d in cards(text) if d.kind == "question"] == []


def test_a_heading_question_is_answered_by_its_own_section_body() -> None:
    text = "# Why?\n\n## Why is it slow?\n\nBecause of locks.\nAnd I/O.\n\n\n### Sub\n\nmore\n"
    (q,) = [d for d in cards(text) if d.kind == "question"]
    assert (q.line, q.answer_lines) == (3, (5, 6))
    assert q.back == "Because of locks.\nAnd I/O."


def test_a_heading_question_with_an_empty_section_needs_an_answer() -> None:
    (q,) = cards("## 可以 rmmod nvme 吗?\n\n## Next\n")
    assert q.answer_lines is None and q.needs_answer


def test_a_list_question_is_answered_by_its_nested_items() -> None:
    text = "- 压缩的内存可以被 swap 出去吗?\n  - 是的，可以。\n- next\n"
    (q,) = cards(text)
    assert q.answer_lines == (2, 2)


def test_nested_items_that_are_only_questions_or_todos_are_no_answer() -> None:
    text = "- cache 支持并发写吗?\n  - 如果不支持，性能有多低?\n  - TODO 看源码\n"
    first = by_line(text)[1]
    assert first.answer_lines is None


def test_text_after_the_question_mark_is_the_answer() -> None:
    (q,) = cards("- 红黑树可以并行访问吗? 应该是不行的\n")
    assert q.answer_lines == (1, 1)
    assert q.front == "红黑树可以并行访问吗?"


def test_a_bare_link_after_the_question_mark_is_no_answer() -> None:
    (q,) = cards("- libvirt 是什么 ? https://github.com/libvirt/libvirt\n")
    assert q.answer_lines is None


def test_a_paragraph_question_is_answered_by_the_next_block_that_replies() -> None:
    text = "How do we list the runtime path?\n\nUse the `rtp` option with `set`.\n"
    (q,) = cards(text)
    assert q.answer_lines == (3, 3)


def test_the_next_block_is_no_answer_when_it_is_another_question() -> None:
    text = "那么如何理解 DYNAMIC ?\n\n如何理解 tracefs 中的 events ?\n"
    assert all(d.answer_lines is None for d in cards(text))


def test_a_question_wrapped_over_lines_reports_its_span() -> None:
    text = "I use Vim a lot. But what\nif I want to open a file at a line?\n\nUse `+159`.\n"
    (q,) = cards(text)
    assert (q.line, q.end_line) == (1, 2)
    assert q.answer_lines == (4, 4)


def test_because_after_a_chinese_question_is_its_inline_answer() -> None:
    (q,) = cards("docker 为什么可以跨架构, 因为里面装了 qemu\n")
    assert q.answer_lines == (1, 1)


# --- definitions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "term"),
    [
        ("Borg : Large-scale cluster management at Google", "Borg"),
        ("动态管理：由中心化的编排来进行调度", "动态管理"),
        ("- **MemAlloy**: 基于 Alloy 的模型检查工具", "MemAlloy"),
        ("- `>>`：将输出追加到文件末尾", "`>>`"),
        ("**TLB** — a cache of page table entries used by the MMU", "TLB"),
        ("SSD 是用固态电子存储芯片阵列制成的硬盘", "SSD"),
        ("二值图像是指每个像素只有两种取值的图像", "二值图像"),
        ("陷阱（trap）是一种同步的异常", "陷阱（trap）"),
        ("所谓滑动窗口，就是发送方可以连续发送的数据量", "滑动窗口"),
        ("A mutex is a lock that only one thread can hold", "mutex"),
        ("The `rtp` option is the shorthand for `runtimepath`.", "`rtp` option"),
        ("RAII means tying resource lifetime to object lifetime", "RAII"),
        ("[nodejs](https://nodejs.org) 是 js 的运行时环境", "nodejs"),
        ("https://github.com/weaveworks/footloose : 让 docker 类似虚拟机", "footloose"),
        ("这种读写方式称为**同步 I/O**，调用会一直等待", "同步 I/O"),
    ],
)
def test_definitions(line: str, term: str) -> None:
    (d,) = cards(line + "\n")
    assert d.kind == "definition"
    assert d.front == term
    assert d.answer_lines == (1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "参考:\n",
        "TODO: 看一下\n",
        "guest flags : fpu vme de pse tsc msr pae\n",
        "time: 12:30:45\n",
        "version: 1.2.3\n",
        "https://news.ycombinator.com/item?id=1 : 原理\n",
        "rust vmm : https://github.com/rust-vmm\n",
        "它是一个很好的工具\n",
        "每个闪存块读的次数是有限的\n",
        "```\nkey: value with some words\n```\n",
        "## Chapter 2 : Solutions of equations\n",
        "授课：某老师\n",
    ],
)
def test_not_definitions(text: str) -> None:
    assert [d for d in cards(text) if d.kind == "definition"] == []


def test_a_definition_continued_on_the_next_line_takes_the_line() -> None:
    (d,) = cards("nodejs 是 js 的 runtime environment,\nused to run scripts server-side\n")
    assert d.answer_lines == (1, 2)


def test_a_definition_item_takes_its_nested_items() -> None:
    text = "- `find`：按条件查找文件\n\n    例如 `find . -name x`\n\n- `ls`：列出目录\n"
    first = by_line(text)[1]
    assert first.answer_lines == (1, 3)


def test_definition_lists() -> None:
    (d,) = cards("Lifetime\n: how long a reference stays valid\n")
    assert (d.kind, d.front, d.answer_lines) == ("definition", "Lifetime", (2, 2))
    assert d.back == "how long a reference stays valid"  # not ": how long…"


def test_a_definition_lists_details_are_its_back_as_a_list() -> None:
    (d,) = cards("Borrow\n: a reference that does not own\n~ checked at compile time\n  always\n")
    assert d.back == "- a reference that does not own\n- checked at compile time\n  always"


def test_consecutive_colon_definitions_in_one_paragraph() -> None:
    text = "UBER：不可修复的错误比特率\nRBER：原始错误比特率\nMTBF：平均故障间隔时间\n"
    assert [(d.line, d.front) for d in cards(text)] == [(1, "UBER"), (2, "RBER"), (3, "MTBF")]


# --- list cards ------------------------------------------------------------------------


def test_a_lead_in_with_a_colon_and_a_list_is_a_list_card() -> None:
    text = "云原生系统须具备下面这些属性：\n1. 应用容器化：以容器部署\n2. 动态管理：集中编排\n"
    found = by_line(text)
    assert (found[1].kind, found[1].front, found[1].answer_lines) == (
        "list",
        "云原生系统须具备下面这些属性",
        (2, 3),
    )
    assert found[2].kind == found[3].kind == "definition"


def test_a_label_before_a_list_is_no_list_card() -> None:
    assert [d.kind for d in cards("参考：\n- https://a.example\n- https://b.example\n")] == []


def test_a_list_item_ending_in_a_colon_with_nested_items() -> None:
    text = "## 二分法\n- **优点**：\n  - 总能收敛\n  - 实现简单\n"
    (d,) = [d for d in cards(text) if d.kind == "list"]
    assert (d.kind, d.front, d.answer_lines) == ("list", "二分法 的优点", (3, 4))


# --- explicit --------------------------------------------------------------------------


def test_q_and_a() -> None:
    (d,) = cards("Q: What is 418?\nA: I'm a teapot.\n")
    assert (d.kind, d.front, d.back, d.answer_lines) == (
        "basic",
        "What is 418?",
        "I'm a teapot.",
        (2, 2),
    )


def test_double_and_triple_colon() -> None:
    found = cards("cat :: 猫\n\ndog ::: 狗\n")
    assert [(d.kind, d.front, d.back) for d in found] == [
        ("basic", "cat", "猫"),
        ("reversed", "dog", "狗"),
    ]


def test_a_lone_question_mark_separates_front_and_back() -> None:
    (d,) = cards("Which planet\nspins fastest?\n?\nJupiter.\n")
    assert (d.kind, d.front, d.back, d.line, d.end_line) == (
        "basic",
        "Which planet\nspins fastest?",
        "Jupiter.",
        1,
        2,
    )


def test_clozes() -> None:
    (d,) = cards("The capital is ==Canberra== and {{c1::not Sydney}}.\n")
    assert d.kind == "cloze"
    assert d.front == "The capital is {{c2::Canberra}} and {{c1::not Sydney}}."
    assert d.back == "" and not d.needs_answer


def test_explicit_cards_win_over_heuristics() -> None:
    assert [d.kind for d in cards("Q: Why is TCP reliable?\nA: acks and retransmits\n")] == [
        "basic"
    ]


def test_no_cloze_in_code() -> None:
    assert cards("Use `a ==b== c` here.\n") == []


# --- opting out, context, keys ---------------------------------------------------------


def test_front_matter_opt_out() -> None:
    assert cards("---\nwengu: false\n---\nWhy is the sky blue?\n") == []


def test_front_matter_explicit_only() -> None:
    found = cards("---\nwengu: explicit\n---\nWhy is the sky blue?\n\ncat :: 猫\n")
    assert [d.kind for d in found] == ["basic"]


def test_context_is_the_heading_path() -> None:
    found = by_line("# A\n## B\n- 为什么 TCP 要三次握手?\n")
    assert found[3].context == ("A", "B")


def test_admonitions_and_callouts_are_prose() -> None:
    text = '!!! note "特殊变量"\n    - `$0`：脚本的名称\n\n> [!note]\n> What is a callout?\n'
    found = by_line(text)
    assert found[2].kind == "definition"
    assert found[5].kind == "question"


def test_kangxi_radicals_normalise_in_keys() -> None:
    (a,) = extract_note("云原⽣是什么?\n", "n.md")
    (b,) = extract_note("云原生是什么?\n", "n.md")
    assert a.key == b.key


def test_boilerplate_lines_are_no_cards_and_no_answers() -> None:
    footer = "Was this page helpful? Leave a comment below"
    text = f"# Why is the sky blue?\n\nRayleigh scattering.\n\n{footer}\n"
    from cards.extract.boilerplate import boilerplate_key

    found = extract_note(text, "n.md", boilerplate=frozenset({boilerplate_key(footer)}))
    assert [(d.line, d.answer_lines) for d in found] == [(1, (3, 3))]


# --- lead-ins, answers and terms: finer rules ------------------------------------------


def test_a_counted_lead_in_without_a_colon_matches_its_list() -> None:
    text = "这些顺序可以组合成三种模型\n\n- 顺序一致\n- 获取释放\n- 宽松\n"
    (d,) = cards(text)
    assert (d.kind, d.line, d.answer_lines) == ("list", 1, (3, 5))


def test_a_counted_lead_in_whose_count_differs_from_the_list_is_no_card() -> None:
    assert cards("这些顺序可以组合成三种模型\n\n- 顺序一致\n- 宽松\n") == []


def test_a_one_line_enumeration_after_a_counted_colon_is_a_list_card() -> None:
    (d,) = cards("PCIe 定义了三层：事务层、数据链路层和物理层\n")
    assert (d.kind, d.front, d.answer_lines) == ("list", "PCIe 定义了三层", (1, 1))


def test_a_lead_in_may_be_the_last_sentence_of_a_paragraph_and_skip_an_image() -> None:
    text = "前面说了很多背景。常用的距离度量有：\n\n![fig](a.png)\n\n- 欧氏距离\n- 曼哈顿距离\n"
    (d,) = cards(text)
    assert (d.kind, d.front, d.answer_lines) == ("list", "常用的距离度量有", (5, 6))


def test_a_lead_in_line_is_a_list_card_rather_than_a_definition() -> None:
    text = "连通性是等价关系，有下列性质:\n\n1. 自反\n2. 对称\n3. 传递\n"
    assert [(d.kind, d.answer_lines) for d in cards(text)] == [("list", (3, 5))]


def test_a_further_question_after_the_question_mark_is_no_answer() -> None:
    (q,) = cards("- PCIe 存在控制器吗 ？ 那么 DMA 控制器放在哪里 ？\n")
    assert q.answer_lines is None


def test_a_statement_before_a_further_question_is_an_answer() -> None:
    (q,) = cards("- eBPF 可以写内核模块吗 ? 我想是不能，什么时候触发呀 ?\n")
    assert q.answer_lines == (1, 1)


def test_a_bare_term_on_the_next_line_is_no_answer() -> None:
    (q,) = cards("全序关系 如何理解?\nHappens-Before\n")
    assert q.answer_lines is None


def test_a_section_holding_only_a_link_is_no_answer() -> None:
    (q,) = cards("## 为什么内核定义了 LKMM ?\nhttps://example.com/lkmm\n\n## 资源\n")
    assert q.answer_lines is None


def test_nested_chinese_to_dos_are_no_answer() -> None:
    (q,) = cards("- 什么平台上 atomic_flag 不是 lock free 的?\n  - 检查下其源码\n")
    assert q.answer_lines is None


def test_a_list_typed_under_an_item_but_not_indented_enough_answers_it() -> None:
    text = "1. 第一项\n3. rootfs 是啥 ?\n  1. rootfs 是 ramfs 的特例\n"
    found = by_line(text)
    assert found[2].answer_lines == (3, 3)


def test_code_terms_keep_their_backticks_and_distinct_keys() -> None:
    text = "- `$?`：上一个命令的退出状态\n- `$*`：所有参数，作为一个字符串\n- `*`：匹配任意字符\n"
    found = cards(text)
    assert [d.front for d in found] == ["`$?`", "`$*`", "`*`"]
    assert len({d.key for d in found}) == 3


def test_inline_math_does_not_swallow_code_spans() -> None:
    text = "- `$$`：当前进程 ID，而 $x^2$ 是公式\n- `$_`：上一个参数\n"
    assert [d.front for d in cards(text)] == ["`$$`", "`$_`"]


def test_a_task_marker_is_not_part_of_the_question() -> None:
    (q,) = cards("- [x] 什么是 Bundle 啊?\n")
    assert q.front == "什么是 Bundle 啊?"


@pytest.mark.parametrize("line", ["- 什么是 mixin", "- 什么东西是 TileLink", "- Raft 是什么"])
def test_what_is_questions_are_not_definitions(line: str) -> None:
    assert [d.kind for d in cards(line + "\n")] == ["question"]


@pytest.mark.parametrize(
    "line", ["源码在: fs/pipe.c 下的文件", "抽象类中：可以调用纯虚函数", "的确是一个很好的方向"]
)
def test_terms_do_not_end_in_function_words_or_start_with_adverbs(line: str) -> None:
    assert [d for d in cards(line + "\n") if d.kind == "definition"] == []


def test_explicit_cards_carry_their_own_heading_context() -> None:
    found = cards("# A\n\ncat :: 猫\n\n# B\n\nQ: 狗?\nA: dog\n")
    assert [(d.front, d.context) for d in found] == [("cat", ("A",)), ("狗?", ("B",))]


@pytest.mark.parametrize(
    ("line", "term"),
    [
        ("- 欧拉数（亏格数，genus）：连通分量数减去洞的数量", "欧拉数（亏格数，genus）"),
        ("- 棋盘距离，即切比雪夫距离：两点之间的最大坐标差", "棋盘距离，即切比雪夫距离"),
        ("- A Software Bug is **a failure or flaw** in a program", "Software Bug"),
    ],
)
def test_glossed_aliased_and_emphasised_definitions(line: str, term: str) -> None:
    (d,) = cards(line + "\n")
    assert (d.kind, d.front) == ("definition", term)


@pytest.mark.parametrize(
    "line",
    [
        "The simplest illustration of maintaining coherence is a system with one cache",
        "Since sysfs is an interface to export data, only the kernel populates it",
        "cross/arch/mips/kernel/traps.c : host need it too",
    ],
)
def test_long_english_subjects_connectives_and_paths_are_not_terms(line: str) -> None:
    assert [d for d in cards(line + "\n") if d.kind == "definition"] == []


def test_a_colon_after_a_sentence_leaves_the_copula_definition() -> None:
    (d,) = cards("Linearizability is a nonblocking property: a pending call never waits\n")
    assert (d.kind, d.front) == ("definition", "Linearizability")


def test_a_title_question_over_sub_sections_only_is_answered_by_them() -> None:
    text = "# What does the scheduler do?\n\n## Picking\nIt picks a task.\n\n# Other\n"
    (q,) = cards(text)
    assert q.answer_lines == (3, 4)


def test_a_vague_count_without_a_colon_is_no_lead_in() -> None:
    text = "This approach fails for several reasons.\n\n- one\n- two\n"
    assert [d.kind for d in cards(text)] == []


def test_an_exact_count_matching_the_list_makes_a_lead_in() -> None:
    text = "This section presents two examples of optimization.\n- the first\n- the second\n"
    assert [(d.kind, d.answer_lines) for d in cards(text)] == [("list", (2, 3))]


def test_a_condition_is_no_lead_in() -> None:
    text = "2. 如果像素点值为 1，则分 2 种情况：\n    - 上面有标记\n    - 左面有标记\n"
    assert [d for d in cards(text) if d.kind == "list"] == []
