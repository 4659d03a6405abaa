"""wengu's three Anki note types: fixed ids, fixed fields, templates and CSS.

Anki matches note types by id, and treats a changed field or template name
as a different schema (it then adds a second note type and refuses to update
the notes: "conflicting"). So the ids, field names and template names below
are fixed for good:

=================================  ==========  ======================================
note type                          model id    fields
=================================  ==========  ======================================
``wengu Basic``                    1738420501  Front, Back, Source, Context
``wengu Basic (and reversed)``     1738420502  Front, Back, Source, Context
``wengu Cloze``                    1738420503  Text, Back Extra, Source, Context
=================================  ==========  ======================================

The templates and CSS may change; when they do, bump :data:`MODELS_MODIFIED`
(Anki replaces a note type's templates on import only when the package's copy
is newer). The look follows wengu's review page: its CJK-capable font stack,
its colours, Pygments classes for code (the same ``hl-`` classes the renderer
emits) and a dark variant under Anki's ``.nightMode`` class.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import genanki

from cards.render import pygments_css

__all__ = [
    "BASIC_MODEL_ID",
    "CLOZE_MODEL_ID",
    "MODELS_MODIFIED",
    "REVERSED_MODEL_ID",
    "basic_model",
    "card_css",
    "cloze_model",
    "reversed_model",
]

BASIC_MODEL_ID: Final = 1738420501
REVERSED_MODEL_ID: Final = 1738420502
CLOZE_MODEL_ID: Final = 1738420503

MODELS_MODIFIED: Final = 1795622400
"""When the templates or CSS last changed (2026-11-25 16:00 UTC); bump on any change."""

_FONT = (
    'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", '
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "WenQuanYi Micro Hei", '
    'Roboto, "Helvetica Neue", Arial, sans-serif'
)
_MONO = (
    'ui-monospace, "SFMono-Regular", "Cascadia Code", "Noto Sans Mono CJK SC", Menlo, '
    "Consolas, monospace"
)

_BASE_CSS = f"""\
.card {{
  font-family: {_FONT};
  font-size: 20px; line-height: 1.6; text-align: left;
  color: #1f2328; background: #faf8f4;
}}
.card.nightMode, .nightMode .card {{ color: #e6e6e6; background: #16181c; }}
.wengu {{ max-width: 40rem; margin: 0 auto; padding: 0 .5rem; }}
.wengu .context {{ color: #656d76; font-size: .8em; margin-bottom: .6rem; }}
.wengu .source {{ color: #656d76; font-size: .75em; margin-top: 1.2rem; }}
.nightMode .wengu .context, .nightMode .wengu .source {{ color: #9aa3ad; }}
.wengu a {{ color: #b5452b; }}
.nightMode .wengu a {{ color: #e07a5f; }}
.wengu code, .wengu pre, .wengu kbd {{ font-family: {_MONO}; }}
.wengu pre {{ padding: .75rem 1rem; border-radius: 6px; overflow-x: auto; font-size: .85em; }}
.wengu code {{ background: #f3f1ec; padding: .1em .3em; border-radius: 4px; font-size: .92em; }}
.nightMode .wengu code {{ background: #262a31; }}
.wengu pre code, .nightMode .wengu pre code {{ background: none; padding: 0; }}
.wengu img {{ max-width: 100%; height: auto; }}
.wengu table {{ border-collapse: collapse; }}
.wengu th, .wengu td {{ border-bottom: 1px solid #e4e0d8; padding: .3rem .5rem; text-align: left; }}
.nightMode .wengu th, .nightMode .wengu td {{ border-color: #343842; }}
.wengu .math-block {{ overflow-x: auto; }}
.wengu .missing-image {{ color: #c0392b; }}
.cloze {{ font-weight: bold; color: #b5452b; }}
.nightMode .cloze {{ color: #e07a5f; }}
hr#answer {{ border: none; border-top: 1px solid #e4e0d8; margin: 1rem 0; }}
.nightMode hr#answer {{ border-top-color: #343842; }}
"""


def _code_css(style: str, selector: str) -> str:
    """Pygments rules for ``style``, kept to those scoped under ``selector``."""
    lines = pygments_css(style, selector=selector).splitlines()
    return "\n".join(line for line in lines if line.startswith(selector)) + "\n"


@cache
def card_css() -> str:
    """The CSS shared by the three note types (light, then ``.nightMode``)."""
    return (
        _BASE_CSS
        + _code_css("default", ".wengu pre")
        + _code_css("monokai", ".nightMode .wengu pre")
    )


def _front(field: str) -> str:
    return (
        '<div class="wengu">\n'
        '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}\n'
        f'<div class="prompt">{field}</div>\n'
        "</div>"
    )


def _back(field: str) -> str:
    return (
        "{{FrontSide}}\n"
        '<hr id="answer">\n'
        '<div class="wengu">\n'
        f'<div class="answer">{field}</div>\n'
        '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}\n'
        "</div>"
    )


_FIELDS = [{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "Context"}]


@cache
def basic_model() -> genanki.Model:
    """``wengu Basic``: one card, Front → Back."""
    return genanki.Model(
        BASIC_MODEL_ID,
        "wengu Basic",
        fields=[dict(f) for f in _FIELDS],
        templates=[{"name": "Card 1", "qfmt": _front("{{Front}}"), "afmt": _back("{{Back}}")}],
        css=card_css(),
    )


@cache
def reversed_model() -> genanki.Model:
    """``wengu Basic (and reversed)``: Front → Back and Back → Front."""
    return genanki.Model(
        REVERSED_MODEL_ID,
        "wengu Basic (and reversed)",
        fields=[dict(f) for f in _FIELDS],
        templates=[
            {"name": "Card 1", "qfmt": _front("{{Front}}"), "afmt": _back("{{Back}}")},
            {"name": "Card 2", "qfmt": _front("{{Back}}"), "afmt": _back("{{Front}}")},
        ],
        css=card_css(),
    )


@cache
def cloze_model() -> genanki.Model:
    """``wengu Cloze``: one card per cloze number in Text."""
    return genanki.Model(
        CLOZE_MODEL_ID,
        "wengu Cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"}, {"name": "Context"}],
        templates=[
            {
                "name": "Cloze",
                "qfmt": _front("{{cloze:Text}}"),
                "afmt": (
                    '<div class="wengu">\n'
                    '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}\n'
                    '<div class="prompt">{{cloze:Text}}</div>\n'
                    '{{#Back Extra}}<div class="answer">{{Back Extra}}</div>{{/Back Extra}}\n'
                    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}\n'
                    "</div>"
                ),
            }
        ],
        css=card_css(),
        model_type=genanki.Model.CLOZE,
    )
