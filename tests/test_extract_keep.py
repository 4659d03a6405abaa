"""Rules that raise the share of cards a person keeps (``make sample``).

Each rule is shown on short fragments, in our own words, shaped like what two authors
wrote: the kernel and virtualization notes of ``../shared/corpus`` (whose author also
wrote the labelled ``seed`` and ``dev`` notes), the course notes of ``dev2/xestray`` and
the English ``dev2/til`` notes.
"""

from __future__ import annotations

import pytest

from cards.draft import Draft
from cards.extract import extract_note


def cards(text: str) -> list[Draft]:
    return extract_note(text, "note.md")


def fronts(text: str) -> list[tuple[str, str]]:
    return [(d.kind, d.front) for d in cards(text)]


# --- attribute terms get their subject -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # course notes: the pros of a method, under the method's heading
        ("## 二分法\n\n- **优点**：\n    - 只要求函数连续\n    - 一定收敛\n", "二分法 的优点"),
        # course notes: the cons of the same method, as prose
        ("## 二分法\n\n- **缺点**：收敛较慢，也找不到复根\n", "二分法 的缺点"),
        # kernel notes: an English attribute under a lecture's heading
        (
            "## Distributed File Systems\n\nAdvantage: no network traffic while the file is open\n",
            "Distributed File Systems 的 Advantage",
        ),
        # kernel notes: the advantage of a kind of target, nested in its item
        (
            "- bio-based 目标 (主流)\n  - 优势：与 blk-mq 集成，路径短，延迟低\n",
            "bio-based 目标 的优势",
        ),
        # kernel notes: a reference type's lifetime, under a numbered heading
        (
            "### 1. `&T`（共享引用）\n- **生命周期**：必须有明确的生命周期，编译时检查\n",
            "`&T` 的生命周期",
        ),
        # kernel notes: an algorithm, in a paragraph under the algorithm's heading
        ("## Bellman-Ford\n算法：用所有的边依次更新距离，更新 V - 1 次\n", "Bellman-Ford 的算法"),
    ],
)
def test_an_attribute_term_gets_its_subject(text: str, front: str) -> None:
    assert front in [f for _, f in fronts(text)]


@pytest.mark.parametrize(
    "text",
    [
        "- 优势：路径短，延迟低，性能高\n",  # no heading, no item: an advantage of nothing
        "## 为什么要用它?\n\n- 作用：确保启动行为完全可控\n",  # the heading asks
    ],
)
def test_an_attribute_term_without_a_subject_is_no_card(text: str) -> None:
    assert not [f for k, f in fronts(text) if k != "question"]


def test_a_named_term_keeps_its_name() -> None:
    # course notes: `src` and 形态比 are names, not sides of something
    text = "## 几何特性\n\n- 形态比：最小外接矩形的长与宽之比\n- `src`：输入的单通道灰度图像\n"
    assert fronts(text) == [("definition", "形态比"), ("definition", "`src`")]
