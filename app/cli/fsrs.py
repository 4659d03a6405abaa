"""``wengu fsrs optimize``: fit a user's FSRS parameters to their own answers.

Reads every answer the user gave (undone ones left out), fits FSRS's
parameters with :mod:`cards.fsrs_fit` (the defaults are kept below
:data:`cards.fsrs_fit.MIN_REVIEWS` answers), stores them, and reschedules the
cards on the user's FSRS decks with them, showing progress as it goes.
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from app.cards.rescheduling import fit_user
from app.cli.common import app_context, find_user, new_session
from cards.fsrs_fit import MIN_REVIEWS


@click.group("fsrs")
def fsrs() -> None:
    """FSRS scheduling: fit parameters to a user's answers."""


@fsrs.command("optimize")
@click.option("--user", "user_name", required=True, help="Whose answers to fit.")
def optimize(user_name: str) -> None:
    """Fit USER's FSRS parameters to their answers and store them."""
    console = Console(stderr=True)
    with app_context():
        session = new_session()
        try:
            user = find_user(session, user_name)
            with Progress(
                TextColumn("[progress.description]{task.description}"), BarColumn(),
                MofNCompleteColumn(), console=console, transient=True,
            ) as bar:
                task = bar.add_task("reading answers", total=None)

                def advance(stage: str, done: int, total: int) -> None:
                    bar.update(task, description=stage, completed=done, total=total)

                fit = fit_user(session, user, progress=advance)
            session.commit()
        finally:
            session.close()
    if fit.fitted:
        click.echo(f"fitted FSRS parameters to {fit.reviews} answers "
                   f"({fit.items} training items) for {user_name}")
        click.echo("parameters: " + " ".join(f"{p:.4f}" for p in fit.parameters))
    else:
        click.echo(f"{fit.reviews} answers, fewer than {MIN_REVIEWS}: "
                   f"{user_name} keeps FSRS's default parameters")
