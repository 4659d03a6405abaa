"""``wengu add``: cards by hand from the command line."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import make_engine
from app.models import Card, Deck
from tests.conftest import make_user


def cards_of(app_config: dict[str, Any]) -> list[tuple[str, str, str, int, str]]:
    from sqlalchemy.orm import Session

    engine = make_engine(app_config["DATABASE_URL"])
    with Session(engine) as session:
        rows = session.execute(
            select(Card.front, Card.back, Card.kind, Card.ord, Deck.name)
            .join(Deck, Deck.id == Card.deck_id).order_by(Card.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_add_basic_reversed_and_cloze(cli: Any, app: Any, app_config: dict[str, Any]) -> None:
    make_user(app, "ada")
    result = cli("add", "--user", "ada", "--deck", "Lang::中文", "--front", "你好",
                 "--back", "hello", "--tag", "greeting")
    assert result.exit_code == 0, result.output
    assert "added 1 card(s) to Lang::中文" in result.output
    assert cli("add", "--user", "ada", "--deck", "Lang::中文", "--front", "谢谢",
               "--back", "thanks", "--kind", "reversed").exit_code == 0
    assert cli("add", "--user", "ada", "--deck", "Lang", "--front", "{{c1::a}} ==b==",
               "--kind", "cloze").exit_code == 0
    assert cards_of(app_config) == [
        ("你好", "hello", "basic", 0, "Lang::中文"),
        ("谢谢", "thanks", "reversed", 0, "Lang::中文"),
        ("thanks", "谢谢", "reversed", 1, "Lang::中文"),
        ("{{c1::a}} {{c2::b}}", "", "cloze", 0, "Lang"),
        ("{{c1::a}} {{c2::b}}", "", "cloze", 1, "Lang"),
    ]


def test_add_refuses_bad_input(cli: Any, app: Any, app_config: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from app.cli import main

    make_user(app, "ada")
    runner = CliRunner()
    empty = runner.invoke(main, ["add", "--user", "ada", "--deck", "D", "--front", " "])
    assert empty.exit_code == 1 and "The front is empty." in empty.output
    nobody = runner.invoke(main, ["add", "--user", "zed", "--deck", "D", "--front", "q"])
    assert nobody.exit_code == 1 and "no user called 'zed'" in nobody.output
    assert cards_of(app_config) == []


def test_add_notes_a_duplicate_front(cli: Any, app: Any) -> None:
    make_user(app, "ada")
    cli("add", "--user", "ada", "--deck", "D", "--front", "Same?")
    second = cli("add", "--user", "ada", "--deck", "D", "--front", "same")
    assert second.exit_code == 0
    assert "already in D" in second.output
