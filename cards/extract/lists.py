"""List cards: a lead-in that introduces a list is one card, front the lead-in, back
the list (``X 须具备下面这些属性：`` and its list, ``X has three parts:``, ``PCIe 定义了
三层：A、B 和 C``, or a counted lead-in without a colon before a list of that length)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cards.extract.answers import only_questions, trim
from cards.extract.definitions import is_label
from cards.extract.parse import Block
from cards.extract.pretest import COUNT, FOLLOWS, introduced_list, may_hold_images
from cards.extract.questions import QMARKS, is_interrogative
from cards.extract.text import ATOM_URL, SUMMING_UP, InlineText, cjk_count, strip_special

__all__ = ["ListHit", "find_list_card"]

_LEAD_COLON = re.compile(r"[:：]\s*$")


@dataclass(slots=True)
class ListHit:
    """A list card: the lead-in (markdown), the list's lines and the lead-in's line (0-based)."""

    front: str
    answer: tuple[int, int] | None
    line: int


def find_list_card(
    block: Block, inline: InlineText, role: str, lines: list[str], skip: set[int]
) -> ListHit | None:
    """A lead-in and its list: ``X 须具备下面这些属性：`` and the list after it, ``X 定义了
    三层：A、B 和 C`` on one line, or ``X 可以实现三种模型`` before a list of three items.

    ``role`` is ``paragraph`` or ``lead`` (an item's first paragraph); ``lines`` the note's
    lines and ``skip`` its boilerplate lines (0-based)."""
    if role not in ("paragraph", "lead") or not inline.lines:
        return None
    last = inline.lines[-1].rstrip()
    target = introduced_list(block, _only_images)
    if target is None and ":" not in last and "：" not in last:
        return None  # no list follows, and no colon before items on the line itself
    if not (last.endswith((":", "：")) or COUNT.search(last) or FOLLOWS.search(last)):
        return None  # neither a colon at the end nor a count, nor "as follows": no lead-in
    line = block.first_line + len(inline.lines) - 1
    sentence = _last_sentence(last)
    first = len(inline.lines) - 1
    while first > 0 and _wrapped(inline.lines[first - 1], inline.lines[first]):
        first -= 1  # a hard-wrapped English paragraph (``… serve two special`` / ``purposes:``)
    if first < len(inline.lines) - 1 and sentence == last.strip():
        sentence = _last_sentence(" ".join(part.strip() for part in inline.lines[first:]))
    colon = _LEAD_COLON.search(sentence)
    if any(q in sentence for q in QMARKS) or is_interrogative(sentence):
        return None  # a question, with or without its mark: the list answers it
    if colon:  # the lead-in ends in a colon
        lead = sentence[: colon.start()]
        if target is None:
            return None
    else:
        inner = _INNER_COLON.search(sentence)
        if inner is not None:  # X 有两个流：输入流和输出流。
            lead, items = sentence[: inner.start()], sentence[inner.end() :]
            if not COUNT.search(inline.plain(lead)) or not _ENUM.search(items):
                return None
        else:  # X 可以实现三种模型, then a list of three; X 的步骤如下, then a list
            lead = sentence
            counts = list(COUNT.finditer(inline.plain(lead)))
            if target is None or len(inline.lines) > 1:
                return None
            if counts:
                # without a colon, the count must be the list's length; one that names no
                # number (几种, 多个) must end the lead-in, with only its noun after it
                count, length = counts[-1], len(target.children)
                value = _count_value(count.group(0))
                if value != length and not (
                    value == 0 and length >= 2 and _ends_lead(inline.plain(lead)[count.end() :])
                ):
                    return None
            elif not FOLLOWS.search(inline.plain(lead)) or len(target.children) < 2:
                return None
    plain = inline.plain(lead)
    if not strip_special(lead).strip() and inline.kinds(lead) == [ATOM_URL]:
        return None  # a bare link before a list: it names nothing
    if len(plain) < 2 or is_label(plain) or len(plain) > 80 or _CONDITION.match(plain):
        return None
    if target is not None and (
        _call_tree(lines[target.start : target.end], caller=_CALLER.match(plain) is not None)
        or only_questions(target)
    ):
        return None  # a call tree, or only further questions and TODOs: nothing to learn
    clauses = _LEAD_CLAUSE.split(plain)
    tail, joined = clauses[-1], len(clauses) > 1
    leans = bool(_POINTS_BACK.match(tail)) and not (joined and _IMPLIES.match(tail))
    leans = leans or (joined and bool(_CONNECTIVE.match(tail)))
    if _THESE_FEW.match(plain):
        return None  # ``这两层主要负责：``, ``它主要做四件事``: what they count is named elsewhere
    if not COUNT.search(plain) and (_NO_SUBJECT.match(plain) or leans or _DONE.search(plain)):
        return None  # 这些对象：, …，这一机制已被重写：, 最后就可以解析了：: no subject of its own
    if (
        _JUDGEMENT.search(plain)
        and (not COUNT.search(plain) or _OPINION.match(plain))
        and not _ASKS.search(plain)
    ):
        return None  # X 解释的很好：, really interesting: a verdict on what follows
    answer = (line, line) if target is None else trim(lines, target.start, target.end - 1, skip)
    return ListHit(inline.render(lead), answer, line)


# A line of English prose that carries on the sentence of the line before (a hard wrap):
# it starts in lower case, after a line of English that ends in a word or a comma.
_CONTINUES = re.compile(r"\s*[a-z(]")
_CARRIES_ON = re.compile(r"[A-Za-z0-9,]\s*$")


def _wrapped(before: str, line: str) -> bool:
    """Whether ``line`` carries on the sentence of ``before`` (hard-wrapped English)."""
    return bool(
        _CONTINUES.match(line) and _CARRIES_ON.search(before) and not cjk_count(before)
    )

_SENTENCES = re.compile(r"(?<=[。！!；;])\s*|(?<=\.)\s+")
# A condition introduces steps of an algorithm, not a list to learn.
_CONDITION = re.compile(r"^(如果|若|假如|假设)|^(if|unless)\b", re.IGNORECASE)
_INNER_COLON = re.compile(r"\s*[:：]\s*(?=\S)")
_ENUM = re.compile(r"、|和|与|及|或|，|,|\band\b|\bor\b")
_NUMBERS = {
    "两": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
}


# Lead-ins whose subject stands elsewhere: a demonstrative (这些对象), a fragment that
# starts in lower case (``with the following contents``), a circumstance (``In the first
# case, …``), a remark about a source (文档里写了) or an errand (找一些 reference).
_NO_SUBJECT = re.compile(
    r"^(?:这|那)(?:些|个|里|样|种)|"
    # (a connective before a subject keeps it: 因此 mirror 常用于：; before none, it does not)
    r"^(?:所以|因此|于是|但是?|不过|可是)[，,\s]*(?:$|这|那|以下|下面|如下|我|你|他|她|它|可以|可|在|当|就|也|都|要|"
    r"还|又|存在|有|没有|需要|"
    r"结论|关键|整体|简单|其实|最终|现象|建议|问题)|"
    r"^(?:似乎|好像|感觉|大概|也许)|^相比之下|"
    r"^(?:具体|主要|分别|一般)?(?:包括|包含)$|"
    r"^(?:因此|所以|其中|具体来说|具体而言|也就是说|也就是|换句话说|简而言之|直觉上|总之|于是|然后|其实|另外|此外|"
    r"或者|或是|以及|而且|并且|同时|还有)$|^(?:而是|那么)|"
    r"^(?:例如|比如|譬如|(?i:for example|for instance|e\.g\.))$|"
    r"^(?:文档|书|文章|代码|注释)(?:里|中|上)|^找一?些|"
    r"^(?:另一|相关的|对应的?|配套的?|相关(?:文档|代码|源码|资料|链接|实现))|"
    r"^(?:with|in|for|as|at|on|by|and|or|but|so|which|that)\s|^(?:This|That|It|These|Those|They)\s|"
    r"^(?:In|With|For|As|At|On|By)\s(?:the|this|that|these|those|such|a|an)\b"
)
# …and so does one that counts what a pronoun or the reader stands for (它主要做四件事,
# 这两层主要负责, 你可以把它理解成): its count is no subject of its own.
_THESE_FEW = re.compile(
    r"^(?:(?:这|那)[两二三四五六七八九十几]|(?:所以|因此|但是?|而且?)?\s*[他她它]|你)"
)
# A lead-in whose last clause opens with a demonstrative leans on what came before it (在当前
# 源码中，这一机制已被彻底重写：, 从图上可以看到，这个过程是：); one that ends in 了 tells what
# happened (最后就可以解析了：, 现在改成了：): neither names a list to learn.
_LEAD_CLAUSE = re.compile(r"[，,]")
_POINTS_BACK = re.compile(r"\s*(?:这|那(?!么))")
_DONE = re.compile(r"了\s*$")
# A last clause that is only a connective continues the sentence into the list (X 很简单，
# 其实：); ``因此``/``所以`` ask what follows from X, like ``这意味着``.
_CONNECTIVE = re.compile(
    r"\s*(?:其实|具体来说|具体而言|然后|另外|此外|in fact|actually|that is|basically|"
    rf"{'|'.join(SUMMING_UP)})\s*$",
    re.IGNORECASE,
)
# (but ``X 保持相空间体积不变，这意味着：`` asks what X implies)
_IMPLIES = re.compile(r"\s*(?:这|那)(?:也|就|将|会|便)?(?:意味着|说明|表明|导致|使得)")
# A lead-in that ends in a verdict on what follows (解释的很好, 这样很复杂, 有点问题, really
# interesting, 将会大大加分) names no list to learn.
_JUDGEMENT = re.compile(
    r"(?:(?:很|挺|非常|比较|还|真|太)好|不错|有趣|有意思|重要|复杂|有点?问题|加分|厉害|好用|"
    r"值得一看|(?:可以|值得)(?:看看|参考)|推荐阅读|interesting|intesting|great|nice|cool|awesome|useful|important|tricky|"
    r"complicated|amazing|helpful|handy)"
    r"\s*(?:的|了|啊|呀|吧)?\s*$",
    re.IGNORECASE,
)
# An opinion (但我觉得这两种方式都有点问题): its count names what is judged, not the items.
_OPINION = re.compile(
    r"^(?:但|不过|可是?)?我?(?:觉得|感觉|认为)|^I (?:think|feel)\b", re.IGNORECASE
)
_ASKS = re.compile(r"为什么|为何|如何|怎么|什么|哪|\b(?:why|how|what|which)\b", re.IGNORECASE)
# A list line that is one bare name (a function in a call tree: ``- qemu_init``).
_BARE_NAME = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*(?:\[[ xX]\]\s*)?[\w.>()*&-]+(?:\s*:\s*[\w.>()*&-]+)?\s*$", re.ASCII
)


# A lead-in that is only a function's name, and a callee under it (a name, perhaps in
# backticks, perhaps with a remark after a colon).
_CALLER = re.compile(r"^`?(?=[\w.>:-]*(?:_|::|->))[A-Za-z_][\w.>:-]*(?:\(\))?`?$", re.ASCII)
_CALLEE = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*(?:\[[ xX]\]\s*)?`?[A-Za-z_][\w.>:*&-]*(?:\([^()]*\))?`?"
    r"(?:\s*[:：].*)?$",
    re.ASCII,
)


def _call_tree(lines: list[str], *, caller: bool = False) -> bool:
    """Whether a list is mostly bare names (a call tree, a stack dump): no answer to learn.
    Under a lead-in that is itself a function's name (``kvm_arch_setup_async_pf :``), a
    name in backticks or a name with a remark (``callee : 注入一个中断``) is a callee too."""
    items = [line for line in lines if line.strip()]
    named = _CALLEE if caller else _BARE_NAME
    bare = sum(1 for line in items if named.match(line))
    return bool(items) and bare * 2 > len(items)


# What follows a count that ends a lead-in is the counted noun (几种常用的 RTT 算法), not
# more of a sentence (多个设备可以 mount 到…, 好几个问题都是…).
_MORE_SENTENCE = re.compile(r"[是都也还可会能要在被把，,；;：:]")


def _ends_lead(tail: str) -> bool:
    """Whether the text after a count is only the noun it counts."""
    tail = tail.strip().rstrip("。.")
    return len(tail.replace(" ", "")) <= 12 and not _MORE_SENTENCE.search(tail)


def _count_value(count: str) -> int:
    """The number a count word names (0: unspecified, like 几 or several)."""
    head = count.split()[0].lower() if " " in count else count
    digits = re.match(r"\d+", head)
    if digits:
        return int(digits.group(0))
    for word, value in _NUMBERS.items():
        if head.startswith(word):
            return value
    return 0


def _last_sentence(line: str) -> str:
    """The last sentence of a line (a lead-in is the sentence just before its list)."""
    parts = _SENTENCES.split(line.strip())
    parts = [p for p in parts if p.strip(" 。.")]
    return parts[-1] if parts else line


def _only_images(block: Block) -> bool:
    if not may_hold_images(block):
        return False
    inline = block.text()
    return all(
        (not inline.plain(line).strip(" {}=%width0123456789") and "image" in inline.kinds(line))
        or not line.strip()
        for line in inline.lines
    )
