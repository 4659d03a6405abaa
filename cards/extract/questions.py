"""Questions the author asks: a sentence ending in ``?``/``？``, or a clearly interrogative
Chinese clause without one (``为什么…``, ``如何…``, ``…吗``, ``…是什么``).

Works on a block's mask (see :mod:`cards.extract.text`), so question marks inside code,
URLs and link text never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cards.extract.text import ATOM_URL, DRAWING, TODO_WORDS, InlineText, cjk_count, is_atom

__all__ = ["QuestionHit", "asks_a_choice", "find_questions", "is_interrogative"]

QMARKS = "?？"
# Characters that end a sentence (a question's start is just after the previous one).
_ENDERS = set("。！!？?；;")
# A question mark ends a question when what follows is not more of a word (``a?b``).
_AFTER_OK = re.compile(r"[\s?？!！)）\]】」』\"'”’.,，。:：;；~～…]|$|[^\x00-\x7f]")

# Interrogatives that make a Chinese clause a question without a question mark.
_CN_LEADING = re.compile(
    r"(?<!再)(为什么|为何|为啥|如何|(?<!不)怎么(?!也)|(?<!不)怎样|能不能|能否|可不可以|(?<!但)是不是|是否|有没有|"
    r"^什么是|^什么东西是|^什么叫|^什么时候|^何时|^在哪(?:里|儿)?|^何为|(?:到底|究竟).{0,20}(?:什么|几|多少|哪|谁))"
)
# A clause that opens with a why or how asks outright, even when it ends in a full stop.
_ASKS_OUTRIGHT = re.compile(
    r"\s*(?:所以|那么|但是?|可是|不过)?[，,\s]*(?:为什么|为何|为啥|如何|怎么|怎样)"
)
_SENTENCE_END = re.compile(r"[。；;!！]")
# "Whatever, whether or not": an interrogative after 无论/不论/不管 concedes, it does not ask.
_CONCESSIVE = re.compile(
    r"(无论|不论|不管)(?:如何|怎样|怎么样|怎么|是否|是不是|有没有|什么|哪|多少|谁)"
)
# An alternative question: ``X 是 A 还是 B``, ``到底是 A 的，还是 B 的`` (not ``无论是 A 还是 B``,
# ``但是这个还是不行``, ``他是学生，还是个…``), its second alternative ending the clause.
_CHOICE = re.compile(
    r"(?:(?:到底|究竟)[^。；;!！?？]{0,40}?|"
    r"(?<![但于还就都也总只真要可正若凡倒而或不算像论管])是[^。；;!！?？，,]{1,30}?)"
    # (还是 before a verb is "still": 问题是修改的 page 还是需要发送)
    r"还是(?!需要|要|会|能|可以|得|不|没|很|太|有点|比较)[^，,。；;!！]{1,24}[\s。~～…!！]*$"
)
_ANY_INTERROGATIVE = re.compile(
    r"为什么|为何|为啥|如何|怎|能不能|能否|可不可以|是不是|是否|有没有|吗|是啥|什么|何为|哪|有什么用|还是|"
    r"到底|究竟|"
    r"有多[少大小高低快慢长久远重][啊呢呀]"
)
# An interrogative after these is an indirect question inside a statement.
_INDIRECT = re.compile(
    r"(关于|知道|确定|了解|介绍|讨论|解释|说明|分析|研究|决定|取决于|明白|清楚|看看|学习|记录|展示|告诉)(了|一下|下|过)?\s*$"
)
# A verb of checking or knowing anywhere in the clause before it: 检验在当前平台上是否 …
_INDIRECT_IN_CLAUSE = re.compile(
    r"检验|检查|判断|确认|确定|(?:无法|不能|没法|不|没有?)(?:理解|明白|懂|清楚|知道|关注|注意|在乎)"
)
# …and one that the interrogative depends on, before it in its clause: 根据 X 是否…,
# 取决于 X 到底…, 可以看到 X 如何…, 用于指示是 A 还是 B (但 为什么还是可以看到… asks).
_DEPENDS = re.compile(r"根据|取决于|可以看|指示|询问|抉择|决定")
# "That is why …": 为什么 after 这(就)是 with more said after it tells, it does not ask.
_THAT_IS_WHY = re.compile(r"(?:这|那|此)(?:就|也|正|便)?是为什么\s*[^\s?？。!！…]")
# An errand, not a question: 分析 Icache 是如何被使用的, 看看为什么 …
_ERRAND = re.compile(
    r"(?:^|[:：])\s*(?:首先|先|再|现在|需要|应该|得|让我们)*\s*"
    r"(?:分析|研究|调查|看看|看一下|了解一下|检查|搞清楚|弄清楚|测试一下|理解一下|总结一下|思考一下|想一下)"
)
_CLAUSE_BREAK = re.compile(r"[，,；;]")
_CN_TRAILING = re.compile(
    r"(吗|是啥|是什么|是啥子|如何|[是用]来?[做干]什么的?|有什么用|(?<!没)(?<!没有)什么意思|在哪里?|"
    r"有多[少大小高低快慢长久远重][啊呢呀]|"
    # an interrogative, then a particle: 还有什么意义啊, 在哪儿呢 (not 什么都行啊, 没什么用啊)
    r"(?:(?<!没)(?<!没有)(?:什么|啥)(?![都也])|哪|谁|多少)[^\s，,。；;!！]{0,8}[呢啊呀][!！]*|"
    # ``X 和 Y 有什么区别``, ``…是什么关系``: 有/是 什么 and a short noun ends the clause
    r"(?<!没)(?<!没有)(?<!不)(?:是|有)什么[^\s，,。；;!！:：]{1,4}(?<![了吧]))[\s。~～…]*$"
)
_BECAUSE = re.compile(r"[,，;；]\s*(因为|因此|所以|应该|可能|答[:：])")
# Words that carry no subject: a bare ``为什么?`` is not a card.
_HOLLOW = re.compile(
    r"^[\s\W]*(为什么|为何|为啥|(?:如何|怎么|怎样)(?:理解|解释)(?:这个|一下)?呢?|如何|怎么办?|怎么|"
    r"怎样|why|how|what|what\?|是啥|是什么|什么|(?:什么|啥)(?:问题|意思|情况|东西|鬼)|"
    r"啥|吗|呢|[干做]啥的|干嘛的|[干做]什么的|真的吗|是吗|对吗|好吗|"
    r"why not|really|huh|eh|ok|and|or|so|then|那么|所以|然后|这个|这|那|"
    r"它|[A-Za-z]{1,4})?[\s\W]*$",
    re.IGNORECASE,
)
# A remark or a suggestion with a question mark, but no interrogative word or particle:
# ``在 ubuntu 上测试吧?``, ``其实我对于 exec 的设计非常不满 ?``.
_REMARK = re.compile(
    r"^(?!.*(?:为什么|为何|为啥|如何|怎|能不能|能否|可不可以|是不是|是否|有没有|吗|呢|么|啥|什么|哪|谁|几|多少|还是))"
    r"(?:.*[\u4e00-\u9fff]\s*吧\s*[?？]*\s*$|\s*(?:其实|我(?!们)|感觉|觉得)[\u4e00-\u9fff])"
)
# A verb that makes a few English words a question (``gc0 is coproc ?``, ``can it fail ?``).
_ASKS_EN = re.compile(
    r"\b(?:is|are|am|was|were|do|does|did|"
    r"can|could|should|would|will|shall|may|might|must|has|have|had|isn't|aren't|doesn't|"
    r"don't|didn't|can't|won't|shouldn't|wouldn't|any|anything|really)\b",
    re.IGNORECASE,
)
_WH = re.compile(r"\b(?:what|what's|why|how|when|where|who|whom|whose|which|whether)\b", re.I)
# A word that names something in code (``r1conf::pending_bio_list``, ``PRE_SWITCHOVER``,
# ``mmu_set_spte``): ``X ?`` then asks what X is.
_IDENTIFIER = re.compile(r"[_:]|\(\)|->|^[A-Z0-9]{2,}\W*$|[a-z][A-Z]")
_LABEL_PREFIX = re.compile(r"^.*[:：]\s+(?=\S)")
# A question put to the reader, offering more (the close of a pasted conversation): it asks
# about the reader's wishes, not about the subject (需要我展开一下吗, 你想了解一下…吗).
_OFFER = re.compile(
    r"(?<!不)需要我(?!们)|要不要我(?!们)|我可以帮你|我来帮你|你想(?:了解|知道|看看|试试)|你是因为|"
    r"\b(?:would you like|do you want me to|shall i|want me to)\b",
    re.IGNORECASE,
)
# What a question after a bare URL needs to ask something of its own; without it, the text
# is a guess at what the link is (``https://… : cmake 模板 ?``).
_ASKS_AFTER_LINK = re.compile(
    r"为什么|为何|为啥|如何|怎|能不能|能否|可不可以|是不是|是否|有没有|吗|呢|么|啥|哪|谁|几|多少|"
    r"还是|难道|\b(?:what|why|how|when|where|who|which|whether|is|are|do|does|did|can|could|"
    r"should|would|will)\b",
    re.IGNORECASE,
)
# Text that points back to the link keeps it (``… : 2021 年的项目，所以这些都有什么不同?``).
_POINTS_BACK = re.compile(
    r"(?:^|[，,]\s*(?:所以|那么|但是?)?\s*)(?:这|那(?!么)|两者)|^(?:就是|是这样|是这个|this\b|that\b|it\b)",
    re.IGNORECASE,
)
_LINK_SEPARATORS = " \t:：,，-—(（"
# Text that binds to the URL before it: the URL is the subject (``URL 和 X 是什么关系?``).
_BINDS_TO_LINK = re.compile(r"^\s*(?:和|与|跟|中|里|的|是|有|上|\band\b|\bvs\b)", re.IGNORECASE)
# A clause that describes the name after its colon (a flag, a setting): ``是否启用：`x.enabled```.
_LABELS_A_NAME = re.compile(
    r"^(?!.*(?:为什么|为何|为啥|如何|怎|://))[^:：]+[:：]\s*"
    r"[A-Za-z0-9_.:/<>=-]+(?:\s*[:=]\s*[A-Za-z0-9_.]+)?\s*$"
)
# A second sentence that offers an alternative (或加一个…？, 或者我可以…？, or shall I …?).
_ALTERNATIVE = re.compile(r"^\s*(?:或|还是|要不|or\b)", re.IGNORECASE)


@dataclass(slots=True)
class QuestionHit:
    """A question in a block: lines are indexes into the block's mask lines."""

    first: int
    last: int
    front: str  # mask of the question sentence
    rest: str  # mask of what follows the question on its last line
    marked: bool = True  # ends in a question mark (not only an interrogative word)


