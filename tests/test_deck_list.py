"""The deck list's tree: folding remembered per user, numeric folder names with their parent."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.cards.deck_list import deck_label, deck_lines
from app.models import Deck
from tests.conftest import AuthActions
from tests.factories import make_card, make_deck


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("notes", "notes"),
        ("notes::kernel", "kernel"),
        ("notes::kernel::0", "kernel › 0"),
        ("notes::kernel::12", "kernel › 12"),
        ("0", "0"),
        ("notes::v2", "v2"),
    ],
)
def test_numeric_folder_names_are_shown_with_their_parent(name: str, label: str) -> None:
    assert deck_label(name) == label


@dataclass
class Row:
    id: int
    name: str
    depth: int


def test_a_folded_deck_hides_everything_below_it() -> None:
    rows = [Row(1, "a", 0), Row(2, "a::b", 1), Row(3, "a::b::c", 2), Row(4, "a::d", 1),
            Row(5, "e", 0)]
    lines = deck_lines(rows, collapsed={2, 5})
    assert [line.hidden for line in lines] == [False, False, True, False, False]
    assert [line.collapsed for line in lines] == [False, True, False, False, False]
    assert [line.has_children for line in lines] == [True, True, False, False, False]
    assert [line.hidden for line in deck_lines(rows, collapsed={1})] == [
        False, True, True, True, False]


@st.composite
def trees(draw: st.DrawFn) -> list[Row]:
    depths = [0]
    for _ in range(draw(st.integers(0, 12))):
        depths.append(draw(st.integers(0, depths[-1] + 1)))
    return [Row(i, f"d{i}", depth) for i, depth in enumerate(depths)]


@given(trees(), st.sets(st.integers(0, 12)))
def test_a_line_is_hidden_exactly_when_an_ancestor_is_folded(
    rows: list[Row], folded: set[int]
) -> None:
    lines = deck_lines(rows, folded)
    for index, row in enumerate(rows):
        ancestors, depth = [], row.depth
        for earlier in reversed(rows[:index]):
            if earlier.depth < depth:
                ancestors.append(earlier.id)
                depth = earlier.depth
        assert lines[index].hidden == any(a in folded for a in ancestors)


def _visible_decks(page: str) -> list[str]:
    rows = re.findall(r"<tr class=\"deck-depth[^>]*?(hidden)?>.*?title=\"([^\"]+)\"", page,
                      re.DOTALL)
    return [name for hidden, name in rows if not hidden]


def test_folding_is_remembered_for_the_user_only(
    client: FlaskClient, auth: AuthActions, db: Session, user_id: int
) -> None:
    parent = make_deck(db, user_id, "notes")
    child = make_deck(db, user_id, "notes::kernel")
    make_deck(db, user_id, "notes::kernel::0")
    make_card(db, user_id, "Q", deck=child)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert _visible_decks(page) == ["notes", "notes::kernel", "notes::kernel::0"]
    assert ">kernel › 0</a>" in page
    response = client.post(f"/decks/{parent.id}/fold", data={"folded": "1"})
    assert response.status_code == 302
    assert _visible_decks(client.get("/").get_data(as_text=True)) == ["notes"]
    db.expire_all()
    assert db.get(Deck, parent.id).collapsed  # type: ignore[union-attr]
    assert client.post(f"/decks/{parent.id}/fold",
                       data={"folded": "0", "format": "json"}).get_json() == {"folded": False}
    assert len(_visible_decks(client.get("/").get_data(as_text=True))) == 3


def test_empty_deck_list_links_to_import_and_add(client: FlaskClient, user_id: int) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/import/"' in page
    assert 'href="/cards/add"' in page


def test_import_keeps_numeric_folder_names_as_decks() -> None:
    from app.notes.importer import deck_for_path

    assert deck_for_path("notes/kernel/0/fork.md") == "notes::kernel::0"
    assert deck_label(deck_for_path("notes/kernel/0/fork.md")) == "kernel › 0"
