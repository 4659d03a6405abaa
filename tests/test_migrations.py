"""Alembic: the migrations round-trip, and they agree with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.cli.db import alembic_config
from app.db import make_engine
from app.models import Base
from tests.conftest import database_url


def _empty(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


@pytest.mark.database
def test_upgrade_downgrade_upgrade_and_models_agree(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    _empty(url)
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    _empty(url)


def test_cli_db_upgrade(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = database_url(tmp_path)
    _empty(url)
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    engine = make_engine(url)
    assert "cards" in inspect(engine).get_table_names()
    engine.dispose()
    _empty(url)
