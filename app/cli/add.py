"""``wengu add``: add a card by hand from the command line."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.cards import store as card_store
from app.cards.store import CardInput, CardInputError
from app.cli.common import app_context, find_user, new_session
from app.db import utcnow
from app.models import Deck


@click.command()
@click.option("--user", "user_name", required=True, help="Whose collection.")
@click.option("--deck", required=True, help="Deck path (Parent::Child); created if missing.")
@click.option("--front", required=True, help="The question (markdown; for cloze, the text).")
@click.option("--back", default="", help="The answer (markdown; for cloze, extra text).")
@click.option("--kind", type=click.Choice(card_store.MANUAL_KINDS), default="basic",
              show_default=True, help="basic, reversed (two cards) or cloze (one per number).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
def add(user_name: str, deck: str, front: str, back: str, kind: str,
        tags: tuple[str, ...]) -> None:
    """Add a card (or a reversed pair, or one card per cloze number)."""
    with app_context() as app, app.test_request_context():
        session = new_session()
        try:
            user = find_user(session, user_name)
            existing = session.scalar(select(Deck).where(
                Deck.user_id == user.id, Deck.name == card_store.clean_deck_name(deck)))
            form = CardInput(front=front, back=back, kind=kind, tags=" ".join(tags),
                             new_deck="" if existing else deck,
                             deck_id=str(existing.id) if existing else "")
            if existing is not None and card_store.duplicates(session, user.id, existing.id,
                                                             front):
                click.echo(f"note: a card with this front is already in {existing.name}",
                           err=True)
            cards = card_store.create_cards(session, user.id, form, utcnow())
            session.commit()
        except CardInputError as error:
            session.rollback()
            raise click.ClickException(str(error)) from None
        finally:
            session.close()
        ids = ", ".join(str(card.id) for card in cards)
        click.echo(f"added {len(cards)} card(s) to {cards[0].deck.name}: {ids}")
