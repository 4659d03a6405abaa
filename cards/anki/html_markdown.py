"""Anki's HTML fields as wengu markdown, so they show through the one safe renderer.

Anki fields are HTML, written by its editor or by whoever made a shared deck;
wengu cards are markdown rendered by :func:`cards.render.render_markdown`,
which escapes raw HTML. So fields are converted, not passed through: the
formatting that markdown has (bold, italics, code, line breaks, paragraphs,
lists, links, images) is kept; every other tag is dropped with its text kept;
``script``, ``style`` and the like are dropped with their content; attributes
never survive (no event handlers, no styles). Text that markdown would read
as syntax is backslash-escaped, except Anki's cloze markers (``{{c1::…}}``),
which wengu reads the same way Anki does. MathJax (``\\(…\\)``, ``\\[…\\]``)
becomes wengu's ``$…$`` and ``$$…$$``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["FieldMarkdown", "html_to_markdown"]

_DROPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe",
                      "object", "embed", "svg", "math", "textarea", "select", "button"})
_BLOCKS = frozenset({"p", "div", "section", "article", "blockquote", "table", "tr", "h1", "h2",
                     "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dd", "dt", "center", "hr",
                     "figure", "figcaption", "header", "footer"})
_BOLD = frozenset({"b", "strong"})
_ITALIC = frozenset({"i", "em"})
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "area", "base", "col", "wbr",
                   "source", "track", "param"})
# Markdown punctuation that could start syntax in running text, each backslash-escaped
# (str.translate: a character at a time, no regular expression).
_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|~$!"})
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+)([.)]?)(?=\s|$)", re.MULTILINE)
_CLOZE_PART = re.compile(r"(\{\{c\d+::|::|\}\})")
_MATHJAX = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_BLANK_LINES = re.compile(r"\n{3,}")
_SOUND = re.compile(r"\[sound:([^\]]+)\]")


@dataclass(frozen=True, slots=True)
class FieldMarkdown:
    """A field converted: its markdown and the media files it refers to (in order).

    Frozen: one conversion serves every note with the same field text.
    """

    markdown: str
    images: tuple[str, ...] = ()
    sounds: tuple[str, ...] = ()


def _escape(text: str) -> str:
    """Running text made literal for markdown, cloze markers and MathJax kept."""
    if "\\" not in text:  # no MathJax
        return _escape_plain(text)
    out: list[str] = []
    last = 0
    for match in _MATHJAX.finditer(text):
        out.append(_escape_plain(text[last : match.start()]))
        inline, block = match.group(1), match.group(2)
        out.append(f"${inline}$" if inline is not None else f"$${block}$$")
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    if "::" not in text and "}}" not in text:  # no cloze marker
        return text.translate(_SPECIAL)
    parts = _CLOZE_PART.split(text)
    return "".join(
        part if i % 2 else part.translate(_SPECIAL) for i, part in enumerate(parts)
    )


def _literal_line_start(match: re.Match[str]) -> str:
    """``- x`` / ``1. x`` at a line's start kept as text, not a list."""
    space, mark, dot = match.groups()
    if mark.isdigit():
        return f"{space}{mark}\\{dot}" if dot else match.group(0)
    return f"{space}\\{mark}{dot}"


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.images: list[str] = []
        self.dropped = 0  # depth inside script/style/...
        self.pre = 0
        self.lists: list[str] = []
        self.links: list[str | None] = []

    def text(self, value: str) -> None:
        if not self.dropped:
            self.out.append(value)

    def block_break(self) -> None:
        if self.out and not "".join(self.out[-2:]).endswith("\n\n"):
            self.out.append("\n\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            if tag not in _VOID:
                self.dropped += 1
            return
        if self.dropped:
            return
        values = {name: value or "" for name, value in attrs}
        if tag == "br":
            self.out.append("\\\n" if not self.pre else "\n")
        elif tag == "img":
            src = values.get("src", "").strip()
            if src:
                self.images.append(src)
                alt = values.get("alt", "").translate(_SPECIAL)
                self.out.append(f"![{alt}](<{src.replace('>', '%3E')}>)")
        elif tag in _BOLD:
            self.out.append("**")
        elif tag in _ITALIC:
            self.out.append("*")
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag == "pre":
            self.block_break()
            self.out.append("```\n")
            self.pre += 1
        elif tag in ("ul", "ol"):
            self.block_break()
            self.lists.append(tag)
        elif tag == "li":
            if self.out and not self.out[-1].endswith("\n"):
                self.out.append("\n")
            self.out.append("1. " if self.lists and self.lists[-1] == "ol" else "- ")
        elif tag == "a":
            self.links.append(values.get("href"))
            self.out.append("[")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in _BLOCKS:
            self.block_break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
            return
        if self.dropped:
            return
        if tag in _BOLD:
            self.out.append("**")
        elif tag in _ITALIC:
            self.out.append("*")
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.out.append("\n```")
            self.block_break()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.block_break()
        elif tag == "li":
            self.out.append("\n")
        elif tag == "a":
            href = self.links.pop() if self.links else None
            self.out.append(f"](<{href.replace('>', '%3E')}>)" if href else "]")
        elif tag in _BLOCKS:
            self.block_break()

    def handle_data(self, data: str) -> None:
        if self.dropped:
            return
        if self.pre:
            self.out.append(data.replace("```", "`\u200b``"))
        else:
            self.out.append(_LINE_START.sub(_literal_line_start, _escape(data)))


def html_to_markdown(field_html: str) -> FieldMarkdown:
    """The markdown for one Anki field, and the media names it refers to."""
    if "<" not in field_html and "&" not in field_html and "[sound:" not in field_html:
        text = _LINE_START.sub(_literal_line_start, _escape(field_html.replace("\xa0", " ")))
        return FieldMarkdown(_BLANK_LINES.sub("\n\n", text).strip())
    sounds = _SOUND.findall(field_html)
    converter = _Converter()
    converter.feed(_SOUND.sub("", field_html))
    converter.close()
    text = "".join(converter.out).replace("\xa0", " ")
    text = _BLANK_LINES.sub("\n\n", text).strip()
    while text.endswith("\\"):
        text = text[:-1].rstrip()
    return FieldMarkdown(text, tuple(converter.images), tuple(sounds))
