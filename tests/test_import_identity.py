"""Card identity: prompt similarity (and the measurement behind its threshold), matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.draft import Draft, make_key
from cards.identity import (
    SIMILARITY_THRESHOLD,
    CardSpec,
    Stored,
    card_specs,
    match_cards,
    prompt_similarity,
    role_of,
)

# Hand-written rewordings: the same question, edited.
REWORDINGS = [
    ("What is a page table?", "What is a page table used for?"),
    ("What is a page table?", "What's a page table?"),
    ("What is the TLB?", "What is the TLB ?"),
    ("How does copy-on-write work?", "How does copy on write work?"),
    ("Why does fork need copy-on-write?", "Why does fork() need copy-on-write?"),
    ("What does the scheduler do on a timer tick?", "What does the scheduler do at a timer tick?"),
    ("When is a process a zombie?", "When does a process become a zombie?"),
    ("What is the difference between a mutex and a semaphore?",
     "What's the difference between a mutex and a semaphore?"),
    ("How do I resize a qcow2 image?", "How do I resize a qcow2 disk image?"),
    ("What is eBPF verifier checking?", "What is the eBPF verifier checking?"),
    ("什么是页表", "什么是页表？"),
    ("为什么需要虚拟内存", "为什么我们需要虚拟内存"),
    ("进程和线程的区别是什么", "进程与线程的区别是什么"),
    ("如何调试内核模块", "如何调试 Linux 内核模块"),
    ("TLB 是什么", "TLB 是什么东西"),
    ("写时复制是怎么实现的", "写时复制是如何实现的"),
    ("KVM 的 EPT 有什么用", "KVM 中的 EPT 有什么用"),
    ("为什么 fork 之后要 exec", "为什么 fork 之后通常要 exec"),
    ("page fault", "page faults"),
    ("copy-on-write", "copy on write"),
    ("虚拟化", "虚拟化技术"),
    ("What problem does RCU solve?", "Which problem does RCU solve?"),
    ("How is a B+ tree different from a B tree?", "How is a B+ tree different from a B-tree?"),
    ("What does `git rebase --onto` do?", "What does git rebase --onto do?"),
]
# Minimal pairs of different questions: the hardest cases for any string measure.
DIFFERENT = [
    ("What is a page table?", "What is a page fault?"),
    ("What is the TLB?", "What is the MMU?"),
    ("How does copy-on-write work?", "How does demand paging work?"),
    ("What is a mutex?", "What is a semaphore?"),
    ("Why does fork need copy-on-write?", "Why does exec replace the address space?"),
    ("When is a process a zombie?", "When is a process an orphan?"),
    ("What is the difference between a mutex and a semaphore?",
     "What is the difference between a process and a thread?"),
    ("How do I resize a qcow2 image?", "How do I convert a qcow2 image?"),
    ("什么是页表", "什么是页框"),
    ("为什么需要虚拟内存", "为什么需要交换分区"),
    ("进程和线程的区别是什么", "进程和程序的区别是什么"),
    ("如何调试内核模块", "如何编译内核模块"),
    ("TLB 是什么", "MMU 是什么"),
    ("写时复制是怎么实现的", "零拷贝是怎么实现的"),
    ("KVM 的 EPT 有什么用", "KVM 的 VPID 有什么用"),
    ("page fault", "page table"),
    ("虚拟化", "容器化"),
    ("What problem does RCU solve?", "What problem does seqlock solve?"),
    ("What is L1 cache?", "What is L2 cache?"),
    ("What is IPv4?", "What is IPv6?"),
    ("What does `git rebase --onto` do?", "What does `git reset --hard` do?"),
    ("What is the time complexity of quicksort?", "What is the time complexity of heapsort?"),
    ("TCP 三次握手的过程是什么", "TCP 四次挥手的过程是什么"),
    ("What is an inode?", "What is a dentry?"),
]


def kept(pairs: list[tuple[str, str]], cutoff: float) -> int:
    return sum(prompt_similarity(a, b) >= cutoff for a, b in pairs)


def test_threshold_keeps_every_rewording() -> None:
    assert kept(REWORDINGS, SIMILARITY_THRESHOLD) == len(REWORDINGS)


@pytest.mark.parametrize(
    ("cutoff", "rewordings", "merged"),
    [(0.75, 24, 15), (0.80, 24, 10), (0.85, 22, 4), (0.90, 19, 3)],
)
def test_measurement_table_in_the_docstring(cutoff: float, rewordings: int, merged: int) -> None:
    """The table in cards.identity's docstring, recomputed."""
    assert (kept(REWORDINGS, cutoff), kept(DIFFERENT, cutoff)) == (rewordings, merged)


def test_clearly_different_questions_stay_apart() -> None:
    assert prompt_similarity("What is a page table?", "How are addresses translated?") < 0.5
    assert prompt_similarity("什么是页表", "如何调度进程") < 0.5


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    score = prompt_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(prompt_similarity(b, a))
    assert prompt_similarity(a, a) == 1.0


