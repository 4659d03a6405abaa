"""``wengu export``: write a user's decks as an Anki package (.apkg).

The package is written next to OUT under a temporary name and renamed into
place when complete, so OUT is never half-written and nothing is left behind
when the export fails.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click
from sqlalchemy import select

from app.cli.common import app_context, find_user, new_session
from app.export import ExportOptions, deck_tree_ids, load_export_notes, write_user_package
from app.models import Deck


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--user", "user_name", required=True, help="Whose cards to export.")
@click.option("--deck", "deck_names", multiple=True,
              help="Export this deck and its sub-decks (repeatable; default: every deck).")
@click.option("--scheduling/--no-scheduling", default=True, show_default=True,
              help="Carry intervals, ease, due dates and the review history into Anki.")
@click.option("--include-unanswered", is_flag=True,
              help="Also export the cards that still need an answer, suspended.")
def export(
    out: Path, user_name: str, deck_names: tuple[str, ...], scheduling: bool,
    include_unanswered: bool,
) -> None:
    """Write USER's cards to the Anki package OUT (e.g. notes.apkg)."""
    options = ExportOptions(scheduling=scheduling, include_unanswered=include_unanswered)
    with app_context():
        session = new_session()
        try:
            user = find_user(session, user_name)
            deck_ids = None
            if deck_names:
                decks = list(session.scalars(select(Deck).where(Deck.user_id == user.id)))
                by_name = {deck.name: deck for deck in decks}
                unknown = [name for name in deck_names if name not in by_name]
                if unknown:
                    raise click.ClickException(
                        f"{user.name} has no deck called {unknown[0]!r}"
                    )
                deck_ids = deck_tree_ids(decks, [by_name[name] for name in deck_names])
            notes = load_export_notes(session, user.id, deck_ids, options)
            if not notes:
                raise click.ClickException("nothing to export: no cards with an answer there")
            partial = out.with_name(f".{out.name}.part")
            try:
                with partial.open("wb") as stream:
                    summary = write_user_package(session, user, notes, stream, options)
                os.replace(partial, out)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    partial.unlink()
        finally:
            session.close()
    click.echo(
        f"wrote {out}: {summary.notes} notes, {summary.cards} cards, {summary.media} media files"
        + (f", {summary.revlog} reviews" if scheduling else "")
        + f" ({out.stat().st_size:,} bytes)"
    )
    for skipped in summary.skipped:
        click.echo(f"left out {skipped.key}: {skipped.reason}", err=True)
