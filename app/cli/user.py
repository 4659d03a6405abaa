"""``wengu user``: create accounts and set passwords from the command line.

Passwords are prompted for (twice, hidden) or read from standard input with
``--password-stdin`` (one line), never taken as an argument, where they would
land in the shell history and the process list.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.accounts.auth import MIN_PASSWORD_LENGTH, set_password
from app.cli.common import app_context, find_user, new_session
from app.models import User

NAME_MAX = 80


def _read_password(from_stdin: bool) -> str:
    """The new password, from a hidden prompt (asked twice) or one line of stdin."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


@click.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.argument("name")
@click.option("--owner", is_flag=True, help="Make the account the owner (can add others).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(name: str, owner: bool, password_stdin: bool) -> None:
    """Create the account NAME (the first account is always the owner)."""
    name = name.strip()
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise click.ClickException(f"a user name of 1 to {NAME_MAX} characters is needed")
    with app_context():
        session = new_session()
        try:
            taken = session.scalar(
                select(func.count()).select_from(User).where(func.lower(User.name) == name.lower())
            )
            if taken:
                raise click.ClickException(f"a user called {name!r} already exists")
            password = _read_password(password_stdin)
            first = not session.scalar(select(func.count()).select_from(User))
            account = User(
                name=name, password_hash=generate_password_hash(password), is_owner=owner or first
            )
            session.add(account)
            session.commit()
        finally:
            session.close()
    role = "owner" if owner or first else "user"
    click.echo(f"created {role} {name!r}")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def passwd(name: str, password_stdin: bool) -> None:
    """Set NAME's password; every session of NAME is logged out."""
    with app_context():
        session = new_session()
        try:
            account = find_user(session, name)
            set_password(account, _read_password(password_stdin))
            session.commit()
        finally:
            session.close()
    click.echo(f"password changed for {name!r}; their sessions are logged out")


@user.command("list")
def list_users() -> None:
    """List the accounts."""
    with app_context():
        session = new_session()
        try:
            for account in session.scalars(select(User).order_by(User.id)):
                role = "owner" if account.is_owner else "user"
                click.echo(f"{account.name}\t{role}")
        finally:
            session.close()
