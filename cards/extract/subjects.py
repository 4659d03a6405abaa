"""Attribute terms and their subject: ``- 优点：…``, ``- 生命周期：…``, ``- input: …`` name a
side of something the note names elsewhere (the list item they are nested in, the lead-in
before their list, or the heading above). Alone, ``优点`` asks nothing; the card's front
is ``二分法 的优点``."""

from __future__ import annotations

import re

from cards.extract.definitions import is_label
from cards.extract.parse import Block
from cards.extract.walk import Walk

__all__ = [
    "heading_subject",
    "is_attribute",
    "named_in_lead",
    "of_this_document",
    "subject_of",
    "with_subject",
]

# Words that name a side of a thing rather than a thing (compared on the plain term).
_ATTRIBUTE = re.compile(
    r"^(?:(?:大致|大概|基本|主要|核心|关键|根本|整体|具体|最终|典型|常见|使用|技术)(?:的\s*)?)?"
    r"(?:优点|缺点|优势|劣势|好处|坏处|弊端|长处|短处|特点|特性|特征|缺陷|局限性?|限制|"
    r"作用|用途|功能|目的|原理|工作原理|机制|思路|思想|核心思想|基本思想|算法|实现|实现方式|"
    r"结构|组成|流程|过程|场景|使用场景|应用场景|适用场景|工作方式|用法|行为|语义|含义|"
    r"所有权|可变性|线程安全|生命周期|大小|长度|类型|格式|范围|取值|默认值|返回值|参数|"
    r"时间复杂度|空间复杂度|复杂度|性能|开销|代价|成本|效果|影响|风险|区别|"
    r"背景|原因|解决方案|解决办法|解决方法|典型场景|证明方法|证明的方法|关键点|要点|关键洞察|"
    r"关键结论|关键发现|一句话总结|典型产品|典型应用|前提|核心问题|关键字段|测试环境|状态|"
    r"意思|结果|结论|步骤|做法|方法|策略|设计|启示|定位|目标|核心|关键|本质|后果|动机|难点|重点|约束|常见值|可选值|定义|路径|调用路径|优化|"
    r"pros|cons|advantages?|disadvantages?|benefits?|drawbacks?|downsides?|limitations?|"
    r"purpose|input|output|inputs|outputs|lifetime|size|semantics|ownership|mutability|"
    r"complexity|cost|overhead|performance|behaviou?r|role|goal|idea)"
    r"(?P<copula>\s*就?(?:是|为))?$",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_NUMBERING = re.compile(
    r"^\s*(?:#+\s*)?(?:[-*+]\s+)?(?:\d+(?:\.\d+)*[.)、:：]?|[一二三四五六七八九十]+[、.]|[A-Z][.)、]\s)\s*"
)
# A subtitle after a dash (``滞后量 (Lag) —— 衡量公平的尺子``): the name is before it.
_SUBTITLE = re.compile(r"\s+(?:——|—|--)\s+.*$")
_TRAILING_GLOSS = re.compile(r"\s*(?:\([^()]*\)|（[^（）]*）)\s*$")
_ASKS = re.compile(r"[?？]|什么|为什么|如何|怎么|哪|吗\s*$|\b(?:what|why|how|which)\b", re.I)
# A lead-in that ends in a verb or a place word is a clause, not a name (``X 的取舍是：``).
_CLAUSE_END = re.compile(r"(?:是|有|为|包括|如下|在|中|里|时|上|下|的|了)$")
_PUNCT = re.compile(r"[，。；！,;!]")
_LABELLED = re.compile(r"^[^:：]{1,12}[:：]\s*(\S.*)$")
_MARK = re.compile(r"^[\W_]*?(?=[\w`*])")  # a leading emoji or symbol (✅, ➤)
# A heading that is an errand names nothing (理解一下 fallocate 的基本语义, 分析 X).
_ERRAND = re.compile(r"^(?:理解|分析|研究|看看|看一下|了解|调查|思考)(?:一下|下)?")
# …and so does a heading that names a kind of section (背景介绍, kimi 解释, 具体分析, 回忆一下
# X) or holds a link: what it is about is somewhere else.
_SECTION_KIND = re.compile(
    r"(?:介绍|解释|拆解|分析|总结|笔记|说明)$|^(?:回忆|回顾|先看|具体)|://"
)
_DEMONSTRATIVE = re.compile(r"^(?:这|那|其|它|以下|如下|下面|this|these|those|the following)", re.I)


def is_attribute(term: str) -> bool:
    """Whether a term is only an attribute word (``优点``, ``生命周期``, ``input``)."""
    return "`" not in term and bool(_ATTRIBUTE.match(term.strip(" *_：:")))


def subject_of(walk: Walk, block: Block) -> str:
    """What an attribute line in ``block`` describes: the first line of the list item its
    list is nested in, else the short lead-in just before its list, else the heading
    above it; ``""`` when none of them names a thing."""
    item = block.parent
    if item is not None and item.kind == "item":
        lst = item.parent
        outer = lst.parent if lst is not None else None
        if outer is not None and outer.kind == "item":
            lead = outer.children[0] if outer.children else None
            if lead is not None and lead.kind == "paragraph" and lead is not block:
                return _name(lead.content.split("\n", 1)[0])
        if lst is not None and outer is not None and lst.index > 0:
            before = outer.children[lst.index - 1]
            if before.kind == "paragraph":
                last = before.content.rstrip().rsplit("\n", 1)[-1]
                if last.endswith((":", "：")):
                    name = _name(last)
                    if 0 < len(name) <= 24:
                        return name
    context = walk.context(block)
    if context and block.kind != "heading":
        return _name(context[-1])
    return ""


def with_subject(walk: Walk, block: Block, term: str) -> str | None:
    """``term`` itself, or for an attribute term ``SUBJECT 的TERM``; ``None`` for an
    attribute term without a subject (it names nothing)."""
    if not is_attribute(term):
        return term
    subject = subject_of(walk, block)
    if not subject:
        return None
    bare = term.strip(" *_：:")
    attribute = _ATTRIBUTE.match(bare)
    if attribute and attribute.group("copula"):  # 含义是： asks for the 含义
        bare = bare[: attribute.start("copula")]
    if subject.lower().endswith(bare.lower()):
        return subject  # ``# Rust ownership`` then ``Ownership is …``: the heading names it
    joint = " 的" if not bare[:1].isascii() else " 的 "
    return f"{subject}{joint}{bare}"


def named_in_lead(block: Block, term: str) -> bool:
    """Whether ``term`` (a list item's term) is one of the parts the lead-in before its list
    already names (``恢复分前端和后端两部分：`` then ``- 前端：…``): a side of what the lead-in
    speaks of, not a thing of its own. Only short plain words count (``前端``, ``提交时``)."""
    item = block.parent
    if item is None or item.kind != "item" or not item.children or item.children[0] is not block:
        return False
    bare = term.strip(" *_")
    if not 0 < len(bare) <= 6 or "`" in bare or bare.isascii():
        return False
    lst = item.parent
    outer = lst.parent if lst is not None else None
    if lst is None or outer is None or lst.index == 0:
        return False
    before = outer.children[lst.index - 1]
    if before.kind != "paragraph":
        return False
    lead = before.content.rstrip()
    return lead.endswith((":", "：")) and bare in _MARKUP.sub("", lead)


def heading_subject(walk: Walk, block: Block, term: str) -> str | None:
    """``HEADING 的TERM`` for a term that is a side of what its section is about; ``None``
    when the heading names nothing (it asks, or there is none)."""
    context = walk.context(block)
    subject = _name(context[-1]) if context else ""
    if not subject:
        return None
    bare = term.strip(" *_：:")
    return f"{subject} 的{bare}"


# A term about the note itself: 本章的核心论点, 本节的数据.
_THIS_DOCUMENT = re.compile(
    r"^(?:本|这一?)(?:章|节|篇|文|书|课)(?:的\s*(?P<rest>[^\s的]{1,6}?)(?:是|为)?\s*$)?"
)


def of_this_document(walk: Walk, block: Block, term: str) -> str | None:
    """``term`` itself, or for a term about the note itself (``本章的核心论点``), the same side
    of what the note's title names (``Hardware and its Habits 的核心论点``); ``None`` when
    the term is a clause about the note (``本章以 Knuth 的名言开篇``) or nothing names it."""
    match = _THIS_DOCUMENT.match(term)
    if match is None:
        return term
    rest = match.group("rest")
    if not rest:
        return None
    context = walk.context(block)
    title = _name(context[0]) if context else ""
    return f"{title} 的{rest}" if title else None


def _name(line: str) -> str:
    """A heading's or a lead-in's words as a name: no markup, numbering, trailing colon or
    trailing remark in brackets; ``""`` when they ask something or point elsewhere."""
    text = _NUMBERING.sub("", _MARKUP.sub("", _MARK.sub("", line))).strip().rstrip(":：").strip()
    text = _SUBTITLE.sub("", text) or text
    labelled = _LABELLED.match(text)
    if labelled:  # ``主要技术：基于 IP 的负载均衡`` names the second part
        text = labelled.group(1)
    stripped = _TRAILING_GLOSS.sub("", text)
    if stripped:
        text = stripped
    if (
        not text
        or _ASKS.search(text)
        or _DEMONSTRATIVE.match(text)
        or _ERRAND.match(text)
        or _SECTION_KIND.search(text)
        or _CLAUSE_END.search(text)
        or is_attribute(text)
        or is_label(text)
        or _PUNCT.search(text)
    ):
        return ""
    return text