def is_interrogative(clause: str) -> bool:
    """Whether a Chinese clause (no question mark) asks something."""
    if cjk_count(clause) < 2:
        return False
    stripped = _CONCESSIVE.sub("无论", clause.strip())  # (无论如何, 不管是否: they ask nothing)
    if stripped.endswith((":", "：")):
        return False
    full_stop = stripped.endswith("。")
    stripped = stripped.rstrip("。") if full_stop else stripped
    last_clause = _CLAUSE_BREAK.split(stripped)[-1]
    if full_stop and ("。" in stripped or not _ASKS_OUTRIGHT.match(last_clause)):
        return False  # a statement, unless its last clause asks outright (``…，为什么要清零。``)
    if _ERRAND.search(stripped) or _INDIRECT_IN_CLAUSE.search(last_clause):
        return False
    if _THAT_IS_WHY.search(stripped):
        return False  # ``这就是为什么需要 address_space``: "that is why", a statement
    trailing = _CN_TRAILING.search(stripped) or _CHOICE.search(stripped)
    if trailing:
        # (an errand may open the asking clause too: ``先不说这个，看看 X 是什么``)
        return not (
            _ERRAND.search(last_clause)
            or _DEPENDS.search(_CLAUSE_BREAK.split(stripped[: trailing.start()])[-1])
        )
    leading = _CN_LEADING.search(stripped)
    if not leading:
        return False
    before = stripped[: leading.start()]
    clause = _CLAUSE_BREAK.split(before)[-1]
    return not (
        _INDIRECT.search(before)
        or _INDIRECT_IN_CLAUSE.search(clause)
        or _DEPENDS.search(clause)
        or _ERRAND.search(clause)
    )


