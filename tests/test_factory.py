"""The app factory and configuration precedence."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app import create_app


def test_config_passed_in_wins(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "k"})
    assert app.config["DATABASE_URL"].endswith("/x.db")
    assert app.config["SECRET_KEY"] == "k"
    assert not app.testing


def test_precedence_defaults_instance_env_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "OPEN_SIGNUP = True\nLOGIN_RATE_LIMIT = '1 per day'\nSECRET_KEY = 'from-file'\n"
    )
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    monkeypatch.setenv("WENGU_LOGIN_RATE_LIMIT", "2 per day")
    monkeypatch.setenv("WENGU_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app({"SECRET_KEY": "from-test"})
    assert app.config["MAX_CONTENT_LENGTH"] == 50 * 1024 * 1024  # default
    assert app.config["OPEN_SIGNUP"] is True  # instance file over default
    assert app.config["LOGIN_RATE_LIMIT"] == "2 per day"  # environment over file
    assert app.config["DATABASE_URL"].endswith("/env.db")
    assert app.config["SECRET_KEY"] == "from-test"  # test config over everything


def test_secret_key_generated_once_into_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "inst"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    monkeypatch.delenv("WENGU_SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32 and first != "dev"
    assert (instance / "secret_key").read_text().strip() == first
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "i"))
    monkeypatch.delenv("WENGU_DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "k"})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'i' / 'wengu.sqlite3'}"


def test_security_headers_on_every_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/auth/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
