"""The database unreachable: 503 with Retry-After from a page that needs no database,
one log line per failure; and the health checks a load balancer asks."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import PASSWORD, make_user, reset_database
from tests.factories import make_card

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-wengu-dir/wengu.sqlite3",
    "postgresql": "postgresql+psycopg://wengu@127.0.0.1:1/wengu?connect_timeout=2",
}


def make_app(url: str, **config: Any) -> Flask:
    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "outage",
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, **config})


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Temporarily unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.mark.parametrize("backend", sorted(UNREACHABLE))
def test_unreachable_database_is_a_503_with_one_log_line(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    if backend == "postgresql":
        pytest.importorskip("psycopg")
    app = make_app(UNREACHABLE[backend])
    client = app.test_client()
    requests = [("get", "/"), ("get", "/auth/login"), ("get", "/review"),
                ("post", "/auth/login"), ("get", "/browse/")]
    for method, path in requests:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = getattr(client, method)(path, data={"name": "ada", "password": "x"}
                                               if method == "post" else None)
        assert_unavailable(response)
        (failure,) = failures(caplog)
        assert failure.exc_info is None
        assert "database unavailable" in failure.getMessage()
    app.extensions["wengu.engine"].dispose()


def test_health_checks(app: Flask, client: FlaskClient) -> None:
    """Both answer without a login; readiness asks the database."""
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "ok\n"
        assert response.headers["Cache-Control"] == "no-store"


def test_readiness_fails_and_liveness_holds_without_the_database(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(UNREACHABLE["sqlite"])
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    with caplog.at_level(logging.INFO):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert len(failures(caplog)) == 1


@pytest.fixture
def moving_database(tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """An app on a SQLite file in a folder of its own (renaming the folder takes it away)."""
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite:///{folder / 'wengu.sqlite3'}"
    reset_database(url)
    app = make_app(url, QUEUE_CHECK=False)
    yield app, folder
    app.extensions["wengu.engine"].dispose()


def test_database_lost_while_users_are_logged_in(
    moving_database: tuple[Flask, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Pages and the review page's answers (on their raw connection) answer 503, and
    work again once the database is back."""
    app, folder = moving_database
    user_id = make_user(app, "ada", is_owner=True)
    with app.app_context():
        session = app.extensions["wengu.sessionmaker"]()
        for n in range(3):
            make_card(session, user_id, f"Q{n}?", f"A{n}")
        session.commit()
        session.close()
    client = app.test_client()
    assert client.post("/auth/login", data={"name": "ada", "password": PASSWORD}).status_code \
        == 302
    page = client.get("/review").get_data(as_text=True)
    card = re.search(r'name="card_id" value="(\d+)"', page)
    shown = re.search(r'name="showing_id" value="([^"]+)"', page)
    assert card is not None and shown is not None

    app.extensions["wengu.engine"].dispose()
    folder.rename(folder.with_name("data-away"))
    for path in ("/", "/review", "/browse/", "/no-such-page"):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            assert_unavailable(client.get(path))
        assert len(failures(caplog)) == 1
    caplog.clear()
    with caplog.at_level(logging.INFO):
        answer = client.post("/review/answer", data={
            "card_id": card.group(1), "showing_id": shown.group(1), "grade": "4"})
    assert_unavailable(answer)
    assert len(failures(caplog)) == 1

    folder.with_name("data-away").rename(folder)
    assert client.get("/").status_code == 200
    assert client.get("/readyz").status_code == 200
