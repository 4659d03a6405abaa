"""Alembic environment: wengu's models, batch mode (SQLite can't ALTER much).

A run of migrations is one transaction on every database, so a step that
fails leaves the schema and its recorded revision as they were. On SQLite
that needs two things the driver does not do by itself: an explicit ``BEGIN``
(so DDL is inside the transaction), and foreign keys off while batch mode
copies tables (dropping a parent table would otherwise delete its children's
rows); the keys are checked before the commit instead.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, event, pool

from app.db import make_engine
from app.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("WENGU_DATABASE_URL")
    if not url:
        from app import create_app

        url = create_app().config["DATABASE_URL"]
    return url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_in_one_transaction(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _driver_leaves_transactions_to_us(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migrations broke foreign keys (rolled back): {broken[:5]}")


def run_migrations_online() -> None:
    engine = make_engine(_url(), poolclass=pool.NullPool)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _sqlite_in_one_transaction(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            transactional_ddl=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
