"""Shared fixtures: an app on a fresh database, a client, a CLI runner, accounts.

The database is a SQLite file in the test's temporary folder, or the
PostgreSQL database named by ``WENGU_TEST_DATABASE_URL`` (emptied and
recreated for every test).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import create_app
from app.db import make_engine
from app.models import Base, User

PASSWORD = "correct horse battery"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def database_url(tmp_path: Path) -> str:
    """The test database: PostgreSQL when configured, else a SQLite file."""
    return os.environ.get("WENGU_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def reset_database(url: str) -> None:
    """Drop and recreate every table."""
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """Configuration for the test app; tests may change it before using ``app``."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url(tmp_path),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "QUEUE_CHECK": True,  # every queue snapshot answer is checked against the queries
    }


@pytest.fixture
def app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    reset_database(app_config["DATABASE_URL"])
    app = create_app(app_config)
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["wengu.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the test database, inside an app context."""
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        yield session
        session.close()


def make_user(app: Flask, name: str, password: str = PASSWORD, **fields: Any) -> int:
    """Create a user directly in the database; returns its id."""
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        user = User(name=name, password_hash=generate_password_hash(password), **fields)
        session.add(user)
        session.commit()
        user_id = user.id
        session.close()
        return user_id


class AuthActions:
    """Log in and out through the real pages."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self._client = client
        self._app = app

    def create(self, name: str = "ada", password: str = PASSWORD, **fields: Any) -> int:
        return make_user(self._app, name, password, **fields)

    def login(self, name: str = "ada", password: str = PASSWORD) -> Any:
        return self._client.post("/auth/login", data={"name": name, "password": password})

    def logout(self) -> Any:
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient, app: Flask) -> AuthActions:
    return AuthActions(client, app)


@pytest.fixture
def user_id(auth: AuthActions) -> int:
    """A user "ada" (the owner), logged in on ``client``."""
    uid = auth.create("ada", is_owner=True)
    auth.login("ada")
    return uid


def get_user(db: Session, name: str) -> User:
    user = db.scalar(select(User).where(User.name == name))
    assert user is not None
    return user


@pytest.fixture
def cli(app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Run ``wengu`` commands against the test database."""
    from app.cli import main

    reset_database(app_config["DATABASE_URL"])
    monkeypatch.setenv("WENGU_DATABASE_URL", app_config["DATABASE_URL"])
    monkeypatch.setenv("WENGU_SECRET_KEY", "test-secret")
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


DATABASE_FIXTURES = {"app", "db", "cli", "client", "auth", "user_id"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a PostgreSQL run, keep only the tests that touch the database."""
    if not os.environ.get("WENGU_TEST_DATABASE_URL"):
        return
    keep, drop = [], []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        uses_database = bool(names & DATABASE_FIXTURES) or item.get_closest_marker("database")
        (keep if uses_database else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
