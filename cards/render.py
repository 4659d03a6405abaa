"""Markdown to safe HTML: the one renderer behind review, previews and Anki export.

Card text comes from notes and users, so it is untrusted: raw HTML is
escaped (markdown-it's ``html`` option is off), links with ``javascript:``,
``vbscript:``, ``file:`` or non-image ``data:`` targets are dropped, code is
highlighted by Pygments on the server (CSS classes, no inline styles), and
math (``$…$``, ``$$…$$``, and LaTeX's ``\\(…\\)``, ``\\[…\\]``) becomes MathML
for the web, or ``\\(…\\)`` / ``\\[…\\]`` for Anki, which typesets it with
MathJax.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from cards.bracket_math import bracket_math_plugin

MathMode = Literal["mathml", "anki"]
ImageResolver = Callable[[str], str | None]

_BAD_PROTOCOL = re.compile(r"^(javascript|vbscript|file|data):", re.IGNORECASE)
_GOOD_DATA_IMAGE = re.compile(r"^data:image/(gif|png|jpeg|webp);", re.IGNORECASE)
_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")


def is_safe_url(url: str) -> bool:
    """Whether a link target may appear in rendered HTML."""
    candidate = re.sub(r"[\x00-\x20]+", "", html.unescape(url))
    if _BAD_PROTOCOL.match(candidate):
        return bool(_GOOD_DATA_IMAGE.match(candidate))
    return True


def highlight_code(code: str, lang: str) -> str:
    """Pygments HTML (class names only) for ``code`` in ``lang``; escaped text if unknown."""
    name = lang.strip().split(maxsplit=1)[0] if lang.strip() else ""
    if not name:
        return html.escape(code)
    try:
        lexer = get_lexer_by_name(name)
    except ClassNotFound:
        return html.escape(code)
    return str(highlight(code, lexer, _FORMATTER))


def _highlight(code: str, lang: str, _attrs: str) -> str:
    return highlight_code(code, lang)


def _math_inline_mathml(content: str, _env: dict[str, Any] | None = None) -> str:
    return _to_mathml(content, "inline")


def _math_block_mathml(content: str) -> str:
    return _to_mathml(content, "block")


def _to_mathml(content: str, display: Literal["inline", "block"]) -> str:
    from latex2mathml.converter import convert

    try:
        result: str = convert(content, display=display)
    except Exception:  # latex2mathml raises many types on malformed TeX; show the source
        return f'<code class="math-error">{html.escape(content)}</code>'
    if not is_plain_mathml(result):
        return f'<code class="math-error">{html.escape(content)}</code>'
    return result


# latex2mathml copies \text{...} verbatim and turns \href and \style into attributes, so
# its output is checked: MathML elements and presentation attributes only, else the TeX
# source is shown escaped.
_MATHML_ELEMENTS = frozenset(
    [
        "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup",
        "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced",
        "menclose", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mlabeledtr",
        "mmultiscripts", "mprescripts", "none", "semantics", "annotation",
    ]
)
_MATHML_ATTRIBUTES = frozenset(
    [
        "display", "mathvariant", "mathsize", "mathcolor", "mathbackground", "stretchy",
        "fence", "separator", "lspace", "rspace", "accent", "accentunder", "movablelimits",
        "largeop", "symmetric", "minsize", "maxsize", "form", "width", "height", "depth",
        "linethickness", "columnalign", "rowalign", "columnspacing", "rowspacing",
        "columnlines", "rowlines", "frame", "notation", "open", "close", "separators",
        "displaystyle", "scriptlevel", "numalign", "denomalign", "bevelled", "align", "rowspan",
        "columnspan", "encoding",
    ]
)


def is_plain_mathml(markup: str) -> bool:
    """Whether ``markup`` is well-formed MathML with no links, styles, scripts or HTML."""
    import xml.etree.ElementTree as ET

    if "<!" in markup or "<?" in markup:
        return False
    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return False
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] not in _MATHML_ELEMENTS:
            return False
        if any(name not in _MATHML_ATTRIBUTES for name in element.attrib):
            return False
    return True


def _math_inline_anki(content: str, _env: dict[str, Any] | None = None) -> str:
    return "\\(" + html.escape(content) + "\\)"


def _math_block_anki(content: str) -> str:
    return "\\[" + html.escape(content) + "\\]"


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    resolver: ImageResolver | None = env.get("image_src") if isinstance(env, Mapping) else None
    if resolver is not None:
        resolved = resolver(src)
        if resolved is None:
            alt = self.renderInlineAsText(token.children or [], options, env)
            return f'<span class="missing-image">[{html.escape(alt or src)}]</span>'
        token.attrSet("src", resolved)
    token.attrSet("loading", "lazy")
    return self.image(tokens, idx, options, env)


@lru_cache(maxsize=2)
def _markdown(math: MathMode) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                   "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    md.validateLink = is_safe_url  # type: ignore[method-assign]
    footnote_plugin(md)
    tasklists_plugin(md)
    if math == "mathml":
        dollarmath_plugin(md, allow_space=True, double_inline=True,
                          renderer=_math_inline_mathml, label_renderer=None)
        md.add_render_rule("math_block", _block_rule(_math_block_mathml))
        md.add_render_rule("math_block_label", _block_rule(_math_block_mathml))
    else:
        dollarmath_plugin(md, allow_space=True, double_inline=True, renderer=_math_inline_anki)
        md.add_render_rule("math_block", _block_rule(_math_block_anki))
        md.add_render_rule("math_block_label", _block_rule(_math_block_anki))
    bracket_math_plugin(md)  # the same tokens as dollarmath's, so the same rendering
    md.add_render_rule("math_inline_double", _inline_rule(
        _math_block_mathml if math == "mathml" else _math_block_anki))
    md.add_render_rule("image", _render_image)
    return md


def _block_rule(convert: Callable[[str], str]) -> Callable[..., str]:
    def rule(self: RendererHTML, tokens: Sequence[Token], idx: int, *_: Any) -> str:
        return f'<div class="math math-block">{convert(tokens[idx].content)}</div>\n'

    return rule


def _inline_rule(convert: Callable[[str], str]) -> Callable[..., str]:
    def rule(self: RendererHTML, tokens: Sequence[Token], idx: int, *_: Any) -> str:
        return convert(tokens[idx].content)

    return rule


def render_markdown(
    text: str, *, math: MathMode = "mathml", image_src: ImageResolver | None = None
) -> str:
    """Render card markdown to safe HTML.

    ``image_src`` maps an image reference from the note (``img/x.png``) to the
    URL to show, or None when the image is not available.
    """
    env: dict[str, Any] = {}
    if image_src is not None:
        env["image_src"] = image_src
    return str(_markdown(math).render(text, env))


def pygments_css(style: str = "default", *, selector: str = ".hl") -> str:
    """The CSS for highlighted code, for pages and for Anki's card template."""
    formatter = HtmlFormatter(style=style, classprefix="hl-")
    return str(formatter.get_style_defs(selector))  # type: ignore[no-untyped-call]
