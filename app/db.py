"""The database engine and the one-session-per-request lifecycle.

The engine lives on the app (``app.extensions["wengu.engine"]``); a session is
opened lazily on ``g`` the first time a view asks for one, rolled back if the
request failed, and closed at teardown. Store functions take a session and
never commit; a view commits once.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

logger = logging.getLogger(__name__)


def _utc(value: datetime) -> datetime:
    """An aware time in UTC; a naive one is refused (it is always a bug)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: wengu stores aware UTC times only")
    return value.astimezone(UTC)


# isoformat(" ", "microseconds") without the offset; a third faster for an aware time.
_TEXT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


class SQLiteUTCText(sqlite.DATETIME):
    """SQLite's DATETIME column for :class:`UTCDateTime`: aware times bound as naive UTC text.

    SQLite's own DATETIME formats every value through a dict and a format
    string; this writes the same text (``YYYY-MM-DD HH:MM:SS.ffffff``, naive
    UTC) with one ``%`` format, in the one function SQLAlchemy calls for
    each value (no :class:`UTCDateTime` step before it): an insert of many
    rows (an Anki history binds half a million times) spends little on its
    dates. Reading is SQLite's DATETIME's own.
    """

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], str | None]:
        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not UTC:
                value = _utc(value)
            return _TEXT % (value.year, value.month, value.day, value.hour, value.minute,
                            value.second, value.microsecond)

        return process

    def literal_processor(self, dialect: Dialect) -> Callable[[datetime], str]:
        text = self.bind_processor(dialect)

        def quoted(value: datetime) -> str:
            return f"'{text(value)}'"

        return quoted


class _ServerUTC(TypeDecorator[datetime]):
    """A server's ``timestamp with time zone`` for :class:`UTCDateTime` (PostgreSQL): naive
    times refused, aware ones bound in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _utc(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL stores ``timestamptz`` (:class:`_ServerUTC`); SQLite has no
    time zones, so the value is stored as naive UTC text
    (:class:`SQLiteUTCText`) and made aware again on the way out. Naive values
    are refused on the way in: they are always a bug. Binding is the dialect
    type's alone (this type has no ``process_bind_param``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return SQLiteUTCText()  # type: ignore[no-untyped-call]
        return _ServerUTC()

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC (the shell's clock; the core never reads it)."""
    return datetime.now(UTC)


CHECKPOINT_EVERY = 200  # commits between two copies of SQLite's log into the database
WAL_LIMIT = 32 * 1024 * 1024  # bytes: the log is reset past this, and cut back to it
CHECKPOINT_EVERY_S = 0.5  # seconds, at most, between two copies while commits come
CHECKPOINT_IDLE_S = 1.0  # seconds without a commit before the log is emptied
CHECKPOINT_BUSY_MS = 1000  # how long a RESTART or TRUNCATE waits for readers


