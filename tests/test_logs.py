"""Access and application log lines: one JSON object a line; no traceback for users."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.logs import JsonFormatter
from tests.conftest import database_url, reset_database


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The captured records as wengu writes them, each parsed back from its one line."""
    formatter = JsonFormatter()
    out = []
    for record in caplog.records:
        line = formatter.format(record)
        assert "\n" not in line
        out.append(json.loads(line))
    return out


@pytest.fixture
def failing_app(tmp_path: Path) -> Flask:
    url = database_url(tmp_path)
    reset_database(url)
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATABASE_URL": url,
                      "SECRET_KEY": "logs", "RATELIMIT_ENABLED": False})

    def broken() -> str:
        raise RuntimeError("secret internals\nsecond line")

    app.add_url_rule("/broken", view_func=broken)
    return app


def test_each_request_has_one_access_line(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = failing_app.test_client()
    with caplog.at_level(logging.INFO):
        client.get("/healthz?probe=1")
    (access,) = lines(caplog)
    assert access["logger"] == "app.access"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 200)
    assert isinstance(access["duration_ms"], float)
    assert access["level"] == "info" and str(access["time"]).endswith("+00:00")


def test_a_server_error_is_one_line_and_no_traceback_for_the_user(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = failing_app.test_client()
    with caplog.at_level(logging.INFO):
        response = client.get("/broken")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and "secret internals" not in page
    error, access = lines(caplog)
    assert error["level"] == "error"
    assert "RuntimeError: secret internals" in str(error["exception"])
    assert access["status"] == 500


def test_extra_fields_and_unicode_are_kept() -> None:
    record = logging.LogRecord("app.x", logging.WARNING, __file__, 1, "导入 %s", ("笔记",), None)
    record.job_id = 7
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "导入 笔记"
    assert entry["job_id"] == 7
