"""Definitions: a short term and the note's explanation of it.

``TERM : explanation`` (ASCII or full-width colon), ``**TERM** — explanation``,
```TERM`: explanation``, ``TERM 是/指/即 …``, ``所谓 TERM 就是 …``, ``TERM is a/an/the …``,
``TERM means / refers to …``, ``…称为**TERM**``, ``… is called **TERM**``, and annotated
links (``[name](url) 是 …``, ``https://github.com/owner/NAME : …``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cards.extract.questions import asks_a_choice
from cards.extract.text import (
    ATOM_CODE,
    ATOM_LINK,
    ATOM_URL,
    DRAWING,
    EM,
    NOT_KNOWING,
    SHRUG,
    STRONG_CLOSE,
    STRONG_OPEN,
    SUMMING_UP,
    TODO_FIRST,
    InlineText,
    cjk_count,
    is_atom,
    strip_special,
)

__all__ = [
    "MAY_DEFINE", "DefinitionHit", "find_definition", "is_label", "is_prose", "is_subject",
    "repo_name",
]


@dataclass(slots=True)
class DefinitionHit:
    """A definition on one mask line: the term (plain text) and the explanation's mask."""

    term: str
    explanation: str
    marked: bool = False  # the term is bold, code or a link


_ARROWS = "=<>→←⇒|"
_BULLETS = "·•◦▪‣-*+ \t"
# (a ``::`` is a path separator: ``file_operations::get_link``, ``std::atomic``)
_COLON = re.compile(r"\s*(?<!:)[:：](?!:)\s*")
_TERM_COPULA = re.compile(r"\s*(?:指的是|就是|即是|是)$")
_SOURCE_FILE = re.compile(r"\w\.(?:c|h|S|cc|cpp|hpp|rs|go|py|java|js|ts)$")
_DASH = re.compile(r"\s*(?:——|—|–|\s-\s|\s--\s)\s*")
_COPULA_CN = re.compile(r"^\s*(被定义为|定义为|可译为|译为|是指|指的是|就是|即为|即是|是|指|即)")
_SO_CALLED = re.compile(
    r"^\s*所谓的?\s*(?P<term>.{1,24}?)\s*(?:也|其实|本身)?\s*(?:就是|是指|是|指|即)(?P<rest>.+)$"
)
_COPULA_EN = re.compile(
    r"^\s*(?:is|are)\s+(?!the same\b)(?:a|an|the|one of|used to|just|simply|basically)\s|"
    r"^\s*(?:means|refers to|stands for|is short for|is shorthand for)\s",
    re.IGNORECASE,
)
_CALLED = re.compile(
    r"(?:称为|称作|叫做|叫作|被称为|称之为|称[^。；！\n\ue001]{1,30}?为|"
    r"is called|are called|known as)\s*"
    + STRONG_OPEN
    + r"(?P<term>[^"
    + STRONG_CLOSE
    + r"]{1,40})"
    + STRONG_CLOSE,
    re.IGNORECASE,
)
# Subjects that are not terms (a prefix is enough: 这个…, 所以…, 另一个原因), by what they are.
_NOT_TERM_CN_WORDS = (
    # pronouns and demonstratives
    "这", "那", "它", "他", "她", "我", "你", "您", "其", "该", "此", "这里", "本书", "本文",
    "前者", "后者", "前面", "后面", "上面", "下面", "以上", "以下", "上述", "如下", "其中",
    # connectives and sentence openers
    "但", "而", "所以", "因此", "因为", "如果", "不过", "然后", "于是", "同时", "那么", "然而",
    "虽然", "尽管", "即使", "否则", "另外", "此外", "而且", "并且", "或者", "还是", "作为",
    "如果说", "比如说", "例如", "比如", "总之", "总的来说", "简单来说", "换句话说", "也就是说",
    "简而言之", "总而言之", "换言之", "也就是", "具体来说", "具体而言", "首先", "其次", "最后",
    # adverbs, hedges and judgements
    "也", "都", "还", "就", "一般", "通常", "其实", "主要", "尤其", "甚至", "不", "没", "可能",
    "应该", "感觉", "觉得", "好像", "似乎", "或许", "大概", "猜测", "猜", "估计", "看来",
    "看上去", "看起来", "的确", "确实", "当然", "真的", "显然", "居然", "竟然", "最好", "原来",
    "直觉上", "实际上", "无非", "到底", "无论", "不论", "号称", "忽然", "突然", "发现", "顺便",
    "想不到", "没想到",
    # times and steps
    "现在", "目前", "之前", "之后", "以前", "以往", "最近", "下一步", "接下来",
    # quantities
    "一个", "一种", "每个", "每一", "某些", "某个", "所有", "一些", "有些", "很多", "许多",
    "至少", "至多",
    # prepositions and verbs that open a clause
    "与", "和", "跟", "对于", "对", "在", "从", "把", "被", "将", "让", "给", "当", "若", "只",
    "只是", "才", "再", "通过", "根据", "按照", "使用", "找到", "得到", "可以", "需要", "要",
    "会", "能", "假定", "假设", "设", "令", "具体", "里的", "中的",
    # labels of a part of the note or of the author's thinking
    "注意", "问题", "原因", "目的", "结果", "答案", "文章", "思考",
    # what points to another part of the note: 另一个原因, 相关文档, 对应的代码, 配套的 lpc
    "另一", "相关的", "对应的?", "配套的?", "相关(?:文档|代码|源码|资料|链接|实现)",
)  # fmt: skip
_NOT_TERM_CN = re.compile(f"^(?:{'|'.join(_NOT_TERM_CN_WORDS)})")
# English subjects that are not terms, as whole words.
_NOT_TERM_WORDS = (
    # notes to self and code comments
    "@?todo", "fixme", "xxx", "tbd", "@question", "//",
    # pronouns, determiners and question words
    "it", "this", "that", "these", "those", "there", "here", "he", "she", "they", "we", "you",
    "i", "what", "which", "who", "why", "how", "where", "when", "one", "such", "neither",
    "either", "nor",
    # connectives and adverbs
    "but", "and", "so", "if", "then", "also", "since", "because", "although", "though",
    "while", "as", "after", "before", "once", "until", "unless", "whether", "thus", "hence",
    "however", "therefore", "even", "just", "only", "now",
    # the parts of an argument
    "the answer", "the result", "the reason", "the problem", "the idea", "the point",
    "the goal", "the trick", "the difference",
)  # fmt: skip
_NOT_TERM = re.compile(f"^(?:{'|'.join(_NOT_TERM_WORDS)})(?:\\s|$|[^\\w])", re.IGNORECASE)
# Lines whose colon only labels what follows (the whole term one of these).
_LABEL_WORDS = (
    # references and sources
    "参考", "重点参考", "参考资料", "参考文献", "资料", "链接", "来源", "出处", "引用", "原文",
    "翻译", "摘要", "see also", "see", "ref", "refs", "reference", "references", "source",
    "related", "links?", "also",
    # notes, tips and examples
    "备注", "注", "注意", "提示", "例如", "比如", "举例", "例子", "示例",
    "最?(?:经典|典型)的?(?:案例|例子)", "note", "notes", "tip", "tips", "warning", "example",
    "examples", "e\\.g", "eg", "i\\.e", "ps", "p\\.s",
    # to-dos and states
    "(?:长期|近期|短期|今日|今天)?(?:待办|代办)(?:事项|清单)?", "已完成", "未完成", "进行中",
    "待完成", "已解决", "未解决", "done", "wip", "todo", "fixme", "tmp", "temp", "临时", "update",
    "edit", "纠正", "更正", "勘误",
    # parts of a write-up
    "(?:主要|具体)?内容", "doc", "docs", "(?:总结)?建议", "总结", "小结", "结论", "问题", "答案",
    "回答", "解答", "思考", "说明", "代码", "输出", "输入", "结果", "步骤", "方法", "output",
    "input", "result", "question", "answer", "summary", "usage", "why", "how", "what",
    # a page's or a lecture's metadata
    "作者", "时间", "日期", "授课", "讲师", "老师", "教师", "地点", "课程", "学期", "邮箱", "版本",
    "标签", "分类", "author", "date", "time", "tags?", "title", "version", "category",
    "categories", "layout",
    # bare replies
    "yes", "no", "是", "否", "对", "不对", "不是", "没有", "有", "ok", "okay",
)  # fmt: skip
_LABELS = re.compile(f"^(?:{'|'.join(_LABEL_WORDS)})$", re.IGNORECASE)
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "from",
        "at",
        "as",
        "is",
        "are",
        "was",
        "be",
        "that",
        "which",
        "this",
        "and",
        "or",
        "it",
        "its",
        "can",
        "may",
        "used",
        "use",
        "when",
        "how",
        "not",
        "no",
        "into",
        "than",
        "only",
        "one",
        "all",
        "each",
        "its",
        "their",
    ]
)
# A Chinese copula; a lone 指/即 only where it cannot be part of a word (指针, 即使, 立即).
_CN_SPLIT = re.compile(
    r"被定义为|定义为|可译为|是指|指的是|就是(?!说)|即为|即是|是(?![否不])|(?<=[\s)）\]】A-Za-z0-9\U000f0000-\U000ffffd])指(?![定出向针令南导标挥数示引])"
    r"|(?<![立随])即(?![使便可将刻时])"
)
# A Chinese subject does not end in an adverb, particle or preposition (…都是, …于是).
_CN_TERM_END = re.compile(
    r"(?:[都也还就只不才又再却便总很最更已的了着过在于为把被让给对从向和与及或说看要会能可得地而所但算中里时后仅]"
    r"|(?<![思理设猜构联])想)$"  # (思想, 猜想: nouns)
)
# A hedge in the subject or a demonstrative just before the copula (X 似乎就是, X 感觉这就是,
# X 正好是) makes a guess or a remark; an adverb there (X 其实就是, X 本身就是) still defines X.
_HEDGE_END = re.compile(r"(?:应该|可能|大概|估计|感觉这?|这个|这|正好|确实|最好)\s*$|似乎|好像")
_ADVERB_END = re.compile(
    r"(?:\s*(?:其实|本来|本身|本质上|实际上|通常|一般|往往|常常|经常|一律|统一|仍然|依然|居然|竟然|"
    r"(?<![规原准法细守否总通实])则))+\s*$"
)
# A name with 下/上 after it is a circumstance (nixos 下是 …, Linux 上: …), not a term.
_PLACE_END = re.compile(r"[A-Za-z0-9_)）]\s*[下上]$|(?:情况|条件|前提|场景|环境|状态)下$")
# An explanation that only points back (这么简单, 这样做的) says nothing of its own.
_POINTS_BACK = re.compile(r"\s*(?:这么|这样|如此|那样)")
# A line without any of these holds no definition (a cheap first test; public so that a
# test holds it to its plain spelling).
# Every alternative starts with a literal character, so that ``re`` jumps to the
# characters that can start a match (see :mod:`cards.extract.pretest`); an English word's
# boundaries are a look-behind after its first letter and ``\b`` after its last.
MAY_DEFINE = re.compile(
    "|".join(
        [
            *":：—–是指即称叫",
            " - ",
            " -- ",
            "定义为",
            "译为",
            *(
                rf"{first}(?<!\w{first})(?i:{rest})\b"
                for word in ("is", "are", "means", "refers", "stands")
                for first, rest in ((word[0], word[1:]), (word[0].upper(), word[1:]))
            ),
            *(f"{c}(?i:alled)" for c in "cC"),
            *(f"{c}(?i:nown as)" for c in "kK"),
        ]
    )
)
_ASKS = re.compile(
    r"什么|为什么|如何|怎么|怎样|哪|谁|多少|几|到底|究竟|\b(what|why|how|which|who)\b", re.I
)
_ASIDE = re.compile(r"^\s*(?:(?:\([^()]*\)|（[^（）]*）)\s*)+$")
# An explanation that opens with a bracketed shrug or to-do (``X : (不知道怎么解释)``), or that
# is only a shrug (``证明 : 还是没有看懂``, text.SHRUG): the note has no explanation yet.
_SHRUG_IN_BRACKETS = re.compile(
    rf"^\s*[(（]\s*@?(?:[^()（）]{{0,12}}?(?:{'|'.join(NOT_KNOWING)}|不会|待补充|待定)|"
    r"todo|fixme|tbd|\?|？)",
    re.IGNORECASE,
)
_SENTENCE_PUNCT = re.compile(r"[，。；;！!？?,]")
_NUMERIC = re.compile(r"^[\d\s:.-]+$")
_EN_COPULA_AT = re.compile(r"(?<!\bby)\s(is|are|means|refers to|stands for)\s", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[，,。；;！!]")
_PATH = re.compile(r"^[\w.~-]*(?:/[\w.*-]+)+/?$")
# A colon "term" holding a verb is a sentence: ``X is a property: …``.
_CN_COPULA_IN_TERM = re.compile(r".(?:都|也|就|才)是.")  # (not 还是: ``X 还是 Y：`` compares)
_VERB_IN_TERM = re.compile(r"\s(?:is|are|was|were|has|have|does|do)\s", re.IGNORECASE)
_GLOSS = re.compile(r"（[^（）]*）|\([^()]*\)")
# An alias within a term: 棋盘距离，即切比雪夫距离; X, also called Y.
_CLAUSE_MARK = re.compile(r"[，,。；;！!]")
_ALIAS = re.compile(r"[，,]\s*(?:即|又称|也称|也叫|或称|also called|aka)\s*")
_ARTICLE = re.compile(r"^\s*(?:the|a|an)\s+", re.IGNORECASE)
_STRAY_UNDERSCORES = re.compile(r"^_+(?!\w)|(?<!\w)_+$")
# A sentence that sums up opens with a connective before its subject: ``简而言之，X 是指…``,
# ``**总之，X 是…**``, ``In short, X is …`` (the bold that wraps the sentence goes with it).
_SUMMING_UP = re.compile(
    rf"^\s*{STRONG_OPEN}?\s*(?:{'|'.join(SUMMING_UP)})\s*[，,]\s*", re.IGNORECASE
)
# What a copula's predicate opens with when it says what the subject is to something:
# ``Raft 是对 Paxos 的一种改进``, ``是对于 X 的模拟`` (not ``是对的``, nor ``是对 X 进行…``).
_TO_SOMETHING = re.compile(r"^对(?:于)?[^，,。；;]{1,24}的[^，,。；;的]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_FIRST_PERSON = re.compile(r"(?<!自)我")  # (自我 is a word: 自我检查)
_LABEL_END = re.compile(r"(?:(?:^|[\s.,;，])(?:e\.g|i\.e|eg|etc)\.?|例如|比如)$", re.IGNORECASE)
_ATOM_CLASS = "[\U000f0000-\U0010ffff]"  # the characters is_atom accepts
_ATOM_CHAR = re.compile(_ATOM_CLASS)
# A term that holds a path or is a shell command: ``读取 ~/.config/x``, ``sudo tcpdump -i lo``.
_COMMAND = re.compile(
    r"(?:^|\s)(?:~/|\.{0,2}/\w)|^(?:sudo|apt|apt-get|yum|dnf|pip|git|make|cd|ls|cat|echo|"
    r"export|mkdir|rm|cp|mv|grep|find|ssh|docker|kubectl|systemctl|qemu-system-\w+)\s|\s--?\w"
)
_IDENTIFIER = re.compile(r"^\s*[A-Za-z0-9_.:>-]+(?:\(\))?\s*$")  # ext4_da_write_begin(), a->b
# A C++ base-class list after the colon: ``public Base``, ``private a::B``, ``virtual public B``.
_BASE_CLASS = re.compile(r"\s*(?:virtual\s+)?(?:public|protected|private)\s+[A-Za-z_]")
_CLASS_HEAD = re.compile(r"(?:^|\s)(?:class|struct)\s+[A-Za-z_][\w:<>]*\s*$")
_DATA = re.compile(r"^[\s\d.,:;/%x+\-*=()\[\]<>#@_|~^$&!{}]*$")


def repo_name(url: str) -> str:
    """``NAME`` of a ``https://github.com/owner/NAME`` (or GitLab) URL, else ``""``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.netloc.lower().removeprefix("www.") not in ("github.com", "gitlab.com"):
        return ""
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2 or parts.query or parts.fragment:
        return ""
    return segments[1].removesuffix(".git")


def is_subject(text: str) -> bool:
    """Whether a sentence opens with its subject, not with a pronoun, a connective or a
    hedge (``这些对象``, ``In the first case``, ``猜测``)."""
    text = text.strip(" *_`")
    return not (_NOT_TERM.match(text) or _NOT_TERM_CN.match(text) or _OPENER_EN.match(text))


# English lead-ins that open with a circumstance or an aside, not a subject.
_OPENER_EN = re.compile(
    r"^(in|with|for|at|on|by|from|like|see|check|look|find|note|maybe|perhaps|probably|"
    r"i|my|our|let's|let us)\b",
    re.IGNORECASE,
)


def is_label(term: str) -> bool:
    """Whether ``term`` is a label word (``参考``, ``TODO``, ``Note``) or a numbered label
    (``场景 1``, ``步骤2``, ``第三步``, ``Method 1``, ``Chap 2``) rather than a term."""
    bare = _MARKS.sub("", term).strip(" *_`")
    return bool(_LABELS.match(bare.rstrip("s")) or _LABELS.match(bare) or _NUMBERED.match(bare))


_MARKS = re.compile(r"^[^\w`*]+")  # a leading emoji or symbol: ✅ 结论, ➤ Note
# A label that only numbers a step, case or part: 场景 1, 步骤2, 第三步, 方案一, stage 1.
_NUMBERED = re.compile(
    r"^(?:(?:场景|步骤|方法|方案|情况|情形|例子|示例|例|阶段|策略|实验|测试|思路|解法|选项|练习|"
    r"习题|题目?|任务|作业|问题|原因|step|case|example|phase|stage|part|round|option|question|"
    r"answer|exercise|task|scenario|problem|solution|method|approach|chap|chapter|lec|"
    r"lecture|lab|hw|homework|q|a|"
    # a figure's or a table's caption: 图 2, Figure 3.1, Table 2
    r"图|表|figure|fig\.?|table|listing)\s*[-#]?\s*[\d一二三四五六七八九十]+(?:[.-]\d+)*|"
    r"第\s*[\d一二三四五六七八九十]+\s*[步种个条点章节部分次类]?"
    r"(?:情况|情形|方法|方式|方案|场景|原因|阶段|问题|步骤)?|[一二三四五六七八九十]+|"
    # only a count: 三类, 四种状态 (of what?)
    r"[两二三四五六七八九十几\d]+\s*[个种类层点步项条件样](?:状态|类型|方式|方法|情况|模式|阶段|部分)?)$",
    re.IGNORECASE,
)


def is_prose(inline: InlineText, mask: str) -> bool:
    """Whether an explanation is prose: not a lone URL, number, path, code, function name
    or flag dump."""
    text = strip_special(mask)
    if _IDENTIFIER.match(text) or _PATH.match(text.strip()):
        return False
    cjk = cjk_count(text)
    if cjk >= 2:
        return True
    if cjk:
        return len(text.strip()) >= 4 and bool(_WORD.search(text))
    if _DATA.match(text):
        return False
    words = _WORD.findall(text)
    if len(words) < 2:
        return False
    if any(w.lower() in _FUNCTION_WORDS for w in words):
        return True
    return len(words) >= 3 and any(len(w) >= 5 for w in words)


def _term_text(inline: InlineText, mask: str) -> tuple[str, bool] | None:
    """The plain term of a term mask, and whether it is bold/code/link (a marked term)."""
    mask = mask.strip().lstrip(_BULLETS).strip()
    if not mask or mask.count(STRONG_OPEN) != mask.count(STRONG_CLOSE):
        return None
    if mask[0] in _ARROWS:
        return None  # ``==> kvm_mmu_get_page``: a step of a call chain, not a term
    atoms = [inline.atom(c) for c in _ATOM_CHAR.findall(mask)]
    atoms_kinds = [a.kind for a in atoms if a is not None]
    if ATOM_URL in atoms_kinds:
        if len(atoms_kinds) == 1 and len(mask) == 1 and atoms[0] is not None:
            name = repo_name(atoms[0].href)
            return (name, True) if name else None
        return None
    marked = mask[0] in (STRONG_OPEN, EM) or bool(atoms_kinds and mask[0] == mask.lstrip()[0])
    plain = inline.plain(mask)
    if ATOM_CODE not in atoms_kinds:
        # (stray emphasis marks, but not an identifier's underscores: ``__GFP_WRITE``)
        plain = _STRAY_UNDERSCORES.sub("", plain.strip(" *")).strip(" *")
    if not plain or not (any(c.isalpha() for c in plain) or ATOM_CODE in atoms_kinds):
        return None
    words = plain.split()
    cjk = cjk_count(plain)
    if len(plain) > 48 or len(words) > 6 or (cjk > 16 and len(words) <= 1 and cjk == len(plain)):
        return None
    if cjk > 20:
        return None
    # Sentence punctuation ends a term, except inside a gloss: 欧拉数（亏格数，genus）.
    unglossed = _GLOSS.sub("", _ALIAS.sub(" ", plain))
    if _SENTENCE_PUNCT.search(unglossed) and ATOM_CODE not in atoms_kinds:
        return None
    if DRAWING.search(plain):
        return None  # ``│ 角色 │ 可以是 …``: a row of a table drawn in text
    if plain.startswith(("...", "…")):
        return None  # ``...and more: FPUs, …``: the rest of a sentence, not a term
    if plain.endswith("一下"):
        return None  # ``确认一下 : …``, ``调查一下: …``: an errand, not a term
    if _LABEL_END.search(plain):
        return None  # ``locks in the kernel. E.g: …``: the colon is the label's
    if _NOT_TERM.match(plain) or _NOT_TERM_CN.match(plain) or is_label(plain):
        return None
    if "我" in plain and _FIRST_PERSON.search(_GLOSS.sub("", plain)):
        return None  # ``实现方法我理解是…``, ``写代码我感觉是…``: a remark, not a term
    if _NUMERIC.match(plain) or _PATH.match(plain) or _COMMAND.search(plain):
        return None
    if plain.count("(") != plain.count(")") or plain.count("（") != plain.count("）"):
        return None  # ``ept_fetch : (应该``: cut inside a bracket
    if plain.count('"') % 2 or plain.count("“") != plain.count("”"):
        return None  # ``第7章以 "Locking: Villain or Hero?" 为…``: cut inside a quotation
    if atoms_kinds and all(k == ATOM_CODE for k in atoms_kinds):
        return inline.render(mask).strip(_BULLETS), True  # `$?` keeps its backticks
    return plain, marked or ATOM_LINK in atoms_kinds


# A bold or code term as the subject of a verb that says what it does: ``A **loss function**
# tells how far …``, ``**EPC** holds the address of …``, ```count` indicates the number of…``
# (the marking says which word the line explains).
SUBJECT_VERBS = (
    "holds", "contains", "stores", "keeps", "records", "tracks", "describes", "represents",
    "specifies", "defines", "determines", "controls", "manages", "handles", "provides", "maps",
    "tells", "measures", "indicates", "identifies", "implements", "encodes", "translates",
    "converts", "generates", "creates", "produces", "denotes", "matches", "returns", "points",
)  # fmt: skip
_MARKED_SUBJECT = re.compile(
    rf"^(?:(?:a|an|the)\s+)?"
    rf"(?:{STRONG_OPEN}[^{STRONG_OPEN}{STRONG_CLOSE}]{{1,40}}{STRONG_CLOSE}|{_ATOM_CLASS})"
    rf"\s+(?:{'|'.join(SUBJECT_VERBS)})\b",
    re.IGNORECASE,
)


def find_definition(inline: InlineText, line: str) -> DefinitionHit | None:
    """A definition standing at the start of one mask line, if the line holds one."""
    body = line.strip()
    if not body or body[-1] in "?？":
        return None  # (a line that ends asking: ``fn_name : use unusable cpu ?``, ``VZ : means ?``)
    if not MAY_DEFINE.search(body):
        return _marked_subject(inline, body)
    if asks_a_choice(body):
        return None  # ``配置问题 ： 到底是 tap 还是 tap0``: a question, not an explanation
    so_called = _SO_CALLED.match(inline.plain(body)) if "所谓" in body[:4] else None
    if so_called and len(so_called.group("rest").strip()) >= 2:
        term = so_called.group("term").strip(" ，,、：:")
        if term:
            return DefinitionHit(term, body)
    hit = _colon_definition(inline, body) or _dash_definition(inline, body)
    if hit:
        return hit
    hit = _copula_definition(inline, body)
    if hit:
        return hit
    called = _CALLED.search(body) if STRONG_OPEN in body else None  # it needs a bold term
    if called:
        return DefinitionHit(called.group("term").strip(), body, marked=True)
    return _marked_subject(inline, body)


def _marked_subject(inline: InlineText, body: str) -> DefinitionHit | None:
    match = _MARKED_SUBJECT.match(body)
    if match is None or not is_prose(inline, body[match.end() :]):
        return None
    subject = _ARTICLE.sub("", body[: match.end()])
    end = subject.index(STRONG_CLOSE) + 1 if subject[0] == STRONG_OPEN else 1
    atom = None if subject[0] == STRONG_OPEN else inline.atom(subject[0])
    if atom is not None and atom.kind != ATOM_CODE:
        return None  # (a link or a URL before a verb: ``https://… returns 404``)
    term = _term_text(inline, subject[:end])
    return DefinitionHit(term[0], body, marked=True) if term is not None else None


def _colon_definition(inline: InlineText, body: str) -> DefinitionHit | None:
    if ":" not in body and "：" not in body:
        return None  # (cheaper than the search)
    match = _COLON.search(body)
    if not match or match.start() == 0:
        return None
    term_mask, expl = body[: match.start()], body[match.end() :]
    if not expl.strip() or not is_prose(inline, expl):
        return None
    if _BASE_CLASS.match(expl) and _CLASS_HEAD.search(term_mask):
        return None  # ``class JIT : public Base``: a C++ class's bases, not an explanation
    drive = term_mask.strip()
    if expl[:1] in ("\\", "/") and len(drive) == 1 and drive.isascii() and drive.isalpha():
        return None  # ``C:\Program Files\…``: a drive letter, not a term
    if expl.lstrip()[:2] == "//" or (
        body[match.start() : match.end()].strip() == ":"
        and (body[match.start() - 1 : match.start()].isdigit() and expl[:1].isdigit())
    ):
        return None
    expl_plain = inline.plain(expl)
    if (
        _ASIDE.match(expl_plain)
        or _SHRUG_IN_BRACKETS.match(expl_plain)
        or SHRUG.match(expl_plain)
        or TODO_FIRST.match(expl_plain)
    ):
        return None  # ``X: (调查一下 …)``, ``X : (不知道怎么解释), …``: a note to self
    if body[match.start() : match.end()] == ":" and _SOURCE_FILE.search(term_mask):
        return None  # ``exit.c:do_exit 的 set_fs``: a place in the source, not a term
    term = _term_text(inline, term_mask)
    if term is None:
        return None
    copula = None if term[1] else _TERM_COPULA.search(term[0])
    if copula is not None and copula.start() > 0:
        bare = term[0][: copula.start()]
        if not _ends_no_term(bare):
            term = (bare, term[1])  # ``X 的核心思想是：…`` defines X 的核心思想
        # (but ``rmap_add 处理的是：…`` keeps its 是: ``rmap_add 处理的`` names nothing)
    if not term[1] and _ends_no_term(term[0]):
        return None
    if _VERB_IN_TERM.search(f" {term[0]} ") or _CN_COPULA_IN_TERM.search(term[0]):
        return None  # ``X is a property: …``, ``dfs / 前序 都是采用相同的模式 : …``: a sentence
    return DefinitionHit(term[0], expl.strip(), marked=term[1])


def _ends_no_term(text: str) -> bool:
    """Whether a Chinese subject ends where no term ends: an adverb or particle (``…都``,
    ``…的``) or a circumstance (``nixos 下``)."""
    return bool(_CN_TERM_END.search(text) or _PLACE_END.search(text))


def _dash_definition(inline: InlineText, body: str) -> DefinitionHit | None:
    if body[0] not in (STRONG_OPEN,) and not is_atom(body[0]):
        return None
    match = _DASH.search(body)
    if not match:
        return None
    term_mask, expl = body[: match.start()], body[match.end() :]
    if not is_prose(inline, expl):
        return None
    term = _term_text(inline, term_mask)
    if term is None or not term[1] or _VERB_IN_TERM.search(f" {term[0]} "):
        return None  # (``X does what the name promises — …``: a sentence, not a term)
    return DefinitionHit(term[0], expl.strip(), marked=term[1])


def _split_subject(inline: InlineText, body: str) -> list[tuple[str, str]]:
    """Candidate (subject, predicate) splits of a sentence at a copula, nearest first."""
    out: list[tuple[str, str]] = []
    head = body[:40]
    if "是" in head or "指" in head or "即" in head or "为" in head:  # each copula holds one
        for match in _CN_SPLIT.finditer(head):
            out.append((body[: match.start()], body[match.start() :]))
    english = _EN_COPULA_AT.search(body[:120])
    if english:
        out.append((body[: english.start()], body[english.start() :]))
    return out


def _copula_definition(inline: InlineText, body: str) -> DefinitionHit | None:
    for subject, predicate in _split_subject(inline, body):
        if not subject.strip():
            continue
        cn = _COPULA_CN.match(predicate)
        if cn is not None:
            if _HEDGE_END.search(subject):
                continue  # ``X 似乎就是 …``, ``X 感觉这就是 …``: a guess, not a definition
            subject = _ADVERB_END.sub("", subject)  # ``X 其实就是 …`` defines X
        if cn:
            rest = predicate[cn.end() :]
            if _POINTS_BACK.match(rest):
                continue  # ``核心就是这么简单``, ``X 就是这样做的``: a remark on what came before
            clause = _CLAUSE_END.split(inline.plain(rest), maxsplit=1)[0].strip(" :：")
            clause = clause.rstrip("啊呀哇吧呢哦嘛~～ ")  # (``…的过程的哇``: a remark all the same)
            if (
                rest[:1] in ("不", "否", "什", "啥", "哪", "谁", "多", "怎", "如")
                or len(inline.plain(rest)) < 4
                or clause.endswith("的")
                or clause.startswith(("关于", "因为", "为了", "由于", "在", "有", "没有"))
                or (clause.startswith("对") and not _TO_SOMETHING.match(clause))
            ):
                continue
        elif not _COPULA_EN.match(strip_special(predicate)):
            continue
        summed_up = _SUMMING_UP.match(subject)
        if summed_up:
            subject = subject[summed_up.end() :]  # ``简而言之，X 是指…`` defines X
        if _ALIAS.search(subject):
            subject = subject.rstrip(" ，,")  # ``写时复制，即 COW，是…``: a pause after the alias
        if _CLAUSE_MARK.search(_ALIAS.sub(" ", _GLOSS.sub("", subject))):
            continue  # ``…都由它驱动，它是…``, ``…基础类型。它也可以是…``: a sentence's clauses
        subject_plain = inline.plain(subject)
        if cn is not None and _PLACE_END.search(subject_plain):
            return None  # ``nixos 下是 …``: the sentence opens with a circumstance
        if cn is not None and (_CN_TERM_END.search(subject_plain) or cjk_count(subject_plain) > 14):
            continue
        if _ASKS.search(subject_plain):
            continue  # 什么东西是 X, 为什么是 Y: a question, not a definition
        if cn is None and (
            subject_plain[:1].islower()
            and not any(is_atom(c) for c in subject)
            and not (summed_up and _ARTICLE.match(subject_plain))
        ):
            continue
        term = _term_text(inline, _ARTICLE.sub("", subject))
        if term is None:
            continue
        if cjk_count(term[0]) == 0 and len(term[0].split()) > (4 if cn is not None else 3):
            continue  # an English subject that long is a description, not a term
        return DefinitionHit(term[0], body, marked=term[1])
    return None