class WalCheckpointer:
    """Copies SQLite's write-ahead log back into the database file in a thread of its own.

    SQLite does this itself inside whichever commit makes the log pass 1,000
    pages, and that commit then takes ten times as long as the others: every
    fiftieth answer or so on the review page. Instead, connections are opened
    with ``wal_autocheckpoint=0`` and a thread of the checkpointer's own, alive
    while commits come, copies the log on a connection of its own:

    - every :data:`CHECKPOINT_EVERY` commits, and at least every
      :data:`CHECKPOINT_EVERY_S` seconds while commits come, a ``PASSIVE``
      checkpoint (it waits for no one and no one waits for it; SQLite releases
      the GIL while it copies). The seconds matter with several processes:
      gunicorn's workers get even shares of the traffic, reach their counts
      together and then all leave the log alone for as long again (four
      workers at 230 answers a second checked it only every 3 s, while it grew
      by 16 MB a second);
    - and when, after it, the log holds more than half of ``limit`` bytes, a
      ``RESTART`` one: under sustained load some reader always holds an old
      snapshot or a writer commits while the log is copied, a passive
      checkpoint never copies the whole log, and SQLite never starts the log
      again from its beginning, so it grows without end (500 MB against a
      20 MB database was seen). ``RESTART`` waits for the readers (at most
      :data:`CHECKPOINT_BUSY_MS`, holding back writers meanwhile) so that the
      next commit writes from the start of the log, and the connections'
      ``journal_size_limit`` (the same ``limit``) cuts the file back. The
      passive checkpoint before it has copied all but the last few commits,
      so writers wait for those only (a ``RESTART`` copying the whole log held
      answers back for 40 to 200 ms, every 400 answers of a busy reviewer).
      What is measured is the log's content (the frames the checkpoint
      reports), not the file: a file cut back to ``limit`` stays that size
      while the log inside it starts again, so its size says nothing until the
      log has already outgrown it; and half the limit leaves room for the
      commits of the other processes until their next checkpoint (with four
      gunicorn workers, a check on the file's size let it reach twice the limit);
    - after :data:`CHECKPOINT_IDLE_S` seconds without a commit, a ``TRUNCATE``
      one empties the log file; then the thread ends, until the next commit.

    The log is also copied when the last connection closes.
    """

    def __init__(self, database: str, every: int = CHECKPOINT_EVERY, *,
                 limit: int = WAL_LIMIT, every_s: float = CHECKPOINT_EVERY_S,
                 idle_s: float = CHECKPOINT_IDLE_S) -> None:
        self.database = database
        self.every = every
        self.limit = limit
        self.every_s = every_s
        self.idle_s = idle_s
        self.runs = 0  # checkpoints done
        self.modes: dict[str, int] = {}  # checkpoints done by mode
        self.commits = 0  # commits counted
        self.logged_bytes = 0  # the log's content when the last checkpoint ran
        self._commits = 0  # since the last checkpoint
        self._dirty = False  # a commit since the log was last emptied
        self._last_commit = 0.0
        self._last_copy = 0.0  # when the last passive checkpoint was started
        self._thread: threading.Thread | None = None
        self._wake = threading.Condition()

    @property
    def wal_bytes(self) -> int:
        """The size of the log file now (0 when there is none)."""
        try:
            return os.path.getsize(f"{self.database}-wal")
        except OSError:
            return 0

    def committed(self) -> None:
        """Count a commit; the thread checkpoints when enough have come, or when idle."""
        with self._wake:
            self.commits += 1
            self._commits += 1
            self._dirty = True
            self._last_commit = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="wengu-wal-checkpoint",
                                                daemon=True)
                self._thread.start()
            elif self._commits >= self.every:
                self._wake.notify()

    def wait(self) -> None:
        """Wait until the thread has emptied the log and ended (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join()

    def _next_mode(self) -> str | None:
        """The checkpoint to run next, waiting for it; None when idle and nothing to do."""
        with self._wake:
            while True:
                now = time.monotonic()
                since_copy = now - self._last_copy
                if self._commits >= self.every or (self._commits
                                                   and since_copy >= self.every_s):
                    self._commits, self._last_copy = 0, now
                    return "PASSIVE"
                idle = now - self._last_commit
                if idle >= self.idle_s:
                    if self._dirty:
                        self._dirty, self._commits = False, 0
                        return "TRUNCATE"
                    self._thread = None
                    return None
                wait = self.idle_s - idle
                if self._commits:
                    wait = min(wait, self.every_s - since_copy)
                self._wake.wait(wait)

    def _loop(self) -> None:
        while (mode := self._next_mode()) is not None:
            self.checkpoint(mode)
            if mode == "PASSIVE" and self.logged_bytes > self.limit // 2:
                self.checkpoint("RESTART")  # the rest of the log: a few commits

    def checkpoint(self, mode: str) -> bool:
        """Run one checkpoint (``PASSIVE``, ``RESTART`` or ``TRUNCATE``) now; whether it
        copied the whole log (a busy reader or writer can stop all but ``PASSIVE``)."""
        assert mode in ("PASSIVE", "RESTART", "TRUNCATE")
        path = Path(self.database).resolve()
        if not path.exists():
            return False  # the database was removed (a test's folder): nothing to copy
        try:
            # ``mode=rw``: a checkpoint never creates a database where there is none.
            connection = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True,
                                         timeout=CHECKPOINT_BUSY_MS / 1000)
            try:
                busy, logged, copied = connection.execute(
                    f"PRAGMA wal_checkpoint({mode})"
                ).fetchone()
                page_bytes = connection.execute("PRAGMA page_size").fetchone()[0]
            finally:
                connection.close()
        except sqlite3.Error:
            logger.exception("WAL checkpoint of %s failed", self.database)
            return False
        # A frame of the log is a page and its 24-byte header; -1 when not in WAL mode.
        self.logged_bytes = max(logged, 0) * (page_bytes + 24)
        self.runs += 1
        self.modes[mode] = self.modes.get(mode, 0) + 1
        return not busy and logged == copied


_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, WalCheckpointer] = weakref.WeakKeyDictionary()


def checkpointer(engine: Engine) -> WalCheckpointer | None:
    """The engine's :class:`WalCheckpointer` (None unless it is a SQLite file)."""
    return _CHECKPOINTERS.get(engine)


def make_engine(url: str, *, busy_timeout_ms: int = 5000, **kwargs: Any) -> Engine:
    """Create an engine; SQLite connections get WAL, foreign keys and a busy timeout, and
    a file database its :class:`WalCheckpointer`."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        background = bool(database) and database != ":memory:" and "mode=memory" not in url

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Reads through the OS page cache rather than read() calls, and a bigger cache.
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.execute("PRAGMA cache_size=-65536")
            if background:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                # A log reset by a checkpoint is cut back to this size by the next commit.
                cursor.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
            cursor.close()

        if background:
            assert database is not None
            found = _CHECKPOINTERS[engine] = WalCheckpointer(database)

            @event.listens_for(engine, "commit")
            def _count_commit(_connection: Any) -> None:
                found.committed()

    return engine


def outage_errors(engine: Engine) -> tuple[type[Exception], ...]:
    """The exceptions that mean "the database cannot be reached or is too busy": the
    server is down or refuses connections, the pool ran dry, SQLite's file is locked
    or gone. SQLAlchemy's wrappers, and the driver's own (raised on raw connections)."""
    dbapi = engine.dialect.loaded_dbapi
    return (
        sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
        dbapi.OperationalError, dbapi.InterfaceError,
    )


def outage_summary(error: BaseException) -> str:
    """One line saying what went wrong with the database (no SQL, no traceback)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]


def init_app(app: Flask) -> None:
    """Attach the engine and session factory to ``app`` and register teardown."""
    engine = make_engine(
        app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
    )
    app.extensions["wengu.engine"] = engine
    app.extensions["wengu.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    """The current app's engine."""
    engine: Engine = current_app.extensions["wengu.engine"]
    return engine


def new_session() -> Session:
    """A new session outside any request (CLI commands, background jobs)."""
    factory: sessionmaker[Session] = current_app.extensions["wengu.sessionmaker"]
    return factory()


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = new_session()
    session: Session = g.db_session
    return session


def close_session(exc: BaseException | None = None) -> None:
    """Roll back what a failed request left open, then close the session.

    When the database is gone the rollback fails too; the connection is then
    dropped with the session (the pool makes a new one later), and the request's
    own error, already reported, is the one that counts.
    """
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is not None or session.in_transaction():
            session.rollback()
    except outage_errors(session.get_bind().engine):
        session.invalidate()
    finally:
        session.close()
