"""Log lines in one structured format: a JSON object a line, access and application alike.

Log collectors parse JSON without a pattern per line kind, and a traceback kept
inside one line's ``exception`` field never floods a log with hundreds of lines
that belong together. Each request gets an access line (``app.access``: method,
path, status, duration, client address, user id); application lines carry
their logger, level and message, and any ``extra`` fields.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request, session
from flask.logging import default_handler

ACCESS = logging.getLogger("app.access")
# Attributes every LogRecord has; anything else on a record came as ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((key, value) for key, value in vars(record).items()
                     if key not in _STANDARD and not key.startswith("_"))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """wengu's handler on standard error (one per process, however many apps are made)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(JsonFormatter())


def init_app(app: Flask) -> None:
    """Send the app's loggers (``app`` and below) through :class:`JsonHandler` at INFO,
    and log each request's access line when ``ACCESS_LOG`` is on."""
    logger = logging.getLogger("app")  # Flask's app.logger, and every module's logger below it
    logger.removeHandler(default_handler)
    for handler in [h for h in logger.handlers if isinstance(h, JsonHandler)]:
        logger.removeHandler(handler)
    logger.addHandler(JsonHandler())
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not app.config.get("ACCESS_LOG"):
        return

    @app.before_request
    def _started() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _access_line(response: Response) -> Response:
        started = g.get("request_started")
        ACCESS.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": None if started is None
                else round((time.perf_counter() - started) * 1000, 1),
                "remote": request.remote_addr, "user_id": session.get("user_id"),
                "bytes": response.content_length,
            },
        )
        return response
