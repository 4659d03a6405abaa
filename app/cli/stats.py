"""``wengu stats rebuild``: count the statistics rollup again from the review history.

Needed only where reviews were stored without the rollup (a database from
before it, a bulk load); ``wengu db upgrade`` runs it for every user whose
rollup is not current. One transaction per user.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from app.cli.common import app_context, find_user, new_session
from app.db import utcnow
from app.models import User
from app.stats import rollup


@click.group()
def stats() -> None:
    """Statistics upkeep."""


@stats.command("rebuild")
@click.option("--user", "name", default=None, help="Only this user (default: every user "
              "whose rollup is not current).")
@click.option("--all", "everyone", is_flag=True, help="Every user, current or not.")
def rebuild(name: str | None, everyone: bool) -> None:
    """Count each user's answers per day again from the review history."""
    with app_context():
        rebuild_rollups(name, everyone=everyone, echo=True)


def rebuild_rollups(name: str | None = None, *, everyone: bool = False,
                    echo: bool = False) -> int:
    """Rebuild the rollups asked for (see :func:`rebuild`); returns how many users."""
    session = new_session()
    try:
        if name is not None:
            users = [find_user(session, name)]
        elif everyone:
            users = list(session.scalars(select(User).order_by(User.id)))
        else:
            users = rollup.stale_users(session)
        ids = [user.id for user in users]
        for user_id in ids:
            user = session.get_one(User, user_id)
            counted = rollup.rebuild(session, user, utcnow())
            session.commit()
            if echo:
                click.echo(f"{user.name}: {counted} answers counted")
        return len(ids)
    finally:
        session.close()
