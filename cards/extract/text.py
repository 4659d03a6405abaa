"""Inline text of a block as a *mask*: prose characters, with everything that is not prose
(code spans, URLs, links, images, HTML) folded into single placeholder characters.

Rules look for question marks, colons and copulas in the mask, so a ``?`` inside inline
code, a URL's query string or a link's text never counts; :func:`render` turns a piece of
a mask back into the note's own markdown and :func:`plain` into readable text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from markdown_it.token import Token

__all__ = [
    "ATOM_CODE",
    "ATOM_LINK",
    "ATOM_URL",
    "DRAWING",
    "EM",
    "NOT_KNOWING",
    "SHRUG",
    "STRONG_CLOSE",
    "STRONG_OPEN",
    "SUMMING_UP",
    "TODO_FIRST",
    "TODO_WORDS",
    "InlineText",
    "cjk_count",
    "fold",
    "inline_text",
    "is_atom",
    "plain_inline_text",
    "strip_special",
]

# Box drawing and ►: a table or a diagram drawn in text, where no term or question stands.
DRAWING = re.compile("[\u2500-\u257f\u25ba]")
# Words of not knowing (不知道, 没看懂, no idea), as patterns: a reply or an explanation that is
# only one of them, a shrug, says nothing (``…吗？不知道``, ``- 我很迷茫！``, ``X : 还是没有看懂``).
NOT_KNOWING = (
    "不知道", "不清楚", "不明白", "不太懂", "不懂", "不理解", "无法理解", "看不懂", "搞不懂",
    "搞不清", "搞不明白", "没有?(?:看懂|搞懂|搞明白|理解|明白|懂)", "迷茫", "困惑",
    "no idea", "not sure", "(?:don't|do not|didn't|did not) (?:know|understand)",
)  # fmt: skip
_NOT_KNOWING = "|".join(NOT_KNOWING)
# The whole text a shrug: a word of not knowing (or of no interest), with at most an adverb.
SHRUG = re.compile(
    rf"^\s*(?:还是|仍然|依然|也|完全|我|i)?\s*(?:很|好|有点)?\s*(?:{_NOT_KNOWING}|暂时没兴趣)"
    r"了?\s*[.。!！…]*\s*$",
    re.IGNORECASE,
)
# Connectives that sum up what was said (``简而言之，X 是…``; a lead-in's last clause that is
# only one of them carries its sentence on into the list).
SUMMING_UP = (
    "简而言之", "总之", "总而言之", "总的来说", "换句话说", "换言之", "也就是说", "简单来说",
    "简单地说", "概括地说", "一句话", "in short", "in other words", "in a word", "simply put",
    "put simply",
)  # fmt: skip
# The words of a to-do marker (``@todo``, ``FIXME``, ``(TBD``).
TODO_WORDS = ("todo", "fixme", "xxx", "tbd")
# Text that opens with a to-do (``@todo 检查…``, ``(TODO …``): a note to self, nothing learnt.
TODO_FIRST = re.compile(rf"^\s*[(（]?\s*@?(?:{'|'.join(TODO_WORDS)})\b", re.IGNORECASE)

# Fixed markers for emphasis; every other atom is a private-use character indexing ``atoms``.
STRONG_OPEN = "\ue001"
STRONG_CLOSE = "\ue002"
EM = "\ue003"
_ATOM_BASE = 0xF0000
_ATOM_LIMIT = 0xFFFFD
_CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_SPECIAL = re.compile("[\ue001-\ue003\U000f0000-\U000ffffd]")
_PRIVATE = re.compile("[\ue000-\uf8ff\U000f0000-\U000fffff\U00100000-\U0010ffff]")

ATOM_CODE = "code"
ATOM_URL = "url"
ATOM_LINK = "link"
ATOM_IMAGE = "image"
ATOM_HTML = "html"
ATOM_MATH = "math"

URL = re.compile(
    r"(?:https?|ftp|file)://[^\s<>()\[\]（）{}\"'，。；]+|www\.[\w-]+\.[^\s<>()\[\]]+|https?:/[^\s<>]+"
)


@dataclass(slots=True)
class Atom:
    """One non-prose piece of inline text."""

    kind: str
    markdown: str
    plain: str
    href: str = ""


@dataclass(slots=True)
class InlineText:
    """The mask of one block's inline content, one string per source line."""

    lines: list[str]
    atoms: list[Atom] = field(default_factory=list)

    def atom(self, char: str) -> Atom | None:
        """The atom a placeholder character stands for, if it is one."""
        code = ord(char)
        if _ATOM_BASE <= code < _ATOM_BASE + len(self.atoms):
            return self.atoms[code - _ATOM_BASE]
        return None

    def render(self, mask: str) -> str:
        """A piece of mask as markdown (the note's own words)."""
        if not _SPECIAL.search(mask):
            return mask.strip()
        return _SPECIAL.sub(self._render_char, mask).strip()

    def _render_char(self, match: re.Match[str]) -> str:
        char = match.group(0)
        atom = self.atom(char)
        if atom is not None:
            return atom.markdown
        if char in (STRONG_OPEN, STRONG_CLOSE):
            return "**"
        return "*" if char == EM else ""

    def plain(self, mask: str) -> str:
        """A piece of mask as plain text: code, link text and URLs spelled out, no markup."""
        if not _SPECIAL.search(mask):
            return mask.strip()
        return _SPECIAL.sub(self._plain_char, mask).strip()

    def _plain_char(self, match: re.Match[str]) -> str:
        atom = self.atom(match.group(0))
        return atom.plain if atom is not None else ""

    def kinds(self, mask: str) -> list[str]:
        """The kinds of the atoms in a piece of mask, in order."""
        return [a.kind for a in (self.atom(c) for c in mask) if a is not None]


