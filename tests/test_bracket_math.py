"""LaTeX's ``\\(…\\)`` and ``\\[…\\]`` math renders exactly like ``$…$`` and ``$$…$$``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.render import render_markdown


@pytest.mark.parametrize(
    ("brackets", "dollars"),
    [
        (r"a \(x^2\) b", "a $x^2$ b"),
        (r"a \(\frac{1}{2}\) and \(y\)", r"a $\frac{1}{2}$ and $y$"),
        (r"inline \[\sum_i i\] display", r"inline $$\sum_i i$$ display"),
        ("\\[\n\\int_0^1 x\\,dx\n\\]", "$$\n\\int_0^1 x\\,dx\n$$"),
        (r"\[E = mc^2\]", "$$E = mc^2$$"),
        ("- item \\(z\\)", "- item $z$"),
    ],
)
@pytest.mark.parametrize("math", ["mathml", "anki"])
def test_brackets_render_as_dollars(brackets: str, dollars: str, math: str) -> None:
    assert render_markdown(brackets, math=math) == render_markdown(dollars, math=math)  # type: ignore[arg-type]


def test_pages_get_mathml_and_anki_gets_mathjax_delimiters() -> None:
    assert "<math" in render_markdown(r"\(x\)")
    assert r"\(x\)" in render_markdown(r"\(x\)", math="anki")
    assert "\\[\nx\n\\]" in render_markdown("\\[\nx\n\\]", math="anki")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (r"a \( b", "a ( b"),  # no closing partner: an escaped parenthesis as before
        (r"`\(code\)`", r"<code>\(code\)</code>"),
        (r"a \\(x\\) b", r"a \(x\) b"),  # an escaped backslash is no delimiter
    ],
)
def test_what_is_not_math_stays_text(text: str, shown: str) -> None:
    rendered = render_markdown(text)
    assert "<math" not in rendered
    assert shown in rendered


PIECES = ["\\(", "\\)", "\\[", "\\]", "x", " ", "\n", "<", "$", "`", "- "]


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_any_mix_of_delimiters_renders_safely(text: str) -> None:
    for math in ("mathml", "anki"):
        rendered = render_markdown(text, math=math)  # type: ignore[arg-type]
        assert "<script" not in rendered and "<x" not in rendered
