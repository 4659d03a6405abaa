"""Where a prompt's answer is in the note: a heading's section body, a list item's nested
items, the rest of a paragraph, or the next block when it plainly replies."""

from __future__ import annotations

import re

from cards.extract.parse import Block
from cards.extract.pretest import may_ask
from cards.extract.questions import find_questions
from cards.extract.text import NOT_KNOWING, SHRUG

__all__ = [
    "RHETORICAL",
    "is_comment",
    "is_filler",
    "item_body",
    "next_reply",
    "only_questions",
    "says_nothing",
    "section_body",
    "trim",
]

_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_TODO = re.compile(r"^\s*(\[[ xX]\]\s*)?@?(todo|fixme|xxx)\b|^\s*\[[ ]\]", re.IGNORECASE)
# A call chain: ``vcpu_enter_guest ==> inject_pending_event ==> enter_smm``.
_CHAIN = re.compile(r"^\s*[\w.()]+(?:\s*(?:=+>|->|→)\s*[\w.()]+)+\s*$")
# A to-do in Chinese: 检查下其源码, 看一下, 需要一个例子分析.
_TODO_CN = re.compile(
    r"^(\[[ xX]\]\s*)?(检查|调查|看|查|研究|分析|阅读|整理|补充|确认|测试|试|学习|了解|读|"
    r"对比|比较)(一)?下|^(\[[ xX]\]\s*)?(待|需要|有空|以后|之后|找时间)"
)
_BARE = re.compile(
    r"^\s*(<?https?://\S+>?|\[[^\]]*\]\([^)]*\)|`[^`]*`|[\w./-]+\(\)|[\w-]*/[\w./-]+)\s*$"
)


# A remark that the author does not know (yet): 不知道发生了什么, 不明白这几个在做啥, 我很迷茫,
# or does not care to (暂时没兴趣了).
_CLUELESS = re.compile(
    rf"{'|'.join(NOT_KNOWING)}|没有?兴趣|不感兴趣|\bunclear\b", re.IGNORECASE
)
# A reply that is only a shrug (``靠 URL 和参数吗？不知道``, ``- 我很迷茫！``): it does not answer.
_ITEM_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# A rhetorical question: it pushes the question further, it does not reply.
RHETORICAL = re.compile(
    r"岂不是?|难道|莫非|\b(?:isn't it|wouldn't (?:that|it|this)|doesn't (?:that|this) mean)\b",
    re.IGNORECASE,
)
# Program output outside a fence: a log line, a prompt, a row of numbers and names.
_OUTPUT = re.compile(r"^\s*(?:\[\s*[\d.]+\]|\d+(?:\s+\d+)+\s)|^[\w\s.:/=+-]*\d\s*$")
# A command typed at a shell, in a plain fence too: what to run is an answer to a "how".
_COMMAND = re.compile(
    r"^\s*(?:[$#❯]\s+)?(?:sudo|cat|git|make|curl|wget|apt|apt-get|yum|dnf|pip3?|cd|ls|echo|"
    r"export|mkdir|grep|find|ssh|docker|podman|kubectl|systemctl|qemu-system-\S+|gdb|perf|"
    r"bpftrace|modprobe|insmod|mount|fio|iasl|nix|nix-shell|npm|npx|cargo|python3?|bash|"
    r"rake|ruby|vim?)\s"
)
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_OUTPUT_FENCES = frozenset(["", "txt", "text", "log", "plain", "plaintext", "console", "output"])
_CLAUSES = re.compile(r"[，,；;。]")


def says_nothing(lines: list[str], first: int, last: int) -> bool:
    """Whether an answer's lines hold only program output (a plain or ``txt`` fence, log
    lines), short lead-ins to it (``物理机中调用的是这个:``) and remarks that the author
    does not know: what the note shows there is what it saw, not a reply. Source code in
    a fence of its language is an answer. ``first`` is where the block starts (its fences
    are counted from there, even when the answer's first lines are left out)."""
    fenced = False
    for raw in lines[first : last + 1]:
        fence = _FENCE.match(raw)
        if fence:
            if not fenced and raw.strip()[3:].strip().lower() not in _OUTPUT_FENCES:
                return False
            fenced = not fenced
            continue
        line = raw.strip().lstrip(">").strip()
        if _COMMAND.match(line):
            return False
        if fenced or not line or is_filler(line) or _OUTPUT.match(line):
            continue
        if _CLUELESS.search(line) or (
            line.endswith((":", "：")) and len(line) <= 30 and not _CLAUSES.search(line)
        ):
            continue
        return False
    return True