def asks_a_choice(text: str) -> bool:
    """Whether plain text ends in an alternative question (``X 是 A 还是 B``): a definition
    finder's copula or colon before it explains nothing."""
    return "还是" in text and _CHOICE.search(text.rstrip()) is not None


def _has_subject(text: str, inline: InlineText) -> bool:
    plain = inline.plain(text)
    if _HOLLOW.match(plain) or _REMARK.search(plain) or _is_aside(plain) or _OFFER.search(plain):
        return False
    letters = 0
    for c in plain:
        if c.isalnum():
            letters += 1
            if letters == 2:
                return True
    return False


def _is_aside(plain: str) -> bool:
    """A few plain English words with a question mark and no question word: a reader's
    aside in the margin (``second root hub ?``, ``fn_name : use unusable cpu ?``); a name
    from code with a question mark (``mmu_set_spte ?``) still asks what it is."""
    if not plain.isascii() or _WH.search(plain):
        return False
    tail = _LABEL_PREFIX.sub("", plain).strip(" ?？")
    words = tail.split()
    return (
        0 < len(words) <= 3
        and not _ASKS_EN.search(tail)
        and not any(_IDENTIFIER.search(w) for w in words)
    )


def _after_link(front: str, inline: InlineText) -> str | None:
    """A question that opens with bare URLs is the text after them (``https://… :
    ssh-agent 的工作原理是什么 ?`` asks ``ssh-agent 的工作原理是什么 ?``), unless the URL is
    its subject (the text binds to it or points back to it); ``None`` when that text asks
    nothing, only guesses at what the link is."""
    i, n = 0, len(front)
    while i < n:
        c = front[i]
        if c in _LINK_SEPARATORS:
            i += 1
            continue
        atom = inline.atom(c) if is_atom(c) else None
        if atom is None or atom.kind != ATOM_URL:
            break
        i += 1
    if i == 0:
        return front
    rest = front[i:]
    plain = inline.plain(rest)
    if not _ASKS_AFTER_LINK.search(plain):
        return None
    return front if _BINDS_TO_LINK.match(rest) or _POINTS_BACK.search(plain) else rest


