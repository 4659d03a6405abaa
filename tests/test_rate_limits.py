"""Login throttling: 429 with Retry-After, counted per client address, shared between
workers through Redis (``RATELIMIT_STORAGE_URI``).

The Redis tests need a server: ``.ci/run`` starts one and sets ``WENGU_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import PASSWORD, database_url, make_user, reset_database

REDIS_URL = os.environ.get("WENGU_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="WENGU_TEST_REDIS_URL is unset: no Redis server to share counts "
    "(.ci/run starts one)")


@pytest.fixture
def worker(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app as one gunicorn worker would run it; its storage from the test's param."""
    url = database_url(tmp_path)
    reset_database(url)
    config: dict[str, Any] = {
        "TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "limits",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": getattr(request, "param", "memory://"),
    }
    app = create_app(config)
    make_user(app, "ada")
    yield app
    app.extensions["wengu.engine"].dispose()


def logins_in_another_worker(app: Flask, passwords: list[str], address: str,
                             **config: str) -> list[int]:
    """Logins from ``address`` in another process (another worker) with ``app``'s
    settings, changed by ``config``; their status codes."""
    settings = ("DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI")
    env = {**os.environ, **{f"WENGU_{name}": str(app.config[name]) for name in settings},
           **{f"WENGU_{name}": value for name, value in config.items()}}
    script = (
        "from app import create_app\n"
        "app = create_app({'TESTING': True, 'WTF_CSRF_ENABLED': False,"
        " 'RATELIMIT_ENABLED': True, 'LOGIN_RATE_LIMIT': '3 per minute'})\n"
        f"for password in {passwords!r}:\n"
        "    print(app.test_client().post('/auth/login', data={'name': 'ada', "
        f"'password': password}}, environ_base={{'REMOTE_ADDR': {address!r}}}).status_code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return [int(line) for line in done.stdout.split()]


def fresh_address() -> str:
    """A client address no earlier test counted (a shared Redis outlives a test)."""
    return "10." + ".".join(str(secrets.randbelow(256)) for _ in range(3))


def log_in(client: FlaskClient, password: str, address: str = "192.0.2.1") -> Any:
    return client.post("/auth/login", data={"name": "ada", "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_throttled_login_says_when_to_retry(worker: Flask) -> None:
    client = worker.test_client()
    for _ in range(3):
        assert log_in(client, "guess").status_code == 200
    blocked = log_in(client, PASSWORD)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_the_right_password_from_another_address_is_never_locked_out(
    worker: Flask,
) -> None:
    attacker = worker.test_client()
    for _ in range(10):
        log_in(attacker, "guess", "198.51.100.9")
    assert log_in(attacker, PASSWORD, "198.51.100.9").status_code == 429
    owner = worker.test_client()
    assert log_in(owner, PASSWORD, "192.0.2.44").status_code == 302


def test_memory_counts_are_per_worker(worker: Flask) -> None:
    """Why Redis: with memory:// each worker counts alone (an attacker gets N × the limit)."""
    address = fresh_address()
    assert logins_in_another_worker(worker, ["x", "x"], address) == [200, 200]
    client = worker.test_client()
    for _ in range(3):
        assert log_in(client, "guess", address).status_code == 200
    assert log_in(client, "guess", address).status_code == 429


@needs_redis
@pytest.mark.parametrize("worker", [REDIS_URL], indirect=True)
def test_redis_counts_are_shared_between_workers(worker: Flask) -> None:
    address = fresh_address()
    assert logins_in_another_worker(worker, ["x", "x"], address) == [200, 200]
    client = worker.test_client()
    assert log_in(client, "guess", address).status_code == 200
    blocked = log_in(client, PASSWORD, address)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert logins_in_another_worker(worker, ["x"], address) == [429]
    assert log_in(client, PASSWORD, fresh_address()).status_code == 302


def test_unreachable_redis_falls_back_to_counting_in_memory(worker: Flask) -> None:
    pytest.importorskip("redis")
    statuses = logins_in_another_worker(
        worker, [PASSWORD, "x", "x", "x", "x"], fresh_address(),
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    assert statuses == [302, 200, 200, 200, 429]