def is_comment(line: str) -> bool:
    """Whether a line is an HTML comment alone."""
    return bool(_COMMENT.match(line))


def trim(lines: list[str], first: int, last: int, skip: set[int]) -> tuple[int, int] | None:
    """``[first, last]`` (0-based) without blank, comment or boilerplate lines at its ends."""
    while first <= last and _empty(lines, first, skip):
        first += 1
    while last >= first and _empty(lines, last, skip):
        last -= 1
    return (first, last) if first <= last else None


def _empty(lines: list[str], i: int, skip: set[int]) -> bool:
    if i >= len(lines):
        return True
    line = lines[i]
    return not line.strip() or i in skip or is_comment(line) or line.strip() in ("---", "***")


def section_body(
    lines: list[str], heading: Block, next_heading: Block | None, skip: set[int]
) -> tuple[int, int] | None:
    """A heading's own body, up to the next heading of any level; none when it holds only
    a bare link, path or TODO."""
    end = next_heading.start if next_heading is not None else len(lines)
    body = trim(lines, heading.end, end - 1, skip)
    if body is None:
        return None
    if all(_empty(lines, i, skip) or is_filler(lines[i]) for i in range(body[0], body[1] + 1)):
        return None
    if says_nothing(lines, heading.end, body[1]):
        return None
    return body


def is_filler(raw: str) -> bool:
    """A line that answers nothing: a bare link, path or name, or a TODO."""
    text = raw.strip().lstrip(">-*+ \t")
    text = re.sub(r"^\d+[.)]\s+", "", text)
    return bool(
        _TODO.match(text) or _BARE.match(text) or _TODO_CN.match(text) or _CHAIN.match(text)
    )


def only_questions(block: Block) -> bool:
    """A block that holds only further questions, TODOs or a bare link, path or name."""
    texts = _text_blocks(block)
    if not texts:
        return block.kind not in ("code", "math", "table")
    for text in texts:
        raw = text.content.split("\n")
        asked: set[int] = set()
        if may_ask(text.content):  # (most lists hold no question: no inline parse for them)
            for q in find_questions(text.text(), whole_block=True):
                asked.update(range(q.first, q.last + 1))
        for i, line in enumerate(raw):
            if not line.strip() or i in asked or is_filler(line):
                continue
            return False
    return True


def _text(block: Block) -> str:
    """The inline text of a block's text blocks, one after the other."""
    return "\n".join(b.content for b in _text_blocks(block))


def _text_blocks(block: Block) -> list[Block]:
    out: list[Block] = []
    stack = [block]
    while stack:
        node = stack.pop()
        if node.content and node.kind in ("paragraph", "heading", "term"):
            out.append(node)
        stack.extend(reversed(node.children))
    return out


def item_body(lines: list[str], item: Block, lead: Block, skip: set[int]) -> tuple[int, int] | None:
    """The blocks nested in a list item after its first paragraph, unless they are only
    further questions or TODOs."""
    rest = [c for c in item.children if c is not lead]
    if not rest or all(only_questions(c) for c in rest):
        return None
    body = trim(lines, rest[0].start, item.end - 1, skip)
    if body is not None and all(
        SHRUG.match(_ITEM_MARK.sub("", line)) or not line.strip()
        for line in lines[body[0] : body[1] + 1]
    ):
        return None  # ``- 我很迷茫！``: a shrug does not reply
    return body


def next_reply(
    lines: list[str], block: Block, siblings: list[Block], skip: set[int]
) -> tuple[int, int] | None:
    """The block after ``block`` among its siblings, when it plainly replies."""
    for i in range(block.index + 1, len(siblings)):
        nxt = siblings[i]
        if nxt.kind in ("html",) and all(
            is_comment(x) or not x.strip() for x in lines[nxt.start : nxt.end]
        ):
            continue
        if nxt.kind not in ("paragraph", "list", "quote", "admonition"):
            return None
        if only_questions(nxt):
            return None
        reply = trim(lines, nxt.start, nxt.end - 1, skip)
        if reply is not None and says_nothing(lines, nxt.start, reply[1]):
            return None
        if nxt.kind in ("paragraph", "quote") and RHETORICAL.search(nxt.content or _text(nxt)):
            return None
        return reply
    return None