def _sentence_start(lines: list[str], li: int, pos: int) -> tuple[int, int]:
    """Walk back from ``lines[li][pos]`` to just after the previous sentence end."""
    line, i = li, pos - 1
    while True:
        text = lines[line]
        while i >= 0:
            c = text[i]
            if c in _ENDERS or (c == "." and i + 1 < len(text) and text[i + 1] == " "):
                return line, i + 1
            i -= 1
        if line == 0 or li - line >= 3:
            return line, 0
        prev = lines[line - 1].rstrip()
        if not prev or prev[-1] in _ENDERS or prev[-1] == ".":
            return line, 0
        line -= 1
        i = len(lines[line]) - 1


def find_questions(inline: InlineText, *, whole_block: bool = False) -> list[QuestionHit]:
    """The questions in a block's mask, at most one starting per line.

    ``whole_block`` (headings, list items' first lines) lets interrogative clauses
    without a question mark count anywhere; in paragraphs they must stand alone.
    """
    hits: list[QuestionHit] = []
    lines = inline.lines
    taken: set[int] = set()
    offered = False  # an offer to the reader was made in this block
    for li, text in enumerate(lines):
        pos = _question_mark(text, 0)
        found = False
        while pos >= 0:
            sl, sp = _sentence_start(lines, li, pos)
            front = _join(lines, sl, sp, li, pos + 1)
            if DRAWING.search(front):
                pos = _question_mark(text, pos + 1)  # ``│ ├─► [Merge 成功?]``: a diagram
                continue
            if _QUOTES.search(front) and _quoted_in_statement(front, text, pos):
                pos = _question_mark(text, pos + 1)  # ``以 "Locking: Hero or Villain?" 为…``
                continue
            front = _after_open_bracket(_without_todo(front))
            if is_atom(front.lstrip()[:1] or " "):
                linked = _after_link(front, inline)
                if linked is None:
                    found = True  # a remark on a link, not a question
                    break
                front = linked
            plain = inline.plain(front)
            if offered and _ALTERNATIVE.match(plain):
                pos = _question_mark(text, pos + 1)  # ``需要我…吗？或加一个…？``: the same offer
                continue
            # An interrogative clause that ends open on the sentence's first line is the
            # start of this sentence, wrapped onto the next (``并发计算中有没有`` / ``一种…？``).
            clause = next((h for h in hits if h.first == sl and not h.marked
                           and _ENDS_OPEN.search(h.front)), None)
            if (sl not in taken or clause) and _has_subject(front.rstrip("?？ "), inline):
                if clause is not None:
                    hits.remove(clause)
                rest = text[pos + 1 :].lstrip("?？ ")
                hits.append(QuestionHit(sl, li, front, rest))
                taken.add(sl)
                found = True
                break
            offered = offered or bool(_OFFER.search(plain))
            if _is_aside(plain.rstrip("?？ ")) and not text[pos + 1 :].isascii():
                found = True  # ``ticket spinlock ? 什么鬼东西 ?``: a remark on the aside
                break
            pos = _question_mark(text, pos + 1)
        if found or pos >= 0:
            continue
        hit = _interrogative_clause(inline, text, whole_block or len(lines) == 1)
        if hit is not None and li not in taken:
            front, rest = hit
            hits.append(QuestionHit(li, li, front, rest, marked=False))
            taken.add(li)
    return hits


