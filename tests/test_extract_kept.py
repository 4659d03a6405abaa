"""Rules that keep cards a person would keep, and drop what they would not.

Each rule is shown on short fragments, in our own words, of the shapes found in notes by
at least two authors: the kernel and virtualization notes of ``../shared/corpus`` (whose
author also wrote the labelled ``seed`` and ``dev`` notes), the course notes of
``dev2/xestray`` and the English ``dev2/til`` notes.
"""

from __future__ import annotations

import pytest

from cards.draft import Draft
from cards.extract import extract_note


def cards(text: str) -> list[Draft]:
    return extract_note(text, "note.md")


def kinds(text: str) -> list[tuple[str, str]]:
    return [(d.kind, d.front) for d in cards(text)]


# --- bold next to full-width punctuation (cjk_friendly) -----------------------------


@pytest.mark.parametrize(
    ("line", "term"),
    [
        # course notes: a bold term glossed in full-width brackets, then a full-width colon
        ("- **舍入误差（roundoff error）**：机器只能保留有限位数字时产生的误差\n",
         "舍入误差（roundoff error）"),
        # kernel notes: the same shape around a layer name
        ("- **数据链路层（Layer 2）**：直接收发以太网帧的一层\n", "数据链路层（Layer 2）"),
    ],
)
def test_bold_next_to_full_width_punctuation_is_a_marked_term(line: str, term: str) -> None:
    assert kinds(line) == [("definition", term)]


def test_bold_before_a_cjk_character_is_bold() -> None:
    # kernel notes: **支配（dominates）**了 … (CommonMark alone keeps the asterisks)
    text = "若 d 在每条路径上，我们称 d **支配（dominates）**了 n\n"
    assert not any("**" in d.front and "了" in d.front for d in cards(text))


# --- questions without a question mark ----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "- vhost-user 的 backend 是做什么的\n",  # corpus
        "- IntCtl 中的这个位是什么意思\n",  # corpus, in a quote in the original
        "## is child 是什么意思\n",  # labelled dev notes, a heading
        "- 这个 ioctl 有什么用\n",
    ],
)
def test_a_question_ending_in_what_for_or_what_it_means_is_a_question(line: str) -> None:
    assert [k for k, _ in kinds(line)] == ["question"]


def test_a_task_heading_is_a_question_without_its_box() -> None:
    (d,) = cards("## [ ] swap cache 有 clean 的说法吗?\n\n它和 page cache 一样可以直接丢弃。\n")
    assert d.front == "swap cache 有 clean 的说法吗?"
    assert d.answer_lines == (3, 3)


@pytest.mark.parametrize(
    "line",
    [
        # a check, not a question: …可以用 X 检验在当前平台上是否 lock-free
        "- 它不保证无锁，可以用 is_lock_free 检验当前平台上是否无锁\n",
        # not understanding something is a remark
        "又一次无法理解这两个原子操作的含义是什么\n",
        # an errand: 分析 …是如何…
        "- 分析 Icache 是如何被使用的\n",
        "- https://example.org/notes/vfio : 分析 nixos 如何配置直通\n",
        # a suggestion ending in 吧?, an opinion with a question mark
        "在 ubuntu 上测试吧?\n",
        "其实我对于 exec 的设计非常不满 ?\n",
        # hollow: a lone short word, 真的吗, 干啥的
        "- del ?\n",
        "真的吗?\n",
        "- 干啥的 ？\n",
    ],
)
def test_remarks_errands_and_hollow_questions_are_no_cards(line: str) -> None:
    assert [k for k, _ in kinds(line)] == []


# --- definitions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "term"),
    [
        ("支配边界被定义为所有这样的节点的集合\n", "支配边界"),  # corpus (compiler notes)
        ("截断误差被定义为用有限项近似无穷级数引入的误差\n", "截断误差"),  # course notes
        ("我们称这种只依赖前一状态的过程为**马尔可夫过程**\n", "马尔可夫过程"),
        ("内存屏障可译为 memory barrier，用来约束访存的顺序\n", "内存屏障"),  # (a lone 可译为)
    ],
)
def test_defined_as_and_we_call_it_are_definitions(line: str, term: str) -> None:
    assert kinds(line) == [("definition", term)]


@pytest.mark.parametrize(
    "line",
    [
        # a C++ or Rust path is not a term and its colon
        "- captive::arch::jit::lowering::NativeLowering\n",
        "std::atomic_flag 功能过于局限，相比之下 std::atomic<bool> 更易用\n",
        # hedges and function words are not terms
        "猜测 : 由于 mount 的空间不同，同一路径可以看到不同内容\n",
        "- 似乎 : 反正用户进程无法访问内核地址空间\n",
        "无论是 MIN 还是 TIME，作用都是限制 read 何时返回\n",
        "尤其是调度器的作者。\n",
        # a path or a shell command is not a term
        "- vm_root 读取 ~/.config/collei/vm：由 scripts/config.py 决定\n",
        "sudo tcpdump -i lo : 抓取回环网卡上的包\n",
        # a bare function name or path is no explanation
        "- delalloc：ext4_da_write_begin()\n",
        "目录结构: A/B/C/\n",
        # a step of a call chain is not a term
        "==> kvm_mmu_get_page : 应该改名为 get_shadow_page\n",
        # an explanation cut off at its end
        "> data tables 是表单数据，definition blocks 是\n",
        "- workList : DF 也全部加入到\n",
        "`cpu.max` 是硬 quota，格式是：\n",
        # a comparison is not a definition
        "The representation is the same as the bounded queue.\n",
    ],
)
def test_not_definitions(line: str) -> None:
    assert [k for k, _ in kinds(line) if k == "definition"] == []


def test_a_flag_explained_after_a_code_term_stays_a_definition() -> None:
    # corpus (ESR codes) and til (key bindings): `TERM`: explanation
    assert kinds("- `0x04`：Translation fault, level 0\n") == [("definition", "`0x04`")]
    assert kinds("- `ctrl-a`: moves the cursor to the start of the line\n") == [
        ("definition", "`ctrl-a`")
    ]


# --- list cards -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a call tree under a lead-in (corpus: kvm and qemu notes, again and again)
        "handle_exit 的流程：\n\n- ARM_EXCEPTION_TRAP : handle_trap_exceptions\n"
        "  - kvm_get_exit_handler\n  - kvm_vcpu_get_esr\n",
        "这个就很复杂了：\n\n- main\n  - qemu_init\n    - qemu_process_help_options\n",
        # only TODOs or further questions under it
        "address_space_operations 的作用：\n\n1. @todo 将工作交给 buffer.c\n",
        # the subject stands elsewhere
        "这些对象：\n\n- IOAS：用户态看到的地址空间\n- DEVICE：被绑定的设备\n",
        "with the following contents:\n\n1. image for cameras and scanners\n2. input devices\n",
        "In the first case, the steps involved can be summarized as follows:\n\n"
        "1. the driver allocates a buffer\n2. the hardware writes to it\n",
    ],
)
def test_lead_ins_without_a_list_to_learn_are_no_list_cards(text: str) -> None:
    assert [k for k, _ in kinds(text) if k == "list"] == []


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # course notes: a lower-case label is still a lead-in
        ("challenge:\n\n- semantic gap: pixels are far from concepts\n"
         "- viewpoint variation: one object looks different\n", "challenge"),
        # corpus: a counted lead-in
        ("strace 可以监控的内容：\n\n- 系统调用\n- 信号\n- 进程状态\n", "strace 可以监控的内容"),
    ],
)
def test_lead_ins_that_name_their_subject_are_list_cards(text: str, front: str) -> None:
    assert ("list", front) in kinds(text)
