"""Configuration defaults, and the order in which they are overridden.

Order (later wins): these defaults, then ``instance/config.py``, then
``WENGU_*`` environment variables, then the ``config`` mapping given to
``create_app`` (tests). Nothing is read at import time.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Database: None means the SQLite file in the instance folder.
    "DATABASE_URL": None,
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    # Seconds a client is asked to wait (Retry-After) while the database is unreachable.
    "DATABASE_RETRY_AFTER": 5,
    # Review: compare every next card the in-memory queue gives with the queue's
    # queries, and fail loudly on a difference (the tests turn this on; it costs).
    "QUEUE_CHECK": False,
    # Uploads (bytes); the zip limits stop zip bombs.
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
    "IMPORT_MAX_UNCOMPRESSED": 200 * 1024 * 1024,
    "IMPORT_MAX_FILES": 20000,
    # Accounts.
    "OPEN_SIGNUP": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DAYS": 30,
    "PROXY_FIX": None,  # e.g. "1,1,1,1,0": x_for, x_proto, x_host, x_port, x_prefix
    # Several workers share counts through Redis: "redis://127.0.0.1:6379/0". If it cannot
    # be reached, each worker counts in its own memory until it can.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    # Logging: one JSON object a line on stderr, an access line for every request.
    "ACCESS_LOG": True,
    # Languages wengu speaks.
    "LANGUAGES": ["en", "zh"],
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "WTF_CSRF_TIME_LIMIT": None,
}


def load_or_create_secret_key(instance_path: str | Path) -> str:
    """Read the instance's secret key, generating it on first run.

    A fixed development key would let anyone forge sessions on a server that
    forgot to set one; a random key kept in the instance folder survives
    restarts and is never committed. Several workers starting at once agree on
    one key: each writes a candidate to a file of its own and links it into
    place, which succeeds for exactly one of them (no one ever reads a key
    half written); the others read the winner's.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, candidate = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(secrets.token_hex(32) + "\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)
        finally:
            os.unlink(candidate)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it (a new key is made) or set SECRET_KEY")
    return key


def default_database_url(instance_path: str | Path) -> str:
    """The SQLite database wengu uses when none is configured."""
    return f"sqlite:///{Path(instance_path) / 'wengu.sqlite3'}"