_QUOTES = re.compile("[\"“「《]")
_BRACKETS = ("(", "（")


def _quoted_in_statement(front: str, text: str, pos: int) -> bool:
    """Whether the question mark at ``text[pos]`` ends a title or a quotation inside a
    sentence that goes on after it (``以 "Locking: Hero or Villain?" 为核心议题``), not a
    quoted question (``用户问："这里为什么不需要 READ_ONCE？"``)."""
    closing = None
    if front.count('"') % 2 == 1:
        closing = '"'
    else:
        for open_, close in (("“", "”"), ("「", "」"), ("《", "》")):
            if front.count(open_) > front.count(close):
                closing = close
                break
    if closing is None:
        return False
    end = text.find(closing, pos + 1)
    if end < 0:
        return False
    after = text[end + 1 :].lstrip(" *_")
    return bool(after) and (after[0].isalnum() or cjk_count(after[0]) > 0)


def _after_open_bracket(front: str) -> str:
    """A question that opens with a bracket it never closes (``(为什么没有 initrd 来着?``)
    is the text after the bracket."""
    body = front.lstrip(" *_>")
    if body[:1] in _BRACKETS and ")" not in body and "）" not in body and body[1:].strip(" ?？"):
        return body[1:]
    return front


def _question_mark(text: str, start: int) -> int:
    if "?" not in text and "？" not in text:
        return -1
    while True:
        candidates = [p for p in (text.find("?", start), text.find("？", start)) if p >= 0]
        if not candidates:
            return -1
        pos = min(candidates)
        after = text[pos + 1 : pos + 2]
        before = text[pos - 1 : pos] if pos else ""
        if before and is_atom(before) and not after.strip():
            return pos  # `code`? is still a question
        if not after or _AFTER_OK.match(after) or is_atom(after):
            return pos
        start = pos + 1


