"""Helpers shared by the CLI commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import create_app
from app.db import new_session
from app.models import User


@contextmanager
def app_context() -> Iterator[Flask]:
    """The configured app, with an application context pushed."""
    app = create_app()
    with app.app_context():
        yield app


def find_user(session: Session, name: str) -> User:
    """The user called ``name``, or a clear CLI error."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise click.ClickException(f"no user called {name!r} (create one: wengu user create NAME)")
    return user


__all__ = ["app_context", "find_user", "new_session"]