@pytest.mark.parametrize(("key", "role"), [("q-1", ""), ("q-1:r", "r"), ("q-1:c12", "c12"),
                                           ("manual:ab", "")])
def test_role_from_key(key: str, role: str) -> None:
    assert role_of(key) == role


def draft(front: str, back: str = "an answer", kind: str = "question", line: int = 1) -> Draft:
    return Draft(kind=kind, front=front, back=back, line=line, end_line=line,
                 answer_lines=(line + 1, line + 1) if back else None, context=("Top",),
                 key=make_key("notes/a.md", kind, front))


def specs(*drafts: Draft) -> list[CardSpec]:
    return [spec for d in drafts for spec in card_specs(d)]


def stored(card_id: int, d: Draft, **fields: object) -> Stored:
    return Stored(id=card_id, key=d.key, kind=d.kind, prompt=d.front, line=d.line, **fields)  # type: ignore[arg-type]


def test_exact_key_is_the_same_card() -> None:
    old = draft("What is a page table?")
    result = match_cards(specs(draft("What is a page table?", "new answer")), [stored(7, old)])
    assert [(m.card_id, m.rekey) for m in result.matched] == [(7, False)]
    assert result.new == [] and result.gone == []


def test_similar_prompt_in_the_same_note_is_rekeyed() -> None:
    old, new = draft("What is a page table?"), draft("What is a page table used for?")
    result = match_cards(specs(new), [stored(7, old)])
    assert [(m.card_id, m.rekey, m.spec.key) for m in result.matched] == [(7, True, new.key)]


def test_similar_prompt_in_another_note_is_not_the_same_card() -> None:
    old, new = draft("What is a page table?"), draft("What is a page table used for?")
    result = match_cards(specs(new), [stored(7, old, local=False)])
    assert result.matched == [] and len(result.new) == 1 and result.gone == []


def test_reworded_beyond_threshold_is_new_and_old_is_gone() -> None:
    old, new = draft("What is a page table?"), draft("How are virtual addresses translated?")
    result = match_cards(specs(new), [stored(7, old)])
    assert result.matched == [] and [s.key for s in result.new] == [new.key]
    assert result.gone == [7]


def test_kind_must_match() -> None:
    old = draft("page table", kind="definition")
    new = draft("page tables", kind="question")
    result = match_cards(specs(new), [stored(7, old)])
    assert result.matched == [] and result.gone == [7]


def test_unchanged_neighbour_is_never_merged_with_an_added_question() -> None:
    l1 = draft("What is L1 cache?", line=1)
    l2 = draft("What is L2 cache?", line=5)
    result = match_cards(specs(l1, l2), [stored(7, l1)])
    assert [(m.card_id, m.rekey) for m in result.matched] == [(7, False)]
    assert [s.front for s in result.new] == ["What is L2 cache?"]


def test_best_pair_wins_and_live_before_retired() -> None:
    new = draft("What is a page table used for?")
    old = "What is a page table?"
    candidates = [
        Stored(id=1, key="question-old-1", kind="question", prompt=old, retired=True),
        Stored(id=2, key="question-old-2", kind="question", prompt=old),
        Stored(id=3, key="question-old-3", kind="question", prompt="What is a page?"),
    ]
    result = match_cards(specs(new), candidates)
    assert [m.card_id for m in result.matched] == [2]
    assert sorted(result.gone) == [1, 3]


def test_repeated_key_is_kept_once() -> None:
    d = draft("What is a page table?")
    result = match_cards(specs(d, d), [])
    assert len(result.new) == 1 and len(result.duplicates) == 1


def test_reversed_and_cloze_specs() -> None:
    rev = draft("TLB", "translation lookaside buffer", kind="reversed")
    assert [(s.key, s.ord, s.front, s.back) for s in card_specs(rev)] == [
        (rev.key, 0, "TLB", "translation lookaside buffer"),
        (f"{rev.key}:r", 1, "translation lookaside buffer", "TLB"),
    ]
    cloze = draft("The {{c1::MMU}} walks the {{c3::page table}}.", "", kind="cloze")
    got = card_specs(cloze)
    assert [(s.key, s.ord, s.note_key) for s in got] == [
        (f"{cloze.key}:c1", 0, cloze.key), (f"{cloze.key}:c3", 2, cloze.key)]
    assert not any(s.needs_answer for s in got)
    highlighted = draft("The ==MMU== walks page tables.", "", kind="cloze")
    assert [s.key for s in card_specs(highlighted)] == [f"{highlighted.key}:c1"]


def test_reversed_sides_match_their_own_role() -> None:
    old = draft("TLB", "translation lookaside buffer", kind="reversed")
    new = draft("TLBs", "translation lookaside buffer", kind="reversed")
    stored_cards = [
        Stored(id=1, key=old.key, kind="reversed", prompt="TLB"),
        Stored(id=2, key=f"{old.key}:r", kind="reversed", prompt="TLB"),
    ]
    result = match_cards(specs(new), stored_cards)
    assert sorted((m.card_id, m.spec.ord) for m in result.matched) == [(1, 0), (2, 1)]
