"""Cloze deletions parsed with balanced braces and code spans, in wengu and in Anki."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Card
from cards.cloze import (
    anki_cloze_html,
    cloze_back,
    cloze_deletions,
    cloze_front,
    cloze_numbers,
    cloze_problem,
    mark_clozes,
)
from cards.render import render_markdown
from tests.conftest import make_user
from tests.factories import make_deck

MATH = r"{{c1::$\frac{1}{x^{2}}$}} is the derivative of {{c2::$-x^{-1}$::a power}}"


def test_math_with_closing_braces_is_one_deletion() -> None:
    first, second = cloze_deletions(MATH)
    assert (first.number, first.answer, first.hint) == (1, r"$\frac{1}{x^{2}}$", None)
    assert (second.number, second.answer, second.hint) == (2, "$-x^{-1}$", "a power")
    assert cloze_front(MATH, 1) == r"**[…]** is the derivative of $-x^{-1}$"
    assert cloze_back(MATH, 1) == r"**$\frac{1}{x^{2}}$** is the derivative of $-x^{-1}$"


@pytest.mark.parametrize(
    ("text", "answer", "hint"),
    [
        ("{{c1::`std::map<int, int>`}}", "`std::map<int, int>`", None),
        ("{{c1::`f() {{ return 1; }}`::C++}}", "`f() {{ return 1; }}`", "C++"),
        ("{{c1::``a `}}` b``}}", "``a `}}` b``", None),
        (r"{{c1::$\{x\}$}}", r"$\{x\}$", None),
        (r"{{c1::$\}$}}", r"$\}$", None),
        ("{{c1::{a}}}", "{a}", None),
        ("{{c1::plain::hint}}", "plain", "hint"),
    ],
)
def test_code_escapes_and_nested_braces(text: str, answer: str, hint: str | None) -> None:
    (deletion,) = cloze_deletions(text)
    assert (deletion.answer, deletion.hint) == (answer, hint)
    assert cloze_problem(text) is None


def test_an_unclosed_deletion_is_named() -> None:
    text = "first line\nthe {{c1::$\\frac{1}{2}$ never ends"
    assert cloze_deletions(text) == []
    assert cloze_problem(text) == (2, "{{c1::")


balanced = st.recursive(
    st.text(alphabet=st.characters(blacklist_characters="{}`\\:\ue000\ue001\ue002\ue003"),
             max_size=8),
    lambda inner: st.builds(lambda a, b: a + "{" + b + "}", inner, inner),
    max_leaves=6,
)


@given(st.lists(st.tuples(st.integers(1, 4), balanced.filter(bool)), min_size=1, max_size=4),
       st.text(alphabet="abc xyz", max_size=5))
def test_any_balanced_answer_round_trips(deletions: list[tuple[int, str]], gap: str) -> None:
    text = gap.join(f"{{{{c{n}::{answer}}}}}" for n, answer in deletions)
    found = cloze_deletions(text)
    assert [(d.number, d.answer) for d in found] == deletions
    assert cloze_numbers(text) == sorted({n for n, _ in deletions})


def _anki_deletions(field: str) -> list[str]:
    """The answers as Anki's own parser cuts them: up to the first ``}}``."""
    return [html.unescape(m) for m in re.findall(r"\{\{c\d+::(.*?)(?:::.*?)?\}\}", field)]


def test_anki_field_keeps_each_deletion_whole() -> None:
    field = anki_cloze_html(render_markdown(mark_clozes(MATH), math="anki"))
    answers = _anki_deletions(field)
    assert len(answers) == 2
    assert r"\(\frac{1}{x^{2}}\)" in answers[0]
    assert "::a power}}" in field
    code = anki_cloze_html(render_markdown(mark_clozes("{{c1::`std::map`::type}}"),
                                           math="anki"))
    assert _anki_deletions(code) == ["<code>std::map</code>"]


def test_add_page_refuses_an_unclosed_deletion(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id)
    db.commit()
    response: Any = client.post("/cards/add", data={
        "deck_id": str(deck.id), "kind": "cloze", "front": "x {{c1::$\\frac{1}{2}$ y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "never closed" in page and "line 1" in page
    assert db.scalar(select(func.count()).select_from(Card)) == 0


def test_add_page_stores_math_deletion_as_one_card(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    deck = make_deck(db, user_id)
    db.commit()
    client.post("/cards/add", data={"deck_id": str(deck.id), "kind": "cloze",
                                    "front": r"{{c1::$\frac{1}{x^{2}}$}}"})
    (card,) = db.scalars(select(Card)).all()
    page = client.get(f"/cards/{card.id}").get_data(as_text=True)
    assert "[…]" in page and "}}" not in page.split("<main", 1)[-1].split("</main>")[0]


def test_wengu_add_refuses_an_unclosed_deletion(cli: Any, app: Any) -> None:
    make_user(app, "ada")
    result = cli("add", "--user", "ada", "--deck", "D", "--kind", "cloze",
                 "--front", "{{c1::`}` never")
    assert result.exit_code != 0
    assert "never closed" in result.output
