"""Backups of a running wengu, and restoring one.

SQLite: the online backup API copies the database page by page inside one
read transaction, so the copy is the database as one instant saw it (every
commit before it, none half) while answers keep being written: in WAL mode
readers and writers do not wait for each other. The copy is written beside
its destination and renamed into place, and leaves in rollback-journal mode:
one self-contained file. Restoring copies a backup into the database the same
way, after keeping the current content beside it.

PostgreSQL has its own tools (``pg_dump``, ``pg_restore``; see the README).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


def sqlite_path(database_url: str) -> Path:
    """The SQLite file of ``database_url`` (raises :class:`BackupError` for other databases)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        raise BackupError(
            "this is a PostgreSQL database: back it up with pg_dump "
            "(pg_dump --format=custom --file=wengu.dump DBNAME) and restore it with "
            "pg_restore (pg_restore --clean --if-exists --dbname=DBNAME wengu.dump)"
        )
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(f"cannot back up {url.render_as_string(hide_password=True)}")
    return Path(url.database)


def _copy(source: Path, destination: Path) -> None:
    """Copy the SQLite database ``source`` to a new file ``destination`` (atomically)."""
    partial = destination.with_name(f".{destination.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    reader = sqlite3.connect(source, timeout=30)
    try:
        writer = sqlite3.connect(partial)
        try:
            reader.backup(writer)  # all pages in one step: one consistent snapshot
            writer.execute("PRAGMA journal_mode=DELETE")
            _check(writer, destination)
        finally:
            writer.close()
        os.replace(partial, destination)
    finally:
        reader.close()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def _check(connection: sqlite3.Connection, name: Path) -> None:
    """Raise :class:`BackupError` unless ``connection`` holds a sound wengu database."""
    try:
        (result,) = connection.execute("PRAGMA integrity_check").fetchone()
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{name} is not a SQLite database ({error})") from None
    if result != "ok":
        raise BackupError(f"{name} is damaged: {result}")
    if not {"users", "cards", "reviews"} <= tables:
        raise BackupError(f"{name} is not a wengu database")


def backup(database_url: str, out: Path, *, replace: bool = False) -> Path:
    """Copy the running database to ``out``; refuses to replace a file unless asked."""
    database = sqlite_path(database_url)
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if out.exists() and not replace:
        raise BackupError(f"{out} exists (--force replaces it)")
    if out.resolve() == database.resolve():
        raise BackupError("the backup would overwrite the database itself")
    _copy(database, out)
    return out


def restore(database_url: str, source: Path) -> Path | None:
    """Replace the database's content with the backup ``source``.

    The current database, if any, is first copied beside it (``NAME.before-restore-TIME``);
    that copy's path is returned. Running servers see the restored content on their
    next query; their in-memory review queues notice it as a change of the user's cards.
    """
    database = sqlite_path(database_url)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check(reader, source)
        kept = None
        if database.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = database.with_name(f"{database.name}.before-restore-{stamp}")
            _copy(database, kept)
        writer = sqlite3.connect(database, timeout=30)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()
    return kept