# An interrogative with nothing after it yet: what it asks about is on the next line.
_ENDS_OPEN = re.compile(r"(?:有没有|是不是|是否|能否|能不能|可不可以|会不会|要不要|有哪些)\s*$")


# A to-do or question marker before a question: the question is still asked (``@todo 为什么
# X ?``, ``TODO : X 吗 ?``, ``@question X 是什么``), only not answered yet; the marker is not
# part of it.
_TODO_MARK = re.compile(
    rf"^\s*[(（]?\s*(?:@?(?:{'|'.join(TODO_WORDS)})|@question)\b\s*[)）]?\s*[:：]?\s*",
    re.IGNORECASE,
)


def _without_todo(front: str) -> str:
    return _TODO_MARK.sub("", front, count=1) if front[:8].lstrip()[:1] in "@(（TtFfXx" else front


def _join(lines: list[str], sl: int, sp: int, el: int, ep: int) -> str:
    if sl == el:
        return lines[sl][sp:ep]
    parts = [lines[sl][sp:], *lines[sl + 1 : el], lines[el][:ep]]
    return " ".join(p.strip() for p in parts)


def _interrogative_clause(
    inline: InlineText, text: str, standalone: bool
) -> tuple[str, str] | None:
    """An interrogative Chinese clause without a question mark: (front, inline answer)."""
    if not _ANY_INTERROGATIVE.search(text) or cjk_count(text) < 2:
        return None
    body = _without_todo(text).strip()
    if not body:
        return None
    if is_atom(body[:1] or " "):
        linked = _after_link(body, inline)
        if linked is None:
            return None
        body = linked
    if ("：" in body or ":" in body) and _LABELS_A_NAME.match(inline.plain(body)):
        return None  # ``计数是否要消费：JOBCTL_STOP_CONSUME``: what a flag means, not a question
    rest = ""
    because = _BECAUSE.search(body)
    if because:
        body, rest = body[: because.start()], body[because.start() + 1 :]
    sentence = _SENTENCE_END.split(body, maxsplit=1)
    if len(sentence) > 1 and sentence[1].strip():
        if not standalone:
            return None
        body, rest = sentence[0], sentence[1] + rest
    if not standalone and len(inline.plain(body)) > 60:
        return None
    plain = inline.plain(body)
    if not is_interrogative(plain) or _quotes_the_interrogative(plain):
        return None
    if not _has_subject(body, inline):
        return None
    return body, rest


def _quotes_the_interrogative(plain: str) -> bool:
    """Whether a clause's first interrogative stands in a quotation after text of the
    clause's own (``却在想“为什么这个回调没触发”``, ``讨论的不是“如何建立排序”``): a phrase
    it mentions, not what it asks. A clause that is all quotation still asks."""
    found = _ANY_INTERROGATIVE.search(plain)
    if found is None:
        return False
    before = plain[: found.start()]
    for open_, close in (("“", "”"), ("「", "」"), ('"', '"')):
        at = before.rfind(open_)
        if open_ == close:  # (an ASCII quotation is open after an odd number of marks)
            at = at if before.count(open_) % 2 else -1
        elif close in before[at + 1 :]:
            at = -1
        if at > 0 and _BEFORE_QUOTATION.sub("", before[:at]):
            return True
    return False


# What may stand before a quotation that is the whole clause: markup, a section number.
_BEFORE_QUOTATION = re.compile(r"^[\s*_>#-]*(?:\d+(?:\.\d+)*[.、)]?)?[\s*_]*")
