"""Files every page links to that are made here rather than kept in ``static/``.

The code colours come from Pygments, the same styles the Anki export puts into
its card template (``default`` in light mode, ``monokai`` in dark), so code in
wengu's pages looks as it does in Anki; writing them out at run time keeps the
two from drifting apart when Pygments changes a style.
"""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Response

from cards.render import pygments_css

bp = Blueprint("assets", __name__)

LIGHT_STYLE = "default"
DARK_STYLE = "monokai"


def _scoped(style: str, selector: str) -> str:
    # Only the token rules: the block's own background and spacing stay wengu's.
    lines = pygments_css(style, selector=selector).splitlines()
    return "\n".join(line for line in lines if line.startswith(selector + " ."))


@cache
def code_css() -> str:
    """Pygments' rules for code blocks, light by default and dark under
    ``prefers-color-scheme: dark``."""
    dark = "\n".join("  " + line for line in _scoped(DARK_STYLE, "pre").splitlines())
    return (
        "/* Code colours: Pygments' default style, and monokai in dark mode. */\n"
        + _scoped(LIGHT_STYLE, "pre")
        + "\n@media (prefers-color-scheme: dark) {\n"
        + dark
        + "\n}\n"
    )


@bp.route("/code.css")
def code_stylesheet() -> Response:
    """The code colours as a stylesheet (cached by the browser for a day)."""
    response = Response(code_css(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