def is_atom(char: str) -> bool:
    """Whether ``char`` is a placeholder for a non-prose atom."""
    return ord(char) >= _ATOM_BASE


def strip_special(mask: str) -> str:
    """A piece of mask without its atoms and emphasis markers (prose only)."""
    return _SPECIAL.sub("", mask)


def fold(text: str) -> str:
    """NFKC: Kangxi radicals and full-width forms become their ordinary characters."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text)


def cjk_count(text: str) -> int:
    """How many CJK ideographs ``text`` holds."""
    if text.isascii():
        return 0
    return len(_CJK.findall(text))


class _Builder:
    def __init__(self) -> None:
        self.atoms: list[Atom] = []
        self.parts: list[str] = []

    def add(self, atom: Atom, breaks: int = 0) -> None:
        if len(self.atoms) >= _ATOM_LIMIT - _ATOM_BASE:
            self.parts.append("\ufffd")
        else:
            self.parts.append(chr(_ATOM_BASE + len(self.atoms)))
            self.atoms.append(atom)
        self.parts.append("\n" * breaks)

    def text(self, content: str) -> None:
        if not content.isascii():  # (private-use characters are not ASCII)
            content = _PRIVATE.sub("\ufffd", content)
        if "/" not in content and "www." not in content:
            self.parts.append(content)
            return
        last = 0
        for match in URL.finditer(content):
            self.parts.append(content[last : match.start()])
            url = match.group(0)
            self.add(Atom(ATOM_URL, url, url, url))
            last = match.end()
        self.parts.append(content[last:])


def plain_inline_text(content: str) -> InlineText:
    """The mask of inline content that holds no markup (what markdown-it would give: text
    and line breaks, each line stripped of its spaces), with URLs folded."""
    builder = _Builder()
    for i, line in enumerate(content.split("\n")):
        if i:
            builder.parts.append("\n")
        builder.text(line.lstrip(" \t").rstrip(" ") if i else line.rstrip(" "))
    return InlineText("".join(builder.parts).split("\n"), builder.atoms)


def inline_text(children: list[Token] | None, fallback: str) -> InlineText:
    """Build the mask of an inline token's children (``fallback``: its raw content)."""
    if children is None:
        return InlineText(fallback.split("\n"))
    builder = _Builder()
    i, n = 0, len(children)
    while i < n:
        tok = children[i]
        kind = tok.type
        if kind == "text":
            builder.text(tok.content)
        elif kind in ("softbreak", "hardbreak"):
            builder.parts.append("\n")
        elif kind == "code_inline":
            code = tok.content
            builder.add(Atom(ATOM_CODE, f"{tok.markup}{code}{tok.markup}", code))
        elif kind == "strong_open" or kind == "strong_close":
            builder.parts.append(STRONG_OPEN if kind == "strong_open" else STRONG_CLOSE)
        elif kind == "em_open" or kind == "em_close":
            builder.parts.append(EM)
        elif kind == "link_open":
            href = str(tok.attrs.get("href", ""))
            depth, j = 1, i + 1
            label: list[str] = []
            breaks = 0
            while j < n and depth:
                inner = children[j]
                if inner.type == "link_open":
                    depth += 1
                elif inner.type == "link_close":
                    depth -= 1
                elif inner.type in ("softbreak", "hardbreak"):
                    breaks += 1
                    label.append(" ")
                else:
                    label.append(inner.content)
                j += 1
            text = "".join(label)
            if tok.markup == "autolink" or tok.info == "auto":
                builder.add(Atom(ATOM_URL, f"<{text}>", text, href), breaks)
            else:
                builder.add(Atom(ATOM_LINK, f"[{text}]({href})", text, href), breaks)
            i = j
            continue
        elif kind == "image":
            builder.add(Atom(ATOM_IMAGE, f"![{tok.content}]({tok.attrs.get('src', '')})", ""))
        elif kind == "html_inline":
            builder.add(Atom(ATOM_HTML, tok.content, ""), tok.content.count("\n"))
        elif kind in ("math_inline", "math_single", "math_inline_double"):
            builder.add(Atom(ATOM_MATH, f"${tok.content}$", tok.content))
        elif kind == "footnote_ref":
            builder.add(Atom(ATOM_HTML, f"[^{tok.meta.get('label', '')}]", ""))
        else:
            builder.parts.append(tok.content)
        i += 1
    return InlineText("".join(builder.parts).split("\n"), builder.atoms)
